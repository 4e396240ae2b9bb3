import Foundation

/// One line's result in a stream of alerts.
package enum AlertStreamItem: Sendable, Hashable {
    /// An alert, and the 1-based line it starts on.
    case alert(FalcoAlert, line: Int)
    /// A line that is not a good alert, with its line and byte position; the stream goes on after it.
    case badLine(AlertParseError)
}

/// Reads alerts line by line from a file or standard input, in bounded memory.
///
/// Lines are read by ``AlertAssembler``, as every reader reads them: JSON (on one line or several), plain text,
/// either one after a log's prefix. The encoding is found from the first bytes (UTF-16 with a byte-order mark is
/// read as UTF-8). A line longer than ``AlertReader/maximumLineLength`` is skipped and reported; memory never
/// holds more than one line (or one multi-line value) and one read's worth of bytes.
package final class AlertStream {
    private let input: AlertInput
    private var assembler: AlertAssembler
    private var transcoder = InputTranscoder()
    private var transcoded: [UInt8] = []
    private let maximumLineLength: Int
    private let readSize = 1 << 18
    private let storage: UnsafeMutableRawBufferPointer
    /// Unconsumed bytes are `start..<end` in `storage`.
    private var start = 0
    private var end = 0
    /// Where the newline search resumes (bytes before it, from `start`, have none).
    private var searched = 0
    /// Offset in the input of `storage[0]`.
    private var storageOffset = 0
    private var lineNumber = 0
    /// Bytes left to read when the stream reads only part of its input (one of several parts read at once).
    private var remaining: Int?
    private var atEnd = false
    /// Set while skipping the rest of an over-long line.
    private var discarding = false

    /// The input's name, as errors give it.
    package var source: String { input.name }

    /// Opens `path` (`-` for standard input).
    ///
    /// - Throws: ``AlertParseError`` (`.unreadable`) when it cannot be opened.
    package convenience init(path: String) throws(AlertParseError) {
        self.init(input: try AlertInput.open(path), mode: .complete)
    }

    /// Reads the bytes `range` of `input`, which is placed at its start; the part must start at a line's start.
    /// Line numbers count from the part's first line; byte offsets from the input's start.
    convenience init(part input: AlertInput, range: Range<Int>, mode: AlertDecodingMode) {
        self.init(input: input, mode: mode)
        storageOffset = range.lowerBound
        remaining = range.count
    }

    /// How many lines were read (after the end: the input's line count).
    var linesRead: Int { lineNumber }

    init(input: AlertInput, mode: AlertDecodingMode, maximumLineLength: Int = AlertReader.maximumLineLength) {
        self.input = input
        self.assembler = AlertAssembler(source: input.name, mode: mode, maximumLength: maximumLineLength)
        self.maximumLineLength = maximumLineLength
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: maximumLineLength + readSize + 1, alignment: 8)
    }

    deinit {
        input.close()
        storage.deallocate()
    }

    /// The next alert or bad line; `nil` at the end of input.
    ///
    /// - Throws: ``AlertParseError`` (`.unreadable`) when reading fails (an I/O error, not a bad line).
    package func next() throws(AlertParseError) -> AlertStreamItem? {
        try next { _ in false }
    }

    /// The next alert or bad line that `take` did not take; `nil` at the end of input.
    ///
    /// `take` is offered each line that starts no value of its own and continues none (the line's UTF-8 bytes,
    /// newline excluded): when it returns `true` it has read the line as one whole alert, and the line is not
    /// read again; otherwise the line is read as ``next()`` reads it.
    func next(taking take: (UnsafeBufferPointer<UInt8>) -> Bool) throws(AlertParseError) -> AlertStreamItem? {
        while true {
            guard let (lineStart, lineEnd, tooLong) = try nextLine() else {
                return assembler.finish().map(Self.item)
            }
            let offset = storageOffset + lineStart
            if tooLong { return Self.item(assembler.tooLongLine(number: lineNumber, offset: offset)) }
            let line = UnsafeBufferPointer(bytesIn: storage, from: lineStart, to: lineEnd)
            if !assembler.isHoldingValue, take(line) { continue }
            if let item = assembler.line(line, number: lineNumber, offset: offset) { return Self.item(item) }
        }
    }

    private static func item(_ item: AlertAssembler.Item) -> AlertStreamItem {
        switch item {
        case .alert(let located): .alert(located.alert, line: located.line)
        case .badLine(let error): .badLine(error)
        }
    }

    /// The next complete line's extent in `storage` (newline excluded), or an over-long line to report.
    private func nextLine() throws(AlertParseError) -> (start: Int, end: Int, tooLong: Bool)? {
        // swift-format-ignore: NeverForceUnwrap
        // `storage` was allocated with a non-zero size.
        let base = storage.baseAddress.unsafelyUnwrapped
        while true {
            if searched < end, let found = memchr(base + searched, 0x0A, end - searched) {
                let newline = base.distance(to: found)
                let lineStart = start
                start = newline + 1
                searched = start
                if discarding {
                    discarding = false
                    continue
                }
                lineNumber += 1
                if newline - lineStart > maximumLineLength { return (lineStart, lineStart, true) }
                return (lineStart, newline, false)
            }
            searched = end
            if discarding {
                start = end
            } else if end - start > maximumLineLength {
                // Report the line now and skip the rest of it as it arrives.
                lineNumber += 1
                let lineStart = start
                discarding = true
                start = end
                return (lineStart, lineStart, true)
            }
            if atEnd {
                guard start < end, !discarding else { return nil }
                let lineStart = start
                start = end
                lineNumber += 1
                return (lineStart, end, false)
            }
            try refill(base)
        }
    }

    /// Moves the unconsumed bytes to the front when needed, then reads more.
    private func refill(_ base: UnsafeMutableRawPointer) throws(AlertParseError) {
        if storage.count - end < readSize {
            let pending = end - start
            if pending > 0 { memmove(base, base + start, pending) }
            storageOffset += start
            searched -= start
            start = 0
            end = pending
        }
        if transcoder.passesThrough {
            let count = try input.read(into: base + end, count: min(storage.count - end, remaining ?? Int.max))
            remaining? -= count
            if count == 0 { atEnd = true }
            end += count
            return
        }
        // Until the encoding is known, and for UTF-16, bytes go through the transcoder: half the room is read,
        // as UTF-16 can grow by half as UTF-8.
        let raw = UnsafeMutableRawBufferPointer.allocate(byteCount: readSize / 2, alignment: 8)
        defer { raw.deallocate() }
        // swift-format-ignore: NeverForceUnwrap
        // A non-empty allocation always has an address.
        let count = try input.read(into: raw.baseAddress.unsafelyUnwrapped, count: min(raw.count, remaining ?? Int.max))
        remaining? -= count
        if count == 0 { atEnd = true }
        transcoded.removeAll(keepingCapacity: true)
        transcoder.decode(UnsafeRawBufferPointer(rebasing: raw[0..<count]), atEnd: atEnd, into: &transcoded)
        if let encoding = transcoder.encoding, encoding != .utf8 { assembler.encoding = encoding }
        transcoded.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress { memcpy(base + end, source, bytes.count) }
        }
        end += transcoded.count
    }
}

/// A stream owns a read position and a buffer: one reader at a time.
@available(*, unavailable)
extension AlertStream: Sendable {}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes `from..<to` of `storage`.
    init(bytesIn storage: UnsafeMutableRawBufferPointer, from start: Int, to end: Int) {
        let bytes = UnsafeRawBufferPointer(rebasing: storage[start..<end]).assumingMemoryBound(to: UInt8.self)
        self.init(start: bytes.baseAddress, count: bytes.count)
    }
}
