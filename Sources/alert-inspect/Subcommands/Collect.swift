import ArgumentParser
import DockerEngine
import EvidenceBundle
import FalcoAlerts
import Foundation
import Investigation

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
            let signals = SignalWatch(cancellation)
            let progress = isatty(STDERR_FILENO) == 1 ? ProgressLine() : nil
            defer {
                progress?.clear()
                signals.stop()
            }
            do {
                let loaded = try alertOptions.load(about: container)
                let alert = loaded?.alert
                let reference = container ?? alert?.containerID
                var onProgress: (@Sendable (CollectionProgress) -> Void)?
                if let progress { onProgress = { progress.show($0) } }
                var windowed = collection.investigatorSettings
                try logWindow.apply(to: &windowed)
                let settings = windowed
                let collector = Collector(
                    engine: engine.connectionOptions(isCancelled: { cancellation.isCancelled }),
                    settings: collection.collectorSettings,
                    isCancelled: { cancellation.isCancelled },
                    progress: onProgress)
                let container = self.container
                let result = try await collector.collect(
                    container: reference == "host" ? nil : reference, alert: loaded?.bytes,
                    into: URL(fileURLWithPath: out)
                ) { connection in
                    try await Investigator(connection: connection, settings: settings).investigate(
                        container: container, alert: alert)
                }
                progress?.clear()
                Output.write(Self.summary(result))
                if !result.containerFound {
                    Diagnostics.warning(
                        "the container does not exist (any more): the bundle keeps what the engine could still tell")
                    throw ExitStatus.containerNotFound(reference, engine: result.report.engine.endpoint)
                }
            } catch {
                progress?.clear()
                throw ExitStatus.report(error)
            }
        }

        static func summary(_ result: Collector.Result) -> String {
            let manifest = result.manifest
            // Hard-linked names (the SPEC names of recorded answers) take no space of their own.
            let bytes = manifest.files.filter { $0.sameFileAs == nil }.reduce(Int64(0)) { $0 + $1.size }
            var lines = [
                "\(result.bundle.path): \(manifest.files.count + 2) files, \(ByteCount(bytes)); verdict \(result.report.verdict.rawValue)"
            ]
            if let executable = result.report.executable {
                let acquired = executable.sha256.map { "sha256 \($0)" } ?? "not acquired"
                lines.append("executable \(executable.path) (\(executable.change.rawValue)) \(acquired)")
            }
            if !manifest.caps.reached.isEmpty {
                lines.append("caps reached: " + manifest.caps.reached.joined(separator: "; "))
            }
            lines.append("check it with: alert-inspect verify \(result.bundle.path)")
            // The executable's path comes from the alert: nothing of it may act on the terminal.
            return lines.map(VisibleText.terminal).joined(separator: "\n")
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

    var description: String {
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    var defaultValueDescription: String { description }
}

/// SIGINT and SIGTERM set the cancellation flag instead of killing the process, so a collection
/// can remove its staging folder and say what happened.
final class SignalWatch {
    private let sources: [any DispatchSourceSignal]

    init(_ flag: CancellationFlag) {
        sources = [SIGINT, SIGTERM].map { number in
            // The default action would end the process before the staging folder is removed.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if !flag.isCancelled { Diagnostics.note("\ninterrupted: stopping the collection") }
                flag.cancel()
            }
            source.resume()
            return source
        }
    }

    func stop() {
        for source in sources { source.cancel() }
    }
}

/// One self-rewriting line on stderr while a collection runs (only when stderr is a terminal).
final class ProgressLine: @unchecked Sendable {
    // @unchecked: `shown` is only touched under `lock`.
    private let lock = NSLock()
    private var shown = false

    func show(_ progress: CollectionProgress) {
        lock.lock()
        defer { lock.unlock() }
        shown = true
        FileHandle.standardError.write(
            Data("\r\u{1B}[2Kcollect: \(progress.step) · \(ByteCount(progress.bytes)) received".utf8))
    }

    func clear() {
        lock.lock()
        defer { lock.unlock() }
        guard shown else { return }
        shown = false
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
