import Foundation
import Investigation
import Runtime
import SafeText

/// `doctor`'s report for people: one labelled line per finding, then what it means. Every value the
/// engine or the command line supplied is escaped for the terminal.
package enum DoctorText {
    package static func rendered(_ report: DoctorReport) -> String {
        func show(_ value: String?) -> String { TerminalText.escaped(value ?? "?") }
        func yesNo(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "unknown" }
        var lines = ["endpoint:        \(show(report.endpoint)) (from \(show(report.endpointSource)))"]
        lines.append("reachable:       \(report.reachable ? "yes" : "no")" + (report.problem.map { " — \(show($0))" } ?? ""))
        if report.reachable {
            lines.append(
                "engine:          \(show(report.engine)) \(show(report.serverVersion)), API \(show(report.engineAPIVersion)) (using \(show(report.negotiatedAPIVersion)))"
            )
            lines.append(
                "storage:         \(show(report.storageDriver))"
                    + (report.containerdImageStore == true ? " (containerd image store)" : "")
                    + (report.dataRoot.map { " in \(show($0))" } ?? ""))
            lines.append("overlay dirs:    \(yesNo(report.overlayDirsVisible)) readable from here")
            if let layers = report.layersFound { lines.append("layers found:    \(show(layers))") }
            lines.append("host /proc:      \(yesNo(report.hostProcVisible)) readable from here")
        }
        lines.append("")
        lines += report.consequences.map { "- " + show($0) }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The `alert-inspect/doctor/v1` document: keys sorted, nothing a terminal would act on.
    package static func json(_ report: DoctorReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return JSONReport.terminalSafe(String(decoding: try encoder.encode(report), as: UTF8.self)) + "\n"
    }
}
