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

        @OptionGroup var logWindow: LogWindowOptions

        @Option(help: "Exit 2 when the verdict is this (confirmed, disputed or inconclusive); repeat for several.")
        var failOn: [Verdict] = []

        func validate() throws {
            if container == nil && alertOptions.alert == nil {
                throw ValidationError("name a container, or give --alert FILE (or both)")
            }
            guard maxLogLines >= 0 else { throw ValidationError("--max-log-lines cannot be negative") }
        }

        func run() async throws {
            do {
                let alert = try alertOptions.load(about: container)
                let connection: EngineConnection
                do {
                    connection = try EngineConnection.open(engine.connectionOptions())
                } catch let error as DockerEngineError where error.isUnreachable {
                    // A mistyped command on a host whose engine is down: the typo is the first thing to fix.
                    let lookup = "no engine could be asked whether a container has that name: \(error)"
                    if let typo = ExitStatus.unknownCommand(container, hasAlert: alert != nil, lookup: lookup) { throw typo }
                    throw error
                }
                var settings = Investigator.Settings(
                    window: window.seconds, maxLogLines: maxLogLines, toolVersion: ToolVersion.current)
                try logWindow.apply(to: &settings)
                let investigator = Investigator(connection: connection, settings: settings)
                let outcome = try await investigator.investigate(container: container, alert: alert?.alert)
                let endpoint = outcome.report.engine.endpoint
                if !outcome.containerFound,
                    let typo = ExitStatus.unknownCommand(
                        container, hasAlert: alert != nil, lookup: "no container of that name at \(endpoint)")
                {
                    throw typo
                }
                let text = try ReportRenderer(colored: output.isColored).render(outcome.report, as: output.format)
                Output.write(text)
                if !outcome.containerFound {
                    throw ExitStatus.containerNotFound(container ?? alert?.alert.containerID, engine: endpoint)
                }
                if failOn.contains(outcome.report.verdict) { throw ExitCode(ExitStatus.verdictMatched) }
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
