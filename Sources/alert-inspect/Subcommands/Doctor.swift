import ArgumentParser
import Foundation
import Investigation
import Reporting
import SafeText
import DockerRuntime
import Runtime

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
                Output.write((try? DoctorText.json(report)) ?? "")
            case .text:
                Output.write(DoctorText.rendered(report))
            }
            if !report.reachable {
                Diagnostics.error("engine unreachable at \(TerminalText.escaped(report.endpoint)): \(TerminalText.escaped(report.problem ?? "unknown reason"))")
                throw ExitCode(ExitStatus.engineUnreachable)
            }
        }
    }
}
