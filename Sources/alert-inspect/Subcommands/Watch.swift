import AlertWatch
import ArgumentParser
import DockerEngine
import EvidenceBundle
import FalcoAlerts
import Foundation
import Investigation
import DockerRuntime

extension AlertInspect {
    /// `alert-inspect watch [--input FILE|-] [--listen HOST:PORT] --out DIR`: investigate alerts as they arrive.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Investigate Falco alerts as they arrive: a bundle per investigation, a JSON line per alert.",
            discussion: """
                Alerts come from --input (JSON lines: a file followed like `tail -F`, or '-' for standard input, \
                whose end ends the run) and/or --listen (HTTP: POST / with one JSON alert, as falcosidekick's \
                webhook output sends; 200 once queued, 400 for a body that is not an alert, 503 when the queue \
                is full, 401 without the --token-file token; required off loopback). The listener keeps at most \
                --max-connections open, closes requests slower than 10 s for headers or 30 s for a body, and \
                serves 100 requests per connection; if it stops, watch says why and exits 1. Host events and filtered alerts are skipped. Repeats of the same container, rule and \
                executable within --dedupe-window are merged into the first one's investigation: they are kept, \
                exactly as received, in DIR/<bundle>.merged.jsonl beside its bundle.

                Each alert gets one line on stdout, keys sorted: {"action": "investigated|merged|skipped|failed", \
                "alert": {"containerId", "line", "request", "rule", "source", "time", "uuid"}, "bundle", "error", \
                "verdict"}. SIGINT or SIGTERM stops taking alerts, lets investigations in flight finish \
                (--stop-timeout, or a second signal, cancels them without leaving a half bundle), records the \
                rest as not finished, and exits 0; with --journal a restart takes those up again.
                """
        )

        @Option(help: "Alerts as JSON lines: a file, followed as it grows, or '-' for standard input.")
        var input: String?

        @Flag(help: "Follow --input FILE from its current end: the lines already in it are not investigated.")
        var fromEnd = false

        @Option(help: "Also take alerts over HTTP at HOST:PORT (POST /); port 0 picks a free one.")
        var listen: String?

        @Option(help: "The folder bundles go in, created if missing: one subfolder per investigation.")
        var out: String

        @Option(
            help: """
                A file holding a secret (16+ printable bytes): --listen then requires Authorization: Bearer <secret> \
                (falcosidekick: webhook.customheaders). Required to listen on a non-loopback address.
                """)
        var tokenFile: String?

        @Option(
            help: """
                Disk budget for bundles, merged-alerts files and the journal (512M, 20G); past it, alerts that need \
                a new bundle fail, journaled with the reason.
                """)
        var maxDisk: ByteCount?

        @Option(help: "--listen: the most connections open at once (the longest idle is closed to make room).")
        var maxConnections: Int = 256

        @Option(name: .customLong("rule"), help: "Only this rule: an exact name or a glob (*, ?, [...]). Repeatable.")
        var rules: [String] = []

        @Option(help: "Only alerts of at least this priority (emergency … informational, debug).")
        var minPriority: String?

        @Option(
            name: .customLong("flag"),
            help: "Only alerts whose evt.arg.flags has this flag (e.g. EXE_UPPER_LAYER). Repeat to require several.")
        var flags: [String] = []

        @Option(
            help: "Merge repeats (same container, rule, executable) this long after the first (10m, 90s; 0: never).")
        var dedupeWindow: Duration = Duration(argument: "10m") ?? Duration(seconds: 600)

        @Option(help: "How many investigations run at once.")
        var jobs: Int = 2

        @Option(help: "How many investigations may wait; past it a stream waits and HTTP answers 503.")
        var queue: Int = 64

        @Option(help: "Keep accepted alerts and their outcomes here (JSON lines): a restart takes up the unfinished.")
        var journal: String?

        @Option(help: "After SIGINT/SIGTERM, how long investigations in flight may go on before they are cancelled.")
        var stopTimeout: Duration = Duration(argument: "20s") ?? Duration(seconds: 20)

        @OptionGroup var engine: EngineOptions

        @OptionGroup var collection: CollectionOptions

        func validate() throws {
            if input == nil && listen == nil { throw ValidationError("give --input FILE|- and/or --listen HOST:PORT") }
            if engine.record != nil { throw ValidationError("each bundle keeps its own recording; drop --record") }
            if engine.replay != nil {
                throw ValidationError("watch acquires from a live engine; --replay is for inspect")
            }
            guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
            guard queue >= 1 else { throw ValidationError("--queue must be at least 1") }
            if fromEnd && (input == nil || input == "-") { throw ValidationError("--from-end is for --input FILE") }
            if let minPriority, FalcoPriority(name: minPriority) == .unknown {
                throw ValidationError("--min-priority \(minPriority): not a Falco priority")
            }
            for flag in flags {
                let name = flag.uppercased()
                guard ExecFlags.table.contains(where: { $0.name == name }) || name.hasPrefix("EXE_") else {
                    let known = ExecFlags.table.map(\.name).joined(separator: ", ")
                    throw ValidationError("--flag \(flag): not an execve flag (\(known))")
                }
            }
            if let listen {
                let host: String
                do { host = try ListenAddress.parse(listen).host } catch { throw ValidationError(error.description) }
                if tokenFile == nil, !ListenAddress.isLoopback(host) {
                    throw ValidationError(
                        "--listen \(listen): not a loopback address; give --token-file so that only your sender is heard")
                }
            } else if tokenFile != nil {
                throw ValidationError("--token-file is for --listen")
            }
            guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        }

        func run() async throws {
            // Nothing a bundle, the journal or a merged-alerts file holds is for anyone else.
            umask(0o077)
            // A reader of stdout that goes away must not kill the run before the journal is flushed.
            signal(SIGPIPE, SIG_IGN)
            do {
                let check = try checkEngine()
                defer { check.finish() }
                let filter = AlertFilter(
                    rules: rules.map(RulePattern.init), minimumPriority: minPriority.map(FalcoPriority.init(name:)),
                    flags: flags)
                var settings = Watcher.Settings(
                    output: URL(fileURLWithPath: out), jobs: jobs, queueCapacity: queue,
                    dedupeWindow: dedupeWindow.seconds, filter: filter, stopTimeout: stopTimeout.seconds)
                settings.diskBudget = maxDisk.map { DiskBudget(limit: $0.bytes, folder: out, journal: journal) }
                settings.notice = { Diagnostics.note(WatchNotice.visible($0)) }
                var configuration = WatchConfiguration(
                    input: input, fromEnd: fromEnd, listen: listen, journal: journal, watcher: settings)
                configuration.listenOptions.token = try tokenFile.map { path throws(WatchError) in
                    try ListenAddress.token(fromFile: path)
                }
                configuration.listenOptions.maxConnections = maxConnections
                let investigator = BundleCollector(engine: engine.connectionOptions(), collection: collection.collectorSettings)
                let summary = try await WatchService.run(configuration, investigator: investigator) {
                    Diagnostics.note($0)
                }
                Diagnostics.note(summary.description)
            } catch {
                throw ExitStatus.report(error)
            }
        }

        /// A --host that cannot name an engine is an error now; whether it answers is checked beside the run.
        private func checkEngine() throws -> EngineCheck {
            _ = try EndpointResolver().resolve(flag: engine.host, context: engine.context)
            return EngineCheck(engine.connectionOptions()) { Diagnostics.warning(WatchNotice.visible($0)) }
        }
    }
}


extension Duration {
    /// `10m`, `90s`, `1h` in help text, the way the values are typed.
    var defaultValueDescription: String {
        let whole = seconds.rounded() == seconds ? Int(seconds) : nil
        guard let whole, whole > 0 else { return "\(seconds)s" }
        if whole % 3600 == 0 { return "\(whole / 3600)h" }
        if whole % 60 == 0 { return "\(whole / 60)m" }
        return "\(whole)s"
    }
}
