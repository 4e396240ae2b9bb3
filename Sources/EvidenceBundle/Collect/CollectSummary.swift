import Foundation
import SafeText

extension Collector.Result {
    /// What `collect` prints when the bundle is in place: where, how big, the verdict, the executable's
    /// hash, the caps reached and how to check it. Paths come from the alert and the container, so
    /// every one is escaped for the terminal.
    package var summary: String {
        // Hard-linked names (the docs/bundle.md names of recorded answers) take no space of their own.
        let bytes = manifest.files.filter { $0.sameFileAs == nil }.reduce(Int64(0)) { $0 + $1.size }
        let where_ = TerminalText.escaped(bundle.path)
        var lines = [
            "\(where_): \(manifest.files.count + 2) files, \(ByteSize.text(bytes)); verdict \(report.verdict.rawValue)"
        ]
        if let executable = report.executable {
            let acquired = executable.sha256.map { "sha256 \($0)" } ?? "not acquired"
            lines.append("executable \(TerminalText.escaped(executable.path)) (\(executable.change.rawValue)) \(acquired)")
        }
        if !manifest.caps.reached.isEmpty {
            lines.append("caps reached: " + TerminalText.escaped(manifest.caps.reached.joined(separator: "; ")))
        }
        lines.append("check it with: alert-inspect verify \(where_)")
        return lines.joined(separator: "\n")
    }
}

/// A byte count as people read it: `512 bytes`, `1.5 MiB` (powers of 1024).
package enum ByteSize {
    package static func text(_ bytes: Int64) -> String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
