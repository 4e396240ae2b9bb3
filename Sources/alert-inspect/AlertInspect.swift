import ArgumentParser
import Foundation

/// The `alert-inspect` command: configuration only; each subcommand lives in its own file.
@main
struct AlertInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert-inspect",
        abstract: "Check a Falco alert against what the Docker engine shows, and keep the evidence.",
        discussion: ExitStatus.table,
        version: ToolVersion.full,
        subcommands: [Inspect.self, Triage.self, Doctor.self, Collect.self, Verify.self, Watch.self],
        defaultSubcommand: Inspect.self
    )

    /// The subcommands' names, for "did you mean" on a word taken as a container.
    static var commandNames: [String] {
        configuration.subcommands.compactMap { $0.configuration.commandName }
    }
}
