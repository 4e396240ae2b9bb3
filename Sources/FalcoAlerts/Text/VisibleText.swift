/// Makes untrusted text (alert fields, file names, log lines) safe to show to people.
package enum VisibleText {
    /// `text` with every character that could act on a terminal or hide itself shown as an escape:
    /// C0 controls and DEL as `\n`, `\t`, `\r` or `\xNN` (`\x1b` for ESC), C1 controls as `\u{9b}`, Unicode
    /// line/paragraph separators and bidirectional controls (which reorder what is displayed) as `\u{202e}`,
    /// and `\` itself as `\\`, so an escape in the output can never be mistaken for text in the input.
    package static func terminal(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar.value {
            case 0x5C: result += "\\\\"
            case 0x0A: result += "\\n"
            case 0x0D: result += "\\r"
            case 0x09: result += "\\t"
            case 0x00..<0x20, 0x7F: result += "\\x" + hex(scalar.value, width: 2)
            default: result += "\\u{" + hex(scalar.value, width: 2) + "}"
            }
        }
        return result
    }

    /// `text` made terminal-safe (see ``terminal(_:)``), then with the characters that are active inside a
    /// Markdown line (emphasis, code, links, HTML, entities, strikethrough, table cells) backslash-escaped, so it
    /// renders literally. Meant for text placed after other text or in a table cell, never at a line's start.
    package static func markdown(_ text: String) -> String {
        let visible = terminal(text)
        guard visible.unicodeScalars.contains(where: isMarkdownActive) else { return visible }
        var result = ""
        result.reserveCapacity(visible.utf8.count + 8)
        for scalar in visible.unicodeScalars {
            if isMarkdownActive(scalar) { result += "\\" }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    private static func isMarkdownActive(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&": true
        default: false
        }
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x5C, 0x7F...0x9F: true
        // Line and paragraph separators, bidirectional marks, embeddings, overrides and isolates.
        case 0x2028, 0x2029, 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
