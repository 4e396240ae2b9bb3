import ArgumentParser
import FalcoAlerts

extension AlertInspect {
    /// `alert-inspect triage [FILE|-]...`: a stream of Falco alerts summarised by rule, container and executable.
    struct Triage: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "triage",
            abstract: "Summarise a stream of Falco alerts by rule, container and executable.",
            discussion: """
                Reads JSON lines (any Falco version, or falcosidekick's payloads) and plain-text Falco lines \
                from each FILE in turn, or from standard input when there is none or FILE is '-'. Lines that \
                are not alerts are counted and listed with their line number; they do not stop the run.
                """
        )

        @Argument(help: "Files of Falco alerts; '-' reads standard input (the default).")
        var files: [String] = []

        @Option(help: "Output format.")
        var format: TriageFormat = .text

        func run() throws {
            do {
                let summary = try TriageSummary.read(paths: files.isEmpty ? ["-"] : files)
                var output = StandardOutput()
                summary.write(as: format, to: &output)
            } catch {
                throw ExitStatus.report(error)
            }
        }
    }
}

extension TriageFormat: ExpressibleByArgument {}

/// Standard output as a text stream, through `print`'s buffered stdio, so a large summary is written as it is
/// rendered.
private struct StandardOutput: TextOutputStream {
    mutating func write(_ string: String) {
        print(string, terminator: "")
    }
}
