/// Cuts a byte stream into lines, keeping a partial last line until its newline arrives.
///
/// Memory is bounded by `maximumLength`: a longer line is reported once as too long and the rest of it is
/// dropped as it arrives, never held.
package struct LineSplitter: Sendable {
    /// One piece of the stream.
    package enum Piece: Sendable, Hashable {
        /// A complete line without its newline (and without a trailing carriage return), and its 1-based number.
        case line([UInt8], number: Int)
        /// A line longer than the limit, skipped.
        case tooLong(number: Int)
    }

    package let maximumLength: Int
    private var partial: [UInt8] = []
    /// Set while dropping the rest of an over-long line.
    private var discarding = false
    /// The number of the last line handed out (or being discarded).
    package private(set) var lineNumber = 0

    package init(maximumLength: Int) {
        self.maximumLength = maximumLength
    }

    /// Whether bytes of an unfinished line are held.
    package var hasPartialLine: Bool { !partial.isEmpty || discarding }

    /// Splits `bytes`, appending every complete line to `pieces`.
    package mutating func feed(_ bytes: UnsafeRawBufferPointer, into pieces: inout [Piece]) {
        var start = 0
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                take(bytes[start...], into: &pieces)
                return
            }
            take(bytes[start..<newline], into: &pieces)
            endLine(into: &pieces)
            start = newline + 1
        }
    }

    /// Convenience for tests and small inputs.
    package mutating func feed(_ bytes: [UInt8], into pieces: inout [Piece]) {
        bytes.withUnsafeBytes { feed($0, into: &pieces) }
    }

    /// The partial last line as a line of its own: at the end of input, or when the file it came from was
    /// truncated or rotated away (its rest will never come).
    package mutating func finish() -> Piece? {
        defer {
            partial = []
            discarding = false
        }
        if discarding { return nil }
        guard !partial.isEmpty else { return nil }
        lineNumber += 1
        return .line(trimmed(partial), number: lineNumber)
    }

    /// Starts numbering again from line 1 (a new file behind the same path).
    package mutating func restartNumbering() {
        lineNumber = 0
    }

    private mutating func take(_ bytes: Slice<UnsafeRawBufferPointer>, into pieces: inout [Piece]) {
        guard !discarding else { return }
        if partial.count + bytes.count > maximumLength {
            lineNumber += 1
            pieces.append(.tooLong(number: lineNumber))
            partial = []
            discarding = true
            return
        }
        partial.append(contentsOf: bytes)
    }

    private mutating func endLine(into pieces: inout [Piece]) {
        if discarding {
            discarding = false
            return
        }
        lineNumber += 1
        pieces.append(.line(trimmed(partial), number: lineNumber))
        partial = []
    }

    private func trimmed(_ line: [UInt8]) -> [UInt8] {
        line.last == 0x0D ? Array(line.dropLast()) : line
    }
}
