/// Text from an alert, a container or its logs made safe to show on a terminal: the one place that
/// decides what may reach one (every report, triage, verify, collect, doctor and watch line).
///
/// Anything in those strings was chosen by whoever controls the container: an escape sequence could
/// retitle the window, clear the screen or rewrite earlier lines of the report, a bidi override could
/// make `/tmp/xe.sh` read as something else, and a newline could fake a line of the report. So every
/// character a terminal would act on, or that would hide or reorder what is shown, is written as a
/// visible escape instead: `\n`, `\r`, `\t`, `\x1b` (C0 controls and DEL), `\u{85}` (C1 controls,
/// Unicode format characters such as bidi overrides and zero-width spaces, line and paragraph
/// separators). Everything else, including non-Latin text, is kept as it is.
package enum TerminalText {
    /// Returns `text` with every unsafe character written as a visible escape.
    ///
    /// A backslash is doubled only where it would otherwise read as the start of one of these
    /// escapes (before `x`, `u`, `n`, `r`, `t`, another backslash or an escaped character), so a
    /// literal `\x1b` in a log can't pass for an escape character, while the `\"` of a JSON log
    /// line stays readable.
    package static func escaped(_ text: String) -> String {
        visible(text.unicodeScalars.map(Piece.scalar))
    }

    /// Returns at most the first `limit` characters of `text`, escaped, with `…` when some were left out:
    /// for one-line notes about paths and names chosen inside a container.
    package static func escaped(_ text: String, limit: Int) -> String {
        guard text.unicodeScalars.count > limit else { return escaped(text) }
        return escaped(String(String.UnicodeScalarView(text.unicodeScalars.prefix(limit)))) + "…"
    }

    /// The bytes of a line that is not valid UTF-8 (a log line's `base64`), made visible: what
    /// decodes is written as ``escaped(_:)`` writes it, and every byte that does not as `\xNN`.
    package static func escaped(bytes: [UInt8]) -> String {
        var pieces: [Piece] = []
        var index = 0
        while index < bytes.count {
            // The shortest prefix that is one whole UTF-8 sequence, if any starts here.
            let scalar = (1...4).lazy.filter { index + $0 <= bytes.count }.compactMap { length in
                String(validating: bytes[index..<index + length], as: UTF8.self).map { ($0.unicodeScalars, length) }
            }.first
            if let (scalars, length) = scalar, let first = scalars.first, scalars.count == 1 {
                pieces.append(.scalar(first))
                index += length
            } else {
                pieces.append(.byte(bytes[index]))
                index += 1
            }
        }
        return visible(pieces)
    }

    /// A character, or a byte that is not part of any.
    private enum Piece {
        case scalar(Unicode.Scalar)
        case byte(UInt8)
    }

    private static func visible(_ pieces: [Piece]) -> String {
        var result = String.UnicodeScalarView()
        result.reserveCapacity(pieces.count)
        for (index, piece) in pieces.enumerated() {
            switch piece {
            case .byte(let byte):
                let hex = String(byte, radix: 16)
                result.append(contentsOf: (#"\x"# + (hex.count < 2 ? "0" + hex : hex)).unicodeScalars)
            case .scalar(let scalar) where scalar == "\\":
                let looksLikeEscape: Bool
                switch pieces.indices.contains(index + 1) ? pieces[index + 1] : nil {
                case .scalar(let next)?: looksLikeEscape = needsEscaping(next) || escapeLetters.contains(next)
                case .byte?: looksLikeEscape = true
                case nil: looksLikeEscape = false
                }
                result.append(contentsOf: looksLikeEscape ? #"\\"#.unicodeScalars : #"\"#.unicodeScalars)
            case .scalar(let scalar) where needsEscaping(scalar):
                result.append(contentsOf: visibleEscape(for: scalar).unicodeScalars)
            case .scalar(let scalar):
                result.append(scalar)
            }
        }
        return String(result)
    }

    /// Whether a character must not reach a terminal as it is: controls (C0, DEL, C1), format
    /// characters (bidi overrides and isolates, zero-width and invisible characters, tag
    /// characters) and the Unicode line and paragraph separators.
    package static func needsEscaping(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator: return true
        default: return false
        }
    }

    /// The characters that follow a backslash in the escapes this type writes.
    private static let escapeLetters: Set<Unicode.Scalar> = ["\\", "x", "u", "n", "r", "t"]

    private static func visibleEscape(for scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\n": return #"\n"#
        case "\r": return #"\r"#
        case "\t": return #"\t"#
        default:
            let hex = String(scalar.value, radix: 16)
            // C0 and DEL as `\x1b`, the form people know from shells; the rest by code point.
            if scalar.value < 0x80 { return #"\x"# + (hex.count < 2 ? "0" + hex : hex) }
            return #"\u{"# + hex + "}"
        }
    }
}
