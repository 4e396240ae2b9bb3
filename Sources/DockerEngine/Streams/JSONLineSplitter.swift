/// Splits a newline-delimited JSON stream (the engine's `/events`) into lines, chunk by chunk.
///
/// An event carries the container's labels, which whoever built the image chose, so one line can
/// be made arbitrarily long. Lines longer than `maxLineBytes` are skipped and counted rather than
/// buffered, and the stream goes on with the next line. Blank lines are skipped; surrounding
/// whitespace and a `json-seq` record separator (0x1E) are removed, so the same splitter reads
/// `application/json`, `application/x-ndjson`, `application/jsonl` and `application/json-seq` bodies.
package struct JSONLineSplitter: Sendable {
    package static let defaultMaxLineBytes = 1 << 20

    package let maxLineBytes: Int
    /// Lines dropped for exceeding `maxLineBytes`.
    package private(set) var oversizedLineCount = 0

    private var carry: [UInt8] = []
    /// The current line went over the limit; skip to its newline.
    private var isSkipping = false

    package init(maxLineBytes: Int = defaultMaxLineBytes) {
        self.maxLineBytes = max(maxLineBytes, 2)
    }

    /// Bytes held back for an unfinished line: at most `maxLineBytes`.
    package var bufferedByteCount: Int { carry.count }

    /// Consumes one chunk and calls `deliver` with every complete, non-blank line (borrowed bytes).
    package mutating func feed(
        _ chunk: UnsafeRawBufferPointer, _ deliver: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        var rest = chunk
        while !rest.isEmpty {
            guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                absorb(rest)
                return
            }
            let segment = UnsafeRawBufferPointer(rebasing: rest[..<newline])
            rest = UnsafeRawBufferPointer(rebasing: rest[(newline + 1)...])
            if isSkipping {
                isSkipping = false
                carry.removeAll(keepingCapacity: true)
                continue
            }
            if carry.isEmpty {
                if segment.count <= maxLineBytes {
                    try Self.deliverTrimmed(segment, deliver)
                } else {
                    oversizedLineCount += 1
                }
                continue
            }
            absorb(segment)
            if isSkipping {
                isSkipping = false
                carry.removeAll(keepingCapacity: true)
                continue
            }
            let line = carry
            carry.removeAll(keepingCapacity: true)
            try line.withUnsafeBytes { try Self.deliverTrimmed($0, deliver) }
        }
    }

    /// Convenience for whole buffers: returns owned copies of the lines.
    package mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        bytes.withUnsafeBytes { chunk in feed(chunk) { lines.append(Array($0)) } }
        return lines
    }

    /// Ends the stream, delivering a last line that had no newline.
    package mutating func finish(_ deliver: (UnsafeRawBufferPointer) throws -> Void) rethrows {
        defer {
            carry = []
            isSkipping = false
        }
        guard !isSkipping, !carry.isEmpty else { return }
        let line = carry
        try line.withUnsafeBytes { try Self.deliverTrimmed($0, deliver) }
    }

    /// Adds bytes of an unfinished line, switching to skipping when it grows past the limit.
    private mutating func absorb(_ bytes: UnsafeRawBufferPointer) {
        guard !isSkipping else { return }
        if carry.count + bytes.count > maxLineBytes {
            oversizedLineCount += 1
            isSkipping = true
            carry.removeAll(keepingCapacity: false)
            return
        }
        carry.append(contentsOf: bytes)
    }

    private static func deliverTrimmed(
        _ line: UnsafeRawBufferPointer, _ deliver: (UnsafeRawBufferPointer) throws -> Void
    ) rethrows {
        var start = 0
        var end = line.count
        while start < end, isPadding(line[start]) { start += 1 }
        while end > start, isPadding(line[end - 1]) { end -= 1 }
        guard start < end else { return }
        try deliver(UnsafeRawBufferPointer(rebasing: line[start..<end]))
    }

    /// Whitespace JSON allows around a value, plus the `json-seq` record separator.
    private static func isPadding(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A || byte == 0x1E
    }
}
