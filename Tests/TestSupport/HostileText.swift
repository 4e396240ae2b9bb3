/// Characters a terminal acts on or that hide or reorder text, listed by hand so that tests of every
/// output check against this list rather than against the escaper's own predicate.
package enum HostileText {
    /// Every C0 control, DEL, every C1 control, the bidi embeddings, overrides and isolates
    /// (U+202A–U+202E, U+2066–U+2069) and marks, zero-width characters, the soft hyphen and the
    /// Unicode line and paragraph separators.
    package static let characters: [Unicode.Scalar] = {
        let values: [ClosedRange<UInt32>] = [
            0x00...0x1F, 0x7F...0x7F, 0x80...0x9F, 0x202A...0x202E, 0x2066...0x2069, 0x200B...0x200F,
            0x2060...0x2060, 0xFEFF...0xFEFF, 0x00AD...0x00AD, 0x061C...0x061C, 0x2028...0x2029,
        ]
        return values.flatMap { $0.compactMap(Unicode.Scalar.init) }
    }()

    /// Whole sequences an attacker writes: clear the screen, retitle the window, rewrite a line, reverse text.
    package static let sequences = [
        "\u{1B}[2J\u{1B}[H", "\u{1B}]0;owned\u{07}", "safe\rEVIL", "\u{9B}31mred", "txt.\u{202E}exe",
        "zero\u{200B}width\u{FEFF}soft\u{00AD}hyphen\u{2060}join\u{200C}\u{200D}",
    ]

    /// One string carrying every character and sequence above.
    package static let all: String = sequences.joined(separator: " ") + " " + String(String.UnicodeScalarView(characters))

    /// `text` with `all` appended: a value as a hostile container or alert would write it.
    package static func hostile(_ text: String) -> String { text + " " + all }

    /// The listed characters found raw in `output`, by code point, apart from `allowing` (line feeds: outputs
    /// are made of lines), and so is ESC when `allowingColour` and it starts an SGR sequence the renderer wrote.
    package static func raw(
        in output: String, allowingColour: Bool = false, allowing: Set<Unicode.Scalar> = ["\n"]
    ) -> [String] {
        let forbidden = Set(characters).subtracting(allowing)
        let scalars = Array(output.unicodeScalars)
        var found: [String] = []
        for (index, scalar) in scalars.enumerated() where forbidden.contains(scalar) {
            if allowingColour, scalar == "\u{1B}", index + 1 < scalars.count, scalars[index + 1] == "[" {
                let rest = scalars[(index + 2)...].prefix { $0 != "m" }
                if rest.allSatisfy({ ("0"..."9").contains($0) || $0 == ";" }) { continue }
            }
            found.append("U+" + String(scalar.value, radix: 16, uppercase: true))
        }
        return found
    }
}
