import Foundation
import Investigation
import SafeText

/// The `alert-inspect/report/v1` document: keys sorted, alert fields digit for digit.
enum JSONReport {
    static func rendered(_ report: InvestigationReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        return terminalSafe(json) + "\n"
    }

    /// Rewrites the characters JSON allows raw in strings but a terminal would act on or hide
    /// (DEL, C1 controls, bidi overrides, zero-width and separator characters) as `\uXXXX`.
    ///
    /// The encoder already escapes C0 controls; the rest is legal JSON, yet `--format json` is
    /// printed to terminals too. Every such character can only sit inside a string (the document's
    /// own syntax is ASCII), and a decoder reads the escape back as the same character, so the
    /// document stays exact.
    static func terminalSafe(_ json: String) -> String {
        var result = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            guard scalar.value >= 0x7F, TerminalText.needsEscaping(scalar) else {
                result.append(scalar)
                continue
            }
            for unit in String(scalar).utf16 {
                let hex = String(unit, radix: 16)
                result.append(contentsOf: (#"\u"# + String(repeating: "0", count: 4 - hex.count) + hex).unicodeScalars)
            }
        }
        return String(result)
    }
}
