import Foundation

/// A JSON syntax problem found by ``JSONScanner``: where (byte offset into the scanned buffer) and what.
struct JSONSyntaxError: Error, Sendable, Hashable {
    /// Offset of the offending byte from the start of the scanned buffer.
    var offset: Int
    /// What was expected there, or what was wrong, in lowercase words.
    var message: String
}

/// The raw extent of a JSON string in the buffer, quotes excluded, already validated.
struct StringToken {
    var start: Int
    var end: Int
    /// The string contains backslash escapes, so its bytes are not its value.
    var hasEscapes: Bool
}

/// A strict, byte-level JSON reader over a buffer, built for speed and exactness.
///
/// It validates everything it passes over, including values it is asked to skip: UTF-8 in strings, escapes,
/// number grammar, and a nesting limit. Numbers keep their text (``ExactNumber``). The buffer must outlive the
/// scanner; nothing is copied until a value is materialised.
struct JSONScanner {
    /// Deepest nesting of arrays and objects accepted; alerts need three levels.
    static let maximumDepth = 64

    let base: UnsafePointer<UInt8>?
    let count: Int
    var index: Int
    private var depth = 0

    init(buffer: UnsafeBufferPointer<UInt8>, index: Int = 0) {
        base = buffer.baseAddress
        count = buffer.count
        self.index = index
    }

    var isAtEnd: Bool { index >= count }

    // MARK: - Bytes

    @inline(__always)
    private func byte(at position: Int) -> UInt8 {
        // swift-format-ignore: NeverForceUnwrap
        // `count > 0` whenever a position below it is read, so the base address exists.
        base.unsafelyUnwrapped[position]
    }

    /// The byte at the current position, or `nil` at the end.
    @inline(__always)
    func peek() -> UInt8? {
        index < count ? byte(at: index) : nil
    }

    /// Skips JSON whitespace (space, tab, line feed, carriage return).
    @inline(__always)
    mutating func skipWhitespace() {
        while index < count {
            switch byte(at: index) {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    func failure(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(offset: offset ?? index, message: message)
    }

    /// "found …" for the byte at `position`, in words safe to print.
    func found(at position: Int) -> String {
        guard position < count else { return "end of input" }
        return ByteDescription.describe(byte(at: position))
    }

    /// Consumes `expected` after optional whitespace, or fails with `message`.
    @inline(__always)
    mutating func expect(_ expected: UInt8, _ message: @autoclosure () -> String) throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < count, byte(at: index) == expected else {
            throw failure("\(message()), found \(found(at: index))")
        }
        index += 1
    }

    /// The bytes `start..<end` of the buffer (a view, valid while the buffer is).
    func bytes(_ start: Int, _ end: Int) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: base.map { $0 + start }, count: end - start)
    }

    /// Whether the bytes `start..<end` equal `literal`.
    @inline(__always)
    func bytesEqual(_ start: Int, _ end: Int, _ literal: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = end - start
        guard length == literal.count else { return false }
        guard length > 0, let base, let other = literal.baseAddress else { return true }
        return memcmp(base + start, other, length) == 0
    }

    // MARK: - Values

    /// Reads any JSON value and materialises it.
    mutating func parseValue() throws(JSONSyntaxError) -> FieldValue {
        skipWhitespace()
        guard index < count else { throw failure("expected a JSON value, found end of input") }
        switch byte(at: index) {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return .object(try parseObject())
        case UInt8(ascii: "["):
            return .array(try parseArray())
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            return try parseLiteral()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        default:
            throw failure("expected a JSON value, found \(found(at: index))")
        }
    }

    /// Validates any JSON value without building it.
    mutating func skipValue() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < count else { throw failure("expected a JSON value, found end of input") }
        switch byte(at: index) {
        case UInt8(ascii: "\""):
            _ = try scanString()
        case UInt8(ascii: "{"):
            try Self.readObject(&self) { scanner, _, _ throws(JSONSyntaxError) in try scanner.skipValue() }
        case UInt8(ascii: "["):
            try Self.readArray(&self) { scanner throws(JSONSyntaxError) in try scanner.skipValue() }
        case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
            _ = try parseLiteral()
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            try scanNumber(materialise: false)
        default:
            throw failure("expected a JSON value, found \(found(at: index))")
        }
    }

    /// Reads an array whose elements must all be strings, giving each element's extent to `element`; `false`
    /// when an element is not a string (the array is still read to its end).
    mutating func readStringArray(_ element: (StringToken) -> Void) throws(JSONSyntaxError) -> Bool {
        var allStrings = true
        try Self.readArray(&self) { scanner throws(JSONSyntaxError) in
            scanner.skipWhitespace()
            if scanner.peek() == UInt8(ascii: "\"") {
                element(try scanner.scanString())
            } else {
                allStrings = false
                try scanner.skipValue()
            }
        }
        return allStrings
    }

    /// Counts one more level of nesting; fails past ``maximumDepth``.
    private mutating func enterContainer() throws(JSONSyntaxError) {
        depth += 1
        guard depth <= Self.maximumDepth else {
            throw failure("expected at most \(Self.maximumDepth) levels of nesting")
        }
    }

    /// Reads an object's members in order. The scanner must be at `{`.
    mutating func parseObject() throws(JSONSyntaxError) -> [FieldMember] {
        var members: [FieldMember] = []
        try Self.readObject(&self) { scanner, key, _ throws(JSONSyntaxError) in
            members.append(FieldMember(name: scanner.makeString(key), value: try scanner.parseValue()))
        }
        return members
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> [FieldValue] {
        var elements: [FieldValue] = []
        try Self.readArray(&self) { scanner throws(JSONSyntaxError) in elements.append(try scanner.parseValue()) }
        return elements
    }

    /// Walks an object, counting its nesting. The scanner must be at `{`. For each member, `member` gets the
    /// scanner at the value (after whitespace), the key, and the offset of the key's opening quote; it must
    /// consume the value.
    static func readObject(
        _ scanner: inout JSONScanner,
        _ member: (inout JSONScanner, StringToken, Int) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try scanner.enterContainer()
        scanner.index += 1
        scanner.skipWhitespace()
        if scanner.peek() == UInt8(ascii: "}") {
            scanner.index += 1
        } else {
            repeat {
                try scanner.expectKeyStart()
                let keyOffset = scanner.index
                let key = try scanner.scanString()
                try scanner.expect(UInt8(ascii: ":"), "expected ':' after an object key")
                scanner.skipWhitespace()
                try member(&scanner, key, keyOffset)
            } while try !scanner.endOf(UInt8(ascii: "}"), "after an object member")
        }
        scanner.depth -= 1
    }

    /// Walks an array, counting its nesting. The scanner must be at `[`; `element` must consume each element.
    private static func readArray(
        _ scanner: inout JSONScanner, _ element: (inout JSONScanner) throws(JSONSyntaxError) -> Void
    ) throws(JSONSyntaxError) {
        try scanner.enterContainer()
        scanner.index += 1
        scanner.skipWhitespace()
        if scanner.peek() == UInt8(ascii: "]") {
            scanner.index += 1
        } else {
            repeat {
                try element(&scanner)
            } while try !scanner.endOf(UInt8(ascii: "]"), "after an array element")
        }
        scanner.depth -= 1
    }

    /// After whitespace, requires the `"` that opens an object key.
    @inline(__always)
    mutating func expectKeyStart() throws(JSONSyntaxError) {
        skipWhitespace()
        guard index < count, byte(at: index) == UInt8(ascii: "\"") else {
            throw failure("expected '\"' to start an object key, found \(found(at: index))")
        }
    }

    /// Consumes `,` (returns false: more follows) or `closer` (returns true), after whitespace.
    @inline(__always)
    private mutating func endOf(_ closer: UInt8, _ place: String) throws(JSONSyntaxError) -> Bool {
        skipWhitespace()
        if index < count {
            let next = byte(at: index)
            if next == UInt8(ascii: ",") || next == closer {
                index += 1
                return next == closer
            }
        }
        let closing = closer == UInt8(ascii: "}") ? "'}'" : "']'"
        throw failure("expected ',' or \(closing) \(place), found \(found(at: index))")
    }

    private mutating func parseLiteral() throws(JSONSyntaxError) -> FieldValue {
        let start = index
        func matches(_ word: StaticString) -> Bool {
            let length = word.utf8CodeUnitCount
            guard start + length <= count else { return false }
            return bytesEqual(start, start + length, UnsafeBufferPointer(start: word.utf8Start, count: length))
        }
        if matches("true") {
            index += 4
            return .bool(true)
        }
        if matches("false") {
            index += 5
            return .bool(false)
        }
        if matches("null") {
            index += 4
            return .null
        }
        throw failure("expected a JSON value, found \(found(at: start))")
    }

    // MARK: - Numbers

    /// Reads a number exactly. The scanner must be at `-` or a digit.
    mutating func parseNumber() throws(JSONSyntaxError) -> ExactNumber {
        let start = index
        let (isInteger, int64) = try scanNumber(materialise: true)
        let text = String(decoding: bytes(start, index), as: UTF8.self)
        return ExactNumber(validatedText: text, isInteger: isInteger, int64: int64)
    }

    /// Validates a number; for integers that fit, also returns their `Int64` value.
    @discardableResult
    private mutating func scanNumber(materialise: Bool) throws(JSONSyntaxError) -> (isInteger: Bool, int64: Int64?) {
        let isNegative = peek() == UInt8(ascii: "-")
        if isNegative { index += 1 }
        guard let first = peek(), first >= UInt8(ascii: "0"), first <= UInt8(ascii: "9") else {
            throw failure("expected a digit in a number, found \(found(at: index))")
        }
        // Accumulate negatively so Int64.min fits.
        var value: Int64 = 0
        var fits = true
        if first == UInt8(ascii: "0") {
            index += 1
            if let next = peek(), next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") {
                throw failure("expected no leading zero in a number, found \(found(at: index))")
            }
        } else {
            while index < count {
                let digit = byte(at: index) &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                if fits {
                    let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
                    let (next, overflow2) = times10.subtractingReportingOverflow(Int64(digit))
                    if overflow1 || overflow2 { fits = false } else { value = next }
                }
                index += 1
            }
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            try scanDigits("expected a digit after '.' in a number")
        }
        if let marker = peek(), marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { index += 1 }
            try scanDigits("expected a digit in a number's exponent")
        }
        guard isInteger, fits else { return (isInteger, nil) }
        if isNegative { return (true, value) }
        guard value != Int64.min else { return (true, nil) }
        return (true, -value)
    }

    private mutating func scanDigits(_ message: String) throws(JSONSyntaxError) {
        let start = index
        while index < count, byte(at: index) &- UInt8(ascii: "0") <= 9 { index += 1 }
        if index == start { throw failure("\(message), found \(found(at: index))") }
    }

    // MARK: - Strings

    /// Reads a string value. The scanner must be at its opening quote.
    mutating func parseString() throws(JSONSyntaxError) -> String {
        makeString(try scanString())
    }

    /// Validates a string and returns its extent. The scanner must be at the opening quote.
    mutating func scanString() throws(JSONSyntaxError) -> StringToken {
        let opening = index
        index += 1
        let start = index
        var hasEscapes = false
        guard let base else { throw failure("unterminated string", at: opening) }
        while true {
            // Eight plain bytes at a time: none of '"', '\', a control character or a non-ASCII byte.
            while index + 8 <= count {
                let word = UnsafeRawPointer(base + index).loadUnaligned(as: UInt64.self)
                if Self.needsAttention(word) { break }
                index += 8
            }
            while index < count {
                let value = base[index]
                if value >= 0x20 && value != 0x22 && value != 0x5C && value < 0x80 {
                    index += 1
                } else {
                    break
                }
            }
            guard index < count else { throw failure("unterminated string", at: opening) }
            let value = base[index]
            switch value {
            case 0x22:
                let token = StringToken(start: start, end: index, hasEscapes: hasEscapes)
                index += 1
                return token
            case 0x5C:
                hasEscapes = true
                try scanEscape()
            case 0x80...:
                try scanUTF8Sequence()
            default:
                let name = ByteDescription.controlName(value)
                throw failure("expected no raw control character in a string (\(name) must be escaped)")
            }
        }
    }

    /// Whether any of the eight bytes in `word` is `"`, `\`, below 0x20 or above 0x7F.
    @inline(__always)
    private static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let control = (word &- ones &* 0x20) & ~word
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        return (control | isQuote | isBackslash | word) & highs != 0
    }

    private mutating func scanEscape() throws(JSONSyntaxError) {
        let start = index
        index += 1
        guard index < count else { throw failure("unterminated string", at: start) }
        switch byte(at: index) {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
            UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
            index += 1
        case UInt8(ascii: "u"):
            index += 1
            let unit = try scanHex4(escapeStart: start)
            if (0xD800...0xDBFF).contains(unit) {
                guard index + 1 < count, byte(at: index) == UInt8(ascii: "\\"), byte(at: index + 1) == UInt8(ascii: "u")
                else {
                    throw failure("expected a low surrogate '\\u' escape after a high surrogate", at: start)
                }
                let low = index
                index += 2
                let second = try scanHex4(escapeStart: low)
                guard (0xDC00...0xDFFF).contains(second) else {
                    throw failure("expected a low surrogate '\\u' escape after a high surrogate", at: low)
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                throw failure("expected no unpaired low surrogate in a '\\u' escape", at: start)
            }
        default:
            throw failure("expected a valid escape after '\\', found \(found(at: index))")
        }
    }

    private mutating func scanHex4(escapeStart: Int) throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < count, let digit = Self.hexValue(byte(at: index)) else {
                throw failure("expected four hex digits after '\\u', found \(found(at: index))")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    @inline(__always)
    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Validates one UTF-8 sequence starting at a byte >= 0x80 (RFC 3629: no overlongs, surrogates or > U+10FFFF).
    private mutating func scanUTF8Sequence() throws(JSONSyntaxError) {
        let lead = byte(at: index)
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upper = 0x9F
        case 0xF0:
            length = 4
            lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upper = 0x8F
        default:
            throw failure("expected valid UTF-8 in a string, found byte 0x\(ByteDescription.hex(lead))")
        }
        for offset in 1..<length {
            let position = index + offset
            guard position < count else {
                throw failure("expected valid UTF-8 in a string, found a truncated sequence", at: index)
            }
            let next = byte(at: position)
            let (low, high) = offset == 1 ? (lower, upper) : (0x80, 0xBF)
            guard next >= low, next <= high else {
                throw failure(
                    "expected valid UTF-8 in a string, found byte 0x\(ByteDescription.hex(next))", at: position)
            }
        }
        index += length
    }

    /// The value of a validated string token.
    func makeString(_ token: StringToken) -> String {
        let raw = bytes(token.start, token.end)
        guard token.hasEscapes else { return String(decoding: raw, as: UTF8.self) }
        return String(
            unsafeUninitializedCapacity: raw.count,
            initializingUTF8With: { output in
                var written = 0
                var position = 0
                func put(_ byte: UInt8) {
                    output[written] = byte
                    written += 1
                }
                func put(scalar: UInt32) {
                    switch scalar {
                    case ..<0x80:
                        put(UInt8(scalar))
                    case ..<0x800:
                        put(UInt8(0xC0 | scalar >> 6))
                        put(UInt8(0x80 | scalar & 0x3F))
                    case ..<0x1_0000:
                        put(UInt8(0xE0 | scalar >> 12))
                        put(UInt8(0x80 | scalar >> 6 & 0x3F))
                        put(UInt8(0x80 | scalar & 0x3F))
                    default:
                        put(UInt8(0xF0 | scalar >> 18))
                        put(UInt8(0x80 | scalar >> 12 & 0x3F))
                        put(UInt8(0x80 | scalar >> 6 & 0x3F))
                        put(UInt8(0x80 | scalar & 0x3F))
                    }
                }
                func hex4(at start: Int) -> UInt32 {
                    var value: UInt32 = 0
                    for offset in 0..<4 { value = value << 4 | UInt32(Self.hexValue(raw[start + offset]) ?? 0) }
                    return value
                }
                while position < raw.count {
                    let byte = raw[position]
                    guard byte == UInt8(ascii: "\\") else {
                        put(byte)
                        position += 1
                        continue
                    }
                    let kind = raw[position + 1]
                    position += 2
                    switch kind {
                    case UInt8(ascii: "b"): put(0x08)
                    case UInt8(ascii: "f"): put(0x0C)
                    case UInt8(ascii: "n"): put(0x0A)
                    case UInt8(ascii: "r"): put(0x0D)
                    case UInt8(ascii: "t"): put(0x09)
                    case UInt8(ascii: "u"):
                        var scalar = hex4(at: position)
                        position += 4
                        if (0xD800...0xDBFF).contains(scalar) {
                            let low = hex4(at: position + 2)
                            position += 6
                            scalar = 0x1_0000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        }
                        // An escape is never longer than what it stands for: `\uXXXX` (6 bytes) gives at most 3,
                        // a surrogate pair (12 bytes) gives 4.
                        put(scalar: scalar)
                    default: put(kind)
                    }
                }
                return written
            })
    }
}

/// Bytes described in words that are safe to print.
enum ByteDescription {
    static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    /// `'x'` for a printable ASCII byte, else `byte 0xNN` (`NUL byte` for zero).
    static func describe(_ byte: UInt8) -> String {
        switch byte {
        case 0: "NUL byte"
        case 0x21...0x7E: "'\(Character(Unicode.Scalar(byte)))'"
        case 0x20: "' '"
        default: "byte 0x\(hex(byte))"
        }
    }

    /// The control character's usual name (`U+001B`, `NUL`).
    static func controlName(_ byte: UInt8) -> String {
        byte == 0 ? "NUL" : "U+00\(hex(byte).uppercased())"
    }
}
