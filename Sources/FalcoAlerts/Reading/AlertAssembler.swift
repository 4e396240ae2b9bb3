/// Turns the lines of an input into alerts, the same way for every reader (`--alert`, `triage`, `watch`): one
/// line per alert, or several for a JSON value printed over many lines (`python -m json.tool`, a gRPC client).
///
/// Lines are given one at a time, already in UTF-8 (see ``InputTranscoder``); a JSON value that does not end on
/// its first line is held, bounded by ``AlertReader/maximumLineLength``, until its closing brace.
package struct AlertAssembler {
    /// One alert and where it was.
    package struct Located: Sendable, Hashable {
        package var alert: FalcoAlert
        /// The 1-based line it starts on.
        package var line: Int
        /// Its bytes in the (UTF-8) input.
        package var byteRange: Range<Int>
        /// How many lines it took.
        package var lineCount: Int
    }

    /// What a line completed.
    package enum Item: Sendable, Hashable {
        case alert(Located)
        case badLine(AlertParseError)

        /// Whether the item is an alert that took several lines (its bytes are ``AlertAssembler/lastJoined``).
        package var isJoined: Bool {
            if case .alert(let located) = self { return located.lineCount > 1 }
            return false
        }
    }

    /// The input's name, for errors.
    package let source: String
    /// The input's encoding, named in errors when it is not plain UTF-8.
    package var encoding: InputEncoding?
    /// The bytes of the last alert that took several lines, joined with `\n`.
    package private(set) var lastJoined: [UInt8] = []
    private var decoder: LineDecoder
    private var pending: [UInt8] = []
    private var pendingLine = 0
    private var pendingOffset = 0
    private var pendingLines = 0
    private var depth = JSONDepth()
    private let maximumLength: Int

    package init(source: String) {
        self.init(source: source, mode: .complete)
    }

    init(source: String, mode: AlertDecodingMode, maximumLength: Int = AlertReader.maximumLineLength) {
        self.source = source
        decoder = LineDecoder(mode: mode)
        self.maximumLength = maximumLength
    }

    /// Whether a JSON value that started on an earlier line is still open.
    package var isHoldingValue: Bool { pendingLines > 0 }

    /// Reads line `number` (1-based), which starts `offset` bytes into the input; the alert or bad line it
    /// completes, or `nil` (blank, or part of a value still open).
    package mutating func line(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, offset: Int) -> Item? {
        if pendingLines > 0 { return continueValue(bytes, number: number, offset: offset) }
        let outcome = decoder.decode(bytes)
        switch outcome {
        case .blank:
            return nil
        case .alert(let alert):
            return .alert(Located(alert: alert, line: number, byteRange: offset..<offset + bytes.count, lineCount: 1))
        case .incomplete:
            depth = JSONDepth()
            depth.feed(bytes)
            pending = Array(bytes)
            pendingLine = number
            pendingOffset = offset
            pendingLines = 1
            return nil
        default:
            return bad(outcome, line: number, offset: offset)
        }
    }

    /// Line `number`, starting `offset` bytes in, is longer than the reader's limit and was skipped: it is the
    /// bad line, or, when it was part of a JSON value still open, that value is (at the line it starts on).
    package mutating func tooLongLine(number: Int, offset: Int) -> Item {
        var error: AlertParseError
        if pendingLines > 0 {
            pendingLines = 0
            pending = []
            error = LineOutcome.tooLong(source: source, line: pendingLine, offset: pendingOffset)
            error.reason =
                "expected a JSON alert of at most \(maximumLength) bytes, found a longer one (skipped to line \(number))"
        } else {
            error = LineOutcome.tooLong(source: source, line: number, offset: offset)
        }
        error.encoding = encoding
        return .badLine(error)
    }

    /// The end of the input: a value still open is a bad line.
    package mutating func finish() -> Item? {
        guard pendingLines > 0 else { return nil }
        pendingLines = 0
        pending = []
        return bad(.incomplete, line: pendingLine, offset: pendingOffset)
    }

    private mutating func continueValue(_ bytes: UnsafeBufferPointer<UInt8>, number: Int, offset: Int) -> Item? {
        guard pending.count + 1 + bytes.count <= maximumLength else {
            pendingLines = 0
            pending = []
            var error = LineOutcome.tooLong(source: source, line: pendingLine, offset: pendingOffset)
            error.reason =
                "expected a JSON alert of at most \(maximumLength) bytes, found a longer one (skipped to line \(number))"
            error.encoding = encoding
            return .badLine(error)
        }
        pending.append(0x0A)
        pending.append(contentsOf: bytes)
        pendingLines += 1
        depth.feed(bytes)
        guard depth.isClosed else { return nil }
        let lines = pendingLines
        pendingLines = 0
        let outcome = pending.withUnsafeBufferPointer { decoder.decodeJoined($0) }
        defer { pending = [] }
        guard case .alert(let alert) = outcome else {
            if case .malformed(let at, let reason) = outcome {
                let (line, column) = pending.withUnsafeBufferPointer { AlertReader.lineAndColumn(of: at, in: $0) }
                var error = AlertParseError(
                    .malformed, source: source, line: pendingLine + line - 1, column: column,
                    byteOffset: pendingOffset + at, reason: reason)
                error.encoding = encoding
                return .badLine(error)
            }
            return bad(outcome, line: pendingLine, offset: pendingOffset)
        }
        lastJoined = pending
        return .alert(
            Located(
                alert: alert, line: pendingLine, byteRange: pendingOffset..<pendingOffset + pending.count,
                lineCount: lines))
    }

    private func bad(_ outcome: LineOutcome, line: Int, offset: Int) -> Item? {
        guard case .failure(var error) = outcome.result(source: source, line: line, lineStart: offset) else {
            return nil
        }
        error.encoding = encoding
        return .badLine(error)
    }
}

/// Follows the nesting of a JSON value across lines, strings and escapes included, to tell where it closes.
struct JSONDepth {
    private var depth = 0
    private var inString = false
    private var escaped = false
    private(set) var isClosed = false

    /// Whether what was fed opened a value that is still open, and stopped outside a string.
    var isOpenBetweenValues: Bool { depth > 0 && !inString && !isClosed }

    mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) {
        for byte in bytes {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth <= 0 { isClosed = true }
            default: break
            }
        }
    }
}
