import ArgumentParser
import DockerEngine
import EvidenceBundle
import FalcoAlerts
import Foundation
import Investigation
import DockerRuntime

extension AlertInspect {
    /// `alert-inspect collect [<container>] [--alert FILE|-] --out DIR`: investigate and keep a hashed evidence bundle.
    struct Collect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "collect",
            abstract: "Investigate and keep an evidence bundle: engine answers, logs, the executable, hashes.",
            discussion: """
                DIR must not exist: the bundle is built in a hidden sibling and renamed to DIR only once \
                complete, so an interrupted run leaves nothing at DIR. The executable is fetched through the \
                engine's archive endpoint (never by exec), or, when deleted or run from a memfd, read from \
                /proc/<pid>/exe on the engine's host (as root). Check a bundle later with `alert-inspect verify DIR`.
                """
        )

        @Argument(help: "The container: name, id or unique id prefix.")
        var container: String?

        @OptionGroup var alertOptions: AlertOptions
        @OptionGroup var engine: EngineOptions

        @Option(help: "The bundle folder to create (it must not exist).")
        var out: String

        @OptionGroup var collection: CollectionOptions

        @OptionGroup var logWindow: LogWindowOptions

        func validate() throws {
            if container == nil && alertOptions.alert == nil {
                throw ValidationError("name a container, or give --alert FILE (or both)")
            }
            if engine.record != nil {
                throw ValidationError("collect keeps its own recording (DIR/engine/recording); drop --record")
            }
            if engine.replay != nil {
                throw ValidationError("collect acquires from a live engine; --replay is for inspect")
            }
        }

        func run() async throws {
            // Nothing the bundle holds is for anyone else, even for the instant before its mode is set.
            umask(0o077)
            let cancellation = CancellationFlag()
            // SIGINT and SIGTERM stop the collection, which removes its staging folder and says so.
            let signals = SignalTrap { _, _ in
                if !cancellation.isCancelled { Diagnostics.note("\ninterrupted: stopping the collection") }
                cancellation.cancel()
            }
            let progress = ProgressLine.onTerminal()
            defer {
                progress?.clear()
                signals.cancel()
            }
            do {
                let loaded = try alertOptions.load(about: container)
                let alert = loaded?.alert
                var onProgress: (@Sendable (CollectionProgress) -> Void)?
                if let progress { onProgress = { progress.show($0) } }
                var settings = collection.collectorSettings
                try logWindow.apply(to: &settings.investigation)
                let collector = Collector(
                    engine: engine.connectionOptions(isCancelled: { cancellation.isCancelled }),
                    settings: settings,
                    isCancelled: { cancellation.isCancelled },
                    progress: onProgress)
                let result = try await collector.collect(
                    container: container, alert: alert, alertBytes: loaded?.bytes, into: URL(fileURLWithPath: out))
                progress?.clear()
                Output.write(result.summary)
                if !result.containerFound {
                    Diagnostics.warning(
                        "the container does not exist (any more): the bundle keeps what the engine could still tell")
                    throw ExitStatus.containerNotFound(container ?? alert?.containerID, engine: result.report.engine.endpoint)
                }
            } catch {
                progress?.clear()
                throw ExitStatus.report(error)
            }
        }
    }
}

/// A size such as `512M`, `1G`, `64K` or plain bytes; suffixes are powers of 1024.
struct ByteCount: ExpressibleByArgument, CustomStringConvertible {
    var bytes: Int64

    init(_ bytes: Int64) { self.bytes = bytes }

    init?(argument: String) {
        var text = argument.trimmingCharacters(in: .whitespaces).uppercased()
        for suffix in ["IB", "B"] where text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        let scales: [Character: Int64] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40]
        var scale: Int64 = 1
        if let last = text.last, let unit = scales[last] {
            scale = unit
            text.removeLast()
        }
        guard let value = Int64(text), value >= 0, value <= Int64.max / scale else { return nil }
        bytes = value * scale
    }

    var description: String { ByteSize.text(bytes) }

    var defaultValueDescription: String { description }
}
