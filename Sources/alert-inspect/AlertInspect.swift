import ArgumentParser
import Foundation

/// The `alert-inspect` command: configuration only; each subcommand lives in its own file.
@main
struct AlertInspect: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert-inspect",
        abstract: "Check a Falco alert against what the Docker engine shows, and keep the evidence.",
        discussion: ExitStatus.table,
        version: ToolVersion.current,
        subcommands: [Inspect.self, Triage.self, Doctor.self, Collect.self, Verify.self, Watch.self],
        defaultSubcommand: Inspect.self
    )
}
