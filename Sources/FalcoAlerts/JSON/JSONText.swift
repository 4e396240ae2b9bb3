import SafeText

/// Writes ``FieldValue``s as JSON text: numbers as read, strings escaped so that no control character (C0, DEL,
/// C1, U+2028/U+2029, bidirectional controls) is ever written raw, object keys optionally sorted by their UTF-8
/// bytes. Escaping is lossless: the text reads back as the same value.
package enum JSONText {
    /// Appends `value` as JSON.
    ///
    /// - Parameters:
    ///   - sortedKeys: orders object members by name (UTF-8 byte order) instead of keeping source order.
    ///   - indent: pretty-prints with this many spaces per level; `nil` writes compact JSON.
    ///   - level: the nesting level `value` starts at when pretty-printing (its first line is not indented).
    package static func write(
        _ value: FieldValue, sortedKeys: Bool, indent: Int? = nil, level: Int = 0, to text: inout some TextOutputStream
    ) {
        var writer = Writer(sortedKeys: sortedKeys, indent: indent)
        writer.write(value, level: level)
        text.write(String(decoding: writer.bytes, as: UTF8.self))
    }

    /// `string` as a quoted JSON string.
    package static func quoted(_ string: String) -> String {
        var writer = Writer(sortedKeys: false, indent: nil)
        writer.appendQuoted(string)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// Members ordered by name, compared as UTF-8 bytes; equal names keep their order.
    package static func sorted(_ members: [FieldMember]) -> [FieldMember] {
        members.enumerated().sorted { left, right in
            if left.element.name == right.element.name { return left.offset < right.offset }
            return left.element.name.utf8.lexicographicallyPrecedes(right.element.name.utf8)
        }.map(\.element)
    }

    /// Builds JSON as UTF-8 bytes.
    private struct Writer {
        let sortedKeys: Bool
        let indent: Int?
        var bytes: [UInt8] = []

        mutating func write(_ value: FieldValue, level: Int) {
            switch value {
            case .string(let string):
                appendQuoted(string)
            case .number(let number):
                bytes += number.text.utf8
            case .bool(let flag):
                bytes += (flag ? "true" : "false").utf8
            case .null:
                bytes += "null".utf8
            case .array(let elements):
                guard !elements.isEmpty else {
                    bytes += "[]".utf8
                    return
                }
                bytes.append(UInt8(ascii: "["))
                for (position, element) in elements.enumerated() {
                    if position > 0 { bytes.append(UInt8(ascii: ",")) }
                    newline(level: level + 1)
                    write(element, level: level + 1)
                }
                newline(level: level)
                bytes.append(UInt8(ascii: "]"))
            case .object(let members):
                guard !members.isEmpty else {
                    bytes += "{}".utf8
                    return
                }
                bytes.append(UInt8(ascii: "{"))
                for (position, member) in (sortedKeys ? JSONText.sorted(members) : members).enumerated() {
                    if position > 0 { bytes.append(UInt8(ascii: ",")) }
                    newline(level: level + 1)
                    appendQuoted(member.name)
                    bytes.append(UInt8(ascii: ":"))
                    if indent != nil { bytes.append(UInt8(ascii: " ")) }
                    write(member.value, level: level + 1)
                }
                newline(level: level)
                bytes.append(UInt8(ascii: "}"))
            }
        }

        private mutating func newline(level: Int) {
            guard let indent else { return }
            bytes.append(UInt8(ascii: "\n"))
            bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
        }

        /// Appends `string` quoted: `"` and `\` escaped, every character `TerminalText` escapes (controls,
        /// bidi and zero-width format characters, separators) as `\u` escapes, everything else as its UTF-8.
        mutating func appendQuoted(_ string: String) {
            bytes.append(UInt8(ascii: "\""))
            for scalar in string.unicodeScalars {
                switch scalar.value {
                case 0x22: bytes += #"\""#.utf8
                case 0x5C: bytes += #"\\"#.utf8
                case 0x0A: bytes += #"\n"#.utf8
                case 0x0D: bytes += #"\r"#.utf8
                case 0x09: bytes += #"\t"#.utf8
                case 0x08: bytes += #"\b"#.utf8
                case 0x0C: bytes += #"\f"#.utf8
                case 0x20..<0x7F:
                    bytes.append(UInt8(scalar.value))
                // What may not reach a terminal raw is decided in one place (SafeText), JSON included.
                case _ where TerminalText.needsEscaping(scalar):
                    for unit in String(scalar).utf16 {
                        let hex = String(unit, radix: 16)
                        bytes += #"\u"#.utf8
                        bytes.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: 4 - hex.count))
                        bytes += hex.utf8
                    }
                default:
                    if let encoded = UTF8.encode(scalar) { bytes.append(contentsOf: encoded) }
                }
            }
            bytes.append(UInt8(ascii: "\""))
        }
    }
}
