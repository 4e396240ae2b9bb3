import EvidenceBundle
import FalcoAlerts
import Foundation
import SafeText

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `watch` was asked to do.
package struct WatchConfiguration: Sendable {
    /// `--input`: a file to follow, or `-` for standard input.
    package var input: String?
    /// `--from-end`: follow the file from its current end.
    package var fromEnd: Bool
    /// `--listen HOST:PORT`.
    package var listen: String?
    /// `--token-file` and the endpoint's limits.
    package var listenOptions: WebhookListener.Options = .init()
    /// `--journal FILE`.
    package var journal: String?
    package var watcher: Watcher.Settings

    package init(input: String?, fromEnd: Bool = false, listen: String?, journal: String?, watcher: Watcher.Settings) {
        self.input = input
        self.fromEnd = fromEnd
        self.listen = listen
        self.journal = journal
        self.watcher = watcher
    }
}

/// What a run did, for its closing line on stderr.
package struct WatchSummary: Sendable, CustomStringConvertible {
    package var statistics: Watcher.Statistics
    package var tallies: Ledger.Tallies
    /// From start to the last outcome line.
    package var elapsed: Double
    /// From start to the end of the input (standard input only).
    package var inputElapsed: Double?
    /// The process's peak resident memory, in KiB (`VmHWM`), when readable.
    package var peakResidentKiB: Int?

    package var description: String {
        var parts = ["\(statistics.received) alerts received, \(statistics.accepted) accepted"]
        if let inputElapsed, inputElapsed > 0 {
            parts.append(
                String(
                    format: "input read in %.2fs (%.0f alerts/s)", inputElapsed,
                    Double(statistics.received) / inputElapsed))
        }
        let decided = tallies.total
        parts.append(
            String(
                format: "%d decided in %.2fs (%.0f alerts/s)", decided, elapsed,
                elapsed > 0 ? Double(decided) / elapsed : 0))
        let counts = Outcome.Action.allCases.map { "\(tallies.counts[$0] ?? 0) \($0.rawValue)" }
        parts.append(counts.joined(separator: ", "))
        if let peakResidentKiB { parts.append(String(format: "peak RSS %.1f MiB", Double(peakResidentKiB) / 1024)) }
        return "watch: " + parts.joined(separator: "; ")
    }
}

/// What a line for the person running `watch` may carry to their terminal.
package enum WatchNotice {
    package static func visible(_ line: String) -> String { TerminalText.escaped(line) }
}

/// Runs `watch`: opens the journal and the input, starts the listener, the workers and the reader, and on
/// the end of input or a signal, finishes or records everything in flight before returning.
package enum WatchService {
    /// - Parameter notice: a line for the person running it (stderr): listening address, stopping, warnings.
    /// - Throws: ``WatchError`` when the run cannot start (nothing was read), or when the input failed (what was
    ///   read is accounted for first).
    package static func run(
        _ configuration: WatchConfiguration, investigator: any AlertInvestigating,
        notice: @escaping @Sendable (String) -> Void
    ) async throws(WatchError) -> WatchSummary {
        // Notices quote paths and addresses from the command line and the journal: one line each, escaped.
        let notice: @Sendable (String) -> Void = { [notice] line in notice(WatchNotice.visible(line)) }
        let started = Date()
        try prepareOutput(configuration.watcher.output)
        var journal: Journal?
        if let path = configuration.journal { journal = try Journal(path: path) }
        let unfinished = journal?.unfinished ?? []
        let firstEntry = journal?.nextEntry ?? 1
        if let journal {
            if !journal.badLines.isEmpty {
                notice("watch: journal \(journal.path): ignored \(journal.badLines.count) line(s) that are not records")
            }
            if !unfinished.isEmpty {
                notice("watch: journal \(journal.path): taking up \(unfinished.count) accepted alert(s) not finished")
            }
        }
        let follower = try configuration.input.map { path throws(WatchError) in
            try InputFollower(path: path, fromEnd: configuration.fromEnd)
        }

        let ledger = Ledger(output: STDOUT_FILENO, journal: journal, warn: notice)
        journal = nil
        let watcher = Watcher(
            settings: configuration.watcher, investigator: investigator, ledger: ledger, firstEntry: firstEntry)
        let stopTimeout = Int(configuration.watcher.stopTimeout)
        let signals = SignalTrap { _, count in
            let stopping = "watch: stopping: no new alerts; \(stopTimeout)s for those in flight (signal again: cancel)"
            notice(count == 1 ? stopping : "watch: cancelling the investigations in flight")
            Task { await watcher.stop() }
        }
        defer { signals.cancel() }

        var listener: WebhookListener?
        if let listen = configuration.listen {
            do {
                listener = try await WebhookListener.start(
                    listen: listen, options: configuration.listenOptions, watcher: watcher, ledger: ledger
                ) { reason in
                    // Nothing may be refused silently: the run ends, and says why, with a failure status.
                    notice("watch: the listener on \(listen) stopped: \(reason); stopping")
                    Task { await watcher.stop() }
                }
            } catch {
                await ledger.finish()
                throw error
            }
            notice("watch: listening on http://\(listener?.address ?? listen)/")
        }

        async let workers: Void = watcher.work()
        let sweeper = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await watcher.sweep()
            }
        }
        var inputElapsed: Double?
        var inputFailure: WatchError?
        for alert in unfinished where !watcher.isStopping {
            var parsed = StreamIntake.parse(alert.raw, source: alert.identity.source, line: alert.identity.line ?? 1)
            if let omitted = alert.omittedBytes {
                parsed = .failure(
                    AlertParseError(
                        .malformed, source: alert.identity.source,
                        reason:
                            "the journal kept only the identity and sha256 \(alert.sha256 ?? "?") of this \(omitted)-byte alert; it cannot be investigated again"
                    ))
            }
            let arrival = Watcher.Arrival(
                place: alert.identity, raw: alert.raw, parsed: parsed, receivedAt: alert.receivedAt, entry: alert.entry)
            _ = await watcher.take(arrival, policy: .wait)
        }
        if let follower {
            do {
                if try await StreamIntake.run(follower, into: watcher, ledger: ledger) {
                    inputElapsed = Date().timeIntervalSince(started)
                    await watcher.endOfInput()
                }
            } catch {
                // What was read is accounted for; the rest cannot be read. Stop as a signal would.
                inputFailure = error
                notice("watch: \(error); stopping")
                await watcher.stop()
            }
        }
        await workers
        sweeper.cancel()
        await listener?.stop()
        await watcher.closeAll()
        await ledger.finish()
        let tallies = ledger.tallies
        let summary = WatchSummary(
            statistics: await watcher.currentStatistics, tallies: tallies,
            elapsed: (tallies.lastPrinted ?? Date()).timeIntervalSince(started), inputElapsed: inputElapsed,
            peakResidentKiB: peakResidentKiB())
        if let inputFailure { throw inputFailure }
        if let listener, let reason = listener.failure {
            notice(summary.description)
            throw .listenerFailed(address: listener.address, reason: reason)
        }
        return summary
    }

    /// Creates `--out` (0700) when missing, and checks that bundles can be made in it.
    static func prepareOutput(_ folder: URL) throws(WatchError) {
        let path = folder.path
        if mkdir(path, 0o700) != 0, errno != EEXIST {
            throw .outputUnusable(path: path, reason: systemError())
        }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .outputUnusable(path: path, reason: systemError()) }
        guard info.st_mode & S_IFMT == S_IFDIR else { throw .outputUnusable(path: path, reason: "not a folder") }
        guard access(path, W_OK | X_OK) == 0 else { throw .outputUnusable(path: path, reason: systemError()) }
        // Staging folders of bundles a dead run was building: nobody holds their lock any more.
        StagingFolder.removeStale(in: folder)
    }

    /// `VmHWM` from `/proc/self/status`, in KiB.
    static func peakResidentKiB() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return Int(line.dropFirst(6).filter(\.isNumber))
        }
        return nil
    }
}
