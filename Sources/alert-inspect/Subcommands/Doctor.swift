import ArgumentParser
import Foundation
import Investigation
import Reporting

extension AlertInspect {
    /// `alert-inspect doctor`: which engine, reachable or not, and what an investigation can see from here.
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "doctor",
            abstract: "Check that the engine can be reached and what investigations can see from here.")

        @OptionGroup var engine: EngineOptions

        @Option(help: "Output format: text or json.")
        var format: DoctorFormat = .text

        enum DoctorFormat: String, CaseIterable, ExpressibleByArgument { case text, json }

        func run() throws {
            let report: DoctorReport
            do { report = try EngineDoctor.examine(engine.connectionOptions()) } catch { throw ExitStatus.report(error) }
            switch format {
            case .json:
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                Output.write(String(decoding: (try? encoder.encode(report)) ?? Data(), as: UTF8.self) + "\n")
            case .text:
                Output.write(Self.text(report))
            }
            if !report.reachable {
                Diagnostics.error("engine unreachable at \(report.endpoint): \(report.problem ?? "unknown reason")")
                throw ExitCode(ExitStatus.engineUnreachable)
            }
        }

        static func text(_ report: DoctorReport) -> String {
            func yesNo(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "unknown" }
            var lines = ["endpoint:        \(TerminalText.escaped(report.endpoint)) (from \(report.endpointSource))"]
            lines.append("reachable:       \(report.reachable ? "yes" : "no")" + (report.problem.map { " — \($0)" } ?? ""))
            if report.reachable {
                lines.append("engine:          \(report.engine ?? "?") \(report.serverVersion ?? "?"), API \(report.engineAPIVersion ?? "?") (using \(report.negotiatedAPIVersion ?? "?"))")
                lines.append("storage:         \(report.storageDriver ?? "?")" + (report.containerdImageStore == true ? " (containerd image store)" : "") + (report.dataRoot.map { " in \($0)" } ?? ""))
                lines.append("overlay dirs:    \(yesNo(report.overlayDirsVisible)) readable from here")
                if let layers = report.layersFound { lines.append("layers found:    \(TerminalText.escaped(layers))") }
                lines.append("host /proc:      \(yesNo(report.hostProcVisible)) readable from here")
            }
            lines.append("")
            lines += report.consequences.map { "- " + $0 }
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
