/// Text from an alert, a container or its logs made safe to show on a terminal.
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
        let scalars = Array(text.unicodeScalars)
        var result = String.UnicodeScalarView()
        result.reserveCapacity(scalars.count)
        for (index, scalar) in scalars.enumerated() {
            if scalar == "\\" {
                let next = scalars.indices.contains(index + 1) ? scalars[index + 1] : nil
                let looksLikeEscape = next.map { needsEscaping($0) || escapeLetters.contains($0) } ?? false
                result.append(contentsOf: looksLikeEscape ? #"\\"#.unicodeScalars : #"\"#.unicodeScalars)
            } else if needsEscaping(scalar) {
                result.append(contentsOf: visibleEscape(for: scalar).unicodeScalars)
            } else {
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
