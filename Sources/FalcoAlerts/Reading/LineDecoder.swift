/// What one line of input turned out to be.
enum LineOutcome {
    /// Only whitespace.
    case blank
    case alert(FalcoAlert)
    /// A JSON value that goes on past the end of the line (pretty-printed): more lines are needed.
    case incomplete
    /// A JSON alert with a problem at `offset` bytes into the line.
    case malformed(offset: Int, reason: String)
    /// Neither JSON nor a plain-text Falco alert.
    case notAnAlert(reason: String)

    /// The alert, or the error placed at `line` of `source`, whose first byte is `lineStart` bytes into it.
    func result(source: String, line: Int, lineStart: Int) -> Result<FalcoAlert, AlertParseError> {
        switch self {
        case .alert(let alert):
            return .success(alert)
        case .blank:
            return .failure(
                AlertParseError(
                    .noAlert, source: source, line: line, column: 1, byteOffset: lineStart,
                    reason: "expected a falco alert, found only whitespace"))
        case .incomplete:
            return .failure(
                AlertParseError(
                    .malformed, source: source, line: line, column: 1, byteOffset: lineStart,
                    reason: "expected the rest of the JSON alert that starts here, found the end of the input"))
        case .malformed(let offset, let reason):
            return .failure(
                AlertParseError(
                    .malformed, source: source, line: line, column: offset + 1, byteOffset: lineStart + offset,
                    reason: reason))
        case .notAnAlert(let reason):
            return .failure(
                AlertParseError(
                    .notAnAlert, source: source, line: line, column: 1, byteOffset: lineStart, reason: reason))
        }
    }

    /// The error for a line longer than ``AlertReader/maximumLineLength``.
    static func tooLong(source: String, line: Int, offset: Int) -> AlertParseError {
        AlertParseError(
            .lineTooLong, source: source, line: line, column: AlertReader.maximumLineLength + 1, byteOffset: offset,
            reason: "expected a line of at most \(AlertReader.maximumLineLength) bytes, found a longer one (skipped)")
    }
}

/// Decodes single lines: a JSON alert when the line starts with `{`, else a plain-text Falco alert; either one
/// may follow a log's prefix (syslog, `kubectl logs --timestamps`) or sit in a `journalctl -o json` entry.
struct LineDecoder {
    private var json: JSONAlertDecoder

    init(mode: AlertDecodingMode) {
        json = JSONAlertDecoder(mode: mode)
    }

    mutating func decode(_ line: UnsafeBufferPointer<UInt8>) -> LineOutcome {
        var scanner = JSONScanner(buffer: line)
        scanner.skipWhitespace()
        guard let first = scanner.peek() else { return .blank }
        // Plain-text alerts start with their time; anything else that looks like JSON is read as JSON, so a
        // wrong value (`[...]`) is reported as such.
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") else {
            let start = scanner.index
            let rest = UnsafeBufferPointer(rebasing: line[start...])
            if let (length, provenance) = LinePrefix.strip(rest) {
                return decodeWrapped(UnsafeBufferPointer(rebasing: rest[length...]), provenance: provenance)
                    .shifted(by: start + length)
            }
            return decodePlainText(line)
        }
        if first == UInt8(ascii: "{"), LinePrefix.isJournalEntry(line, objectStart: scanner.index) {
            return decodeJournalEntry(&scanner)
        }
        do throws(JSONSyntaxError) {
            return .alert(try json.decodeEntire(&scanner))
        } catch {
            return failure(error, in: line)
        }
    }

    /// The alert after a log's prefix, with the prefix's provenance; a prefix before something that is not an
    /// alert is still not an alert.
    private mutating func decodeWrapped(_ rest: UnsafeBufferPointer<UInt8>, provenance: LogProvenance)
        -> LineOutcome
    {
        var scanner = JSONScanner(buffer: rest)
        guard let first = scanner.peek() else { return .notAnAlert(reason: "expected a falco alert after the log's prefix, found nothing") }
        var outcome: LineOutcome
        if first == UInt8(ascii: "{") {
            do throws(JSONSyntaxError) {
                outcome = .alert(try json.decodeEntire(&scanner))
            } catch {
                outcome = .malformed(offset: error.offset, reason: error.message)
            }
        } else {
            outcome = decodePlainText(rest)
        }
        if case .alert(var alert) = outcome {
            alert.provenance = provenance
            outcome = .alert(alert)
        }
        return outcome
    }

    /// A `journalctl -o json` entry: the alert is its `MESSAGE`.
    private mutating func decodeJournalEntry(_ scanner: inout JSONScanner) -> LineOutcome {
        let members: [FieldMember]
        do throws(JSONSyntaxError) {
            members = try scanner.parseObject()
            scanner.skipWhitespace()
            guard scanner.isAtEnd else {
                return .malformed(
                    offset: scanner.index,
                    reason: "expected nothing after the journal entry's closing '}', found \(scanner.found(at: scanner.index))")
            }
        } catch {
            return error.offset >= scanner.count ? .incomplete : .malformed(offset: error.offset, reason: error.message)
        }
        guard let (message, provenance) = LinePrefix.journalMessage(members) else {
            return .notAnAlert(reason: "expected a journal entry with a MESSAGE holding a falco alert, found none")
        }
        let outcome = message.withUnsafeBufferPointer { decodeWrapped($0, provenance: provenance) }
        switch outcome {
        case .malformed(_, let reason):
            return .malformed(offset: 0, reason: "in the journal entry's MESSAGE: " + reason)
        case .notAnAlert(let reason):
            return .notAnAlert(reason: "in the journal entry's MESSAGE: " + reason)
        default:
            return outcome
        }
    }

    private func failure(_ error: JSONSyntaxError, in line: UnsafeBufferPointer<UInt8>) -> LineOutcome {
        if InputEncoding.looksLikeUTF16(line) { return .notAnAlert(reason: Self.utf16Reason) }
        var end = line.count
        while end > 0, line[end - 1] == 0x20 || line[end - 1] == 0x09 || line[end - 1] == 0x0D { end -= 1 }
        // Pretty-printers break lines between members, never inside a string: only a value left open there
        // goes on to the next line.
        var depth = JSONDepth()
        depth.feed(line)
        if error.offset >= end, depth.isOpenBetweenValues { return .incomplete }
        return .malformed(offset: error.offset, reason: error.message)
    }

    static let utf16Reason =
        "expected UTF-8 text, found UTF-16 without a byte-order mark (NUL bytes between the characters); "
        + "convert it to UTF-8 or save it with a byte-order mark"

    private func decodePlainText(_ line: UnsafeBufferPointer<UInt8>) -> LineOutcome {
        if InputEncoding.looksLikeUTF16(line) { return .notAnAlert(reason: Self.utf16Reason) }
        let text = String(decoding: line, as: UTF8.self)
        if let alert = PlainTextAlertParser.parse(text) { return .alert(alert) }
        return .notAnAlert(
            reason: "expected a JSON alert or a plain-text falco alert ('<time>: <Priority> <output>'), found "
                + JSONAlertDecoder.excerpt(text))
    }

    /// Decodes a whole JSON value held in `bytes` (lines joined by the reader).
    mutating func decodeJoined(_ bytes: UnsafeBufferPointer<UInt8>) -> LineOutcome {
        var scanner = JSONScanner(buffer: bytes)
        scanner.skipWhitespace()
        if LinePrefix.isJournalEntry(bytes, objectStart: scanner.index) { return decodeJournalEntry(&scanner) }
        do throws(JSONSyntaxError) {
            return .alert(try json.decodeEntire(&scanner))
        } catch {
            return .malformed(offset: error.offset, reason: error.message)
        }
    }
}

extension LineOutcome {
    /// The outcome with a malformed offset moved by `distance` bytes (a prefix was read before it).
    fileprivate func shifted(by distance: Int) -> LineOutcome {
        if case .malformed(let offset, let reason) = self { return .malformed(offset: offset + distance, reason: reason) }
        if case .incomplete = self { return .malformed(offset: distance, reason: "expected a whole JSON alert after the log's prefix, found one cut at the end of the line") }
        return self
    }
}

/// Finds, without building an alert, where triage's values are in a line that is one whole single-line JSON
/// alert: the same checks as ``LineDecoder`` makes, so a line it accepts is an alert there too.
struct TriageLineScanner {
    private var json = JSONAlertDecoder(mode: .triage)

    /// The line's tokens (extents in `line`), or `nil` when the line is anything else (a log's prefix, a
    /// journal entry, plain text, a value over several lines, a bad line): then only the full reader can say
    /// what it is.
    mutating func scan(_ line: UnsafeBufferPointer<UInt8>) -> JSONAlertDecoder.TriageTokens? {
        var scanner = JSONScanner(buffer: line)
        scanner.skipWhitespace()
        guard scanner.peek() == UInt8(ascii: "{"), !LinePrefix.isJournalEntry(line, objectStart: scanner.index) else {
            return nil
        }
        do throws(JSONSyntaxError) {
            try json.scanTriage(&scanner)
        } catch {
            return nil
        }
        scanner.skipWhitespace()
        return scanner.isAtEnd ? json.tokens : nil
    }
}
