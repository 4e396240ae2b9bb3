/// The text encoding of an alert input, found from its first bytes.
///
/// UTF-8 is read as is (a UTF-8 byte-order mark is dropped); UTF-16 with a byte-order mark (a log saved by
/// PowerShell's `>`, say) is turned into UTF-8 as it is read. UTF-16 without a byte-order mark is recognised
/// from its NUL bytes, and refused with a message that says so.
package enum InputEncoding: Sendable, Hashable {
    case utf8
    case utf8WithBOM
    case utf16LittleEndian
    case utf16BigEndian

    /// The name errors give: `UTF-16LE with a byte-order mark`.
    package var name: String {
        switch self {
        case .utf8: "UTF-8"
        case .utf8WithBOM: "UTF-8 with a byte-order mark"
        case .utf16LittleEndian: "UTF-16LE with a byte-order mark"
        case .utf16BigEndian: "UTF-16BE with a byte-order mark"
        }
    }

    /// Whether the bytes are turned into UTF-8 before reading, so error positions count the UTF-8 bytes.
    package var isTranscoded: Bool { self == .utf16LittleEndian || self == .utf16BigEndian }

    /// The encoding `prefix` (the input's first bytes) starts with, and the length of its byte-order mark; `nil`
    /// when more bytes are needed to tell (fewer than 3, and they could still be a mark).
    static func detect(_ prefix: UnsafeRawBufferPointer, atEnd: Bool) -> (InputEncoding, bomLength: Int)? {
        let count = prefix.count
        if count >= 2, prefix[0] == 0xFF, prefix[1] == 0xFE { return (.utf16LittleEndian, 2) }
        if count >= 2, prefix[0] == 0xFE, prefix[1] == 0xFF { return (.utf16BigEndian, 2) }
        if count >= 3, prefix[0] == 0xEF, prefix[1] == 0xBB, prefix[2] == 0xBF { return (.utf8WithBOM, 3) }
        let couldBeMark =
            (count == 1 && (prefix[0] == 0xFF || prefix[0] == 0xFE || prefix[0] == 0xEF))
            || (count == 2 && prefix[0] == 0xEF && prefix[1] == 0xBB)
        if couldBeMark && !atEnd { return nil }
        return (.utf8, 0)
    }

    /// Whether `line` looks like UTF-16 text without a byte-order mark: ASCII characters with a NUL byte beside
    /// each one (on either side: a line split at `\n` in UTF-16LE starts with the newline's NUL).
    static func looksLikeUTF16(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let sample = min(line.count, 64)
        guard sample >= 4 else { return false }
        var nuls = [0, 0]
        for index in 0..<sample where line[index] == 0 { nuls[index % 2] += 1 }
        let pairs = sample / 2
        return (nuls[0] * 4 >= pairs * 3 && nuls[1] <= 1) || (nuls[1] * 4 >= pairs * 3 && nuls[0] <= 1)
    }
}

/// Turns an input's bytes into UTF-8 as they are read, in chunks of any size.
package struct InputTranscoder: Sendable {
    /// The encoding, once the first bytes have told it.
    package private(set) var encoding: InputEncoding?
    /// Bytes kept between chunks: the first bytes while the encoding is unknown, or half a UTF-16 unit.
    private var carry: [UInt8] = []
    /// A high surrogate waiting for its low half.
    private var highSurrogate: UInt16?

    package init() {}

    /// Whether bytes can be passed through untouched from now on (UTF-8, after any byte-order mark).
    package var passesThrough: Bool {
        guard let encoding else { return false }
        return !encoding.isTranscoded && carry.isEmpty
    }

    /// Appends the UTF-8 for `bytes` to `output`. `atEnd` says no more bytes follow.
    package mutating func decode(_ bytes: UnsafeRawBufferPointer, atEnd: Bool = false, into output: inout [UInt8]) {
        var input = UnsafeRawBufferPointer(start: bytes.baseAddress, count: bytes.count)
        var joined: [UInt8] = []
        if !carry.isEmpty {
            joined = carry + Array(bytes)
            carry = []
        }
        joined.withUnsafeBytes { joinedBytes in
            if !joined.isEmpty { input = joinedBytes }
            decodeJoined(input, atEnd: atEnd, into: &output)
        }
    }

    private mutating func decodeJoined(_ input: UnsafeRawBufferPointer, atEnd: Bool, into output: inout [UInt8]) {
        var start = 0
        if encoding == nil {
            guard let (found, markLength) = InputEncoding.detect(input, atEnd: atEnd) else {
                carry = Array(input)
                return
            }
            encoding = found
            start = markLength
        }
        let body = UnsafeRawBufferPointer(rebasing: input[start...])
        switch encoding {
        case .utf16LittleEndian: decodeUTF16(body, bigEndian: false, atEnd: atEnd, into: &output)
        case .utf16BigEndian: decodeUTF16(body, bigEndian: true, atEnd: atEnd, into: &output)
        default: output.append(contentsOf: body)
        }
    }

    private mutating func decodeUTF16(
        _ body: UnsafeRawBufferPointer, bigEndian: Bool, atEnd: Bool, into output: inout [UInt8]
    ) {
        let whole = body.count & ~1
        output.reserveCapacity(output.count + whole / 2 * 3)
        var index = 0
        while index < whole {
            let unit =
                bigEndian
                ? UInt16(body[index]) << 8 | UInt16(body[index + 1])
                : UInt16(body[index + 1]) << 8 | UInt16(body[index])
            index += 2
            append(unit, to: &output)
        }
        if whole < body.count { carry = [body[whole]] }
        if atEnd {
            if highSurrogate != nil { appendScalar(0xFFFD, to: &output) }
            if !carry.isEmpty { appendScalar(0xFFFD, to: &output) }
            highSurrogate = nil
            carry = []
        }
    }

    private mutating func append(_ unit: UInt16, to output: inout [UInt8]) {
        if let high = highSurrogate {
            highSurrogate = nil
            if (0xDC00...0xDFFF).contains(unit) {
                appendScalar(0x10000 + (UInt32(high - 0xD800) << 10) + UInt32(unit - 0xDC00), to: &output)
                return
            }
            appendScalar(0xFFFD, to: &output)
        }
        switch unit {
        case 0xD800...0xDBFF: highSurrogate = unit
        case 0xDC00...0xDFFF: appendScalar(0xFFFD, to: &output)
        default: appendScalar(UInt32(unit), to: &output)
        }
    }

    private func appendScalar(_ value: UInt32, to output: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        output.append(contentsOf: scalar.utf8)
    }
}
