import ArgumentParser
import DockerEngine
import FalcoAlerts
import Foundation
import Investigation
import Reporting
import DockerRuntime

extension AlertInspect {
    /// `alert-inspect inspect [<container>] [--alert FILE|-]`: every claim of the alert checked against the engine.
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "inspect",
            abstract: "Check an alert's claims against the container, or report a container's drift without one.",
            discussion: """
                <container> is a name, full id or unique id prefix; with --alert it defaults to the alert's \
                container.id. The verdict comes first: confirmed, disputed or inconclusive.
                """
        )

        @Argument(help: "The container: name, id or unique id prefix.")
        var container: String?

        @OptionGroup var alertOptions: AlertOptions
        @OptionGroup var engine: EngineOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Logs and events are taken this long either side of the alert time (e.g. 90s, 2m, 1h).")
        var window: Duration = Duration(argument: "2m") ?? Duration(seconds: 120)

        @Option(help: "The most log lines shown.")
        var maxLogLines: Int = 200

        @Option(help: "Exit 2 when the verdict is this (confirmed, disputed or inconclusive).")
        var failOn: Verdict?

        func validate() throws {
            if container == nil && alertOptions.alert == nil {
                throw ValidationError("name a container, or give --alert FILE (or both)")
            }
            guard maxLogLines >= 0 else { throw ValidationError("--max-log-lines cannot be negative") }
        }

        func run() async throws {
            do {
                let alert = try alertOptions.load(about: container)
                let connection = try EngineConnection.open(engine.connectionOptions())
                let investigator = Investigator(
                    connection: connection,
                    settings: .init(window: window.seconds, maxLogLines: maxLogLines, toolVersion: ToolVersion.current))
                let outcome = try await investigator.investigate(container: container, alert: alert?.alert)
                let text = try ReportRenderer(colored: output.isColored).render(outcome.report, as: output.format)
                Output.write(text)
                if !outcome.containerFound { throw ExitCode(ExitStatus.noSuchContainer) }
                if let failOn, outcome.report.verdict == failOn { throw ExitCode(ExitStatus.verdictMatched) }
            } catch {
                throw ExitStatus.report(error)
            }
        }
    }
}

extension Verdict: ExpressibleByArgument {}
extension Duration {
    init(seconds: Double) { self.seconds = seconds }
}
