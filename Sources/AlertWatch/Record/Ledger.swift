import Foundation

/// The one writer of everything `watch` records: outcome lines on stdout, the journal, and the merged-alerts
/// files beside bundles. It runs on a thread of its own, so `fsync` never holds up Swift's cooperative pool.
///
/// Entries are written in the order they were added, in batches: each batch is written, the journal and
/// every merged-alerts file it touched are synced to disk, and only then are its outcome lines printed. So
/// an outcome a reader has seen is already on disk, and the cost of a sync is shared by everything that
/// arrived while the previous one ran (a 10,000-alert burst costs a handful of syncs, not 10,000).
///
/// Memory is bounded: producers that can wait (the stream reader) call ``waitForRoom()`` first, and no
/// batch holds more than about a megabyte of output before it is committed.
package final class Ledger: @unchecked Sendable {
    // @unchecked: `pending`, `roomWaiters`, `stopping` and `tallies` are only touched under `condition`; the
    // writer is only used by the ledger's thread.

    /// Something to record.
    package enum Entry: Sendable {
        /// An alert was accepted: its journal record (nothing is printed).
        case accepted(entry: Int, identity: AlertIdentity, raw: [UInt8], receivedAt: Date)
        /// An outcome line; with an entry, its journal record too: `outcome` when final, else `deferred` (the
        /// alert is still owed and a restart takes it up again).
        case outcome(Outcome, entry: Int?, isFinal: Bool)
        /// An alert merged into an investigation: appended to `path`; `outcome` (when the bundle already
        /// exists) is printed once the line is on disk.
        case merged(path: String, record: MergedRecord, outcome: Outcome?)
        /// An investigation ended: the alerts merged while it ran get their outcome lines.
        case settle(Settlement)
        /// The dedupe window of a bundle closed: its merged-alerts file gets its sealing line.
        case seal(path: String)
        /// Resumed once everything added before it is on disk and printed.
        case barrier(CheckedContinuation<Void, Never>)
    }

    /// How the alerts merged into a finished investigation end.
    package struct Settlement: Sendable {
        /// Where the merged alerts were spooled while the investigation ran.
        package var spool: String
        /// Where they go when the bundle was made (`<bundle>.merged.jsonl`); `nil` when there is no bundle and
        /// the spool is removed (the journal, if any, keeps the alerts).
        package var destination: String?
        package var action: Outcome.Action
        package var bundle: String?
        package var verdict: String?
        package var error: String?
        /// `false` when the run stopped before the investigation finished: the alerts stay owed in the journal.
        package var isFinal: Bool

        package init(
            spool: String, destination: String?, action: Outcome.Action, bundle: String? = nil, verdict: String? = nil,
            error: String? = nil, isFinal: Bool = true
        ) {
            self.spool = spool
            self.destination = destination
            self.action = action
            self.bundle = bundle
            self.verdict = verdict
            self.error = error
            self.isFinal = isFinal
        }
    }

    /// Outcome lines printed so far, by action.
    package struct Tallies: Sendable, Hashable {
        package var counts: [Outcome.Action: Int] = [:]
        package var total: Int { counts.values.reduce(0, +) }
        /// When the latest outcome line was printed.
        package var lastPrinted: Date?
    }

    private let condition = NSCondition()
    private var pending: [Entry] = []
    private var roomWaiters: [CheckedContinuation<Void, Never>] = []
    private var stopping = false
    private var finished: CheckedContinuation<Void, Never>?
    private var published = Tallies()
    private let limit: Int
    private let writer: LedgerWriter

    /// - Parameters:
    ///   - output: where outcome lines go (standard output).
    ///   - journal: the journal to append to, if any.
    ///   - limit: how many entries may wait before ``waitForRoom()`` makes producers wait.
    ///   - warn: told once of each kind of write failure (stdout gone, journal or a merged file not writable).
    package init(
        output: Int32, journal: Journal?, limit: Int = 1024, warn: @escaping @Sendable (String) -> Void
    ) {
        self.limit = max(1, limit)
        writer = LedgerWriter(output: output, journal: journal, warn: warn)
        let thread = Thread { [self] in run() }
        thread.name = "alert-inspect watch ledger"
        thread.start()
    }

    /// Adds entries to be recorded, in order; never waits.
    package func add(_ entries: [Entry]) {
        guard !entries.isEmpty else { return }
        condition.lock()
        pending.append(contentsOf: entries)
        condition.signal()
        condition.unlock()
    }

    package func add(_ entry: Entry) { add([entry]) }

    /// Waits until fewer than `limit` entries are waiting to be written.
    package func waitForRoom() async {
        if hasRoom { return }
        await withCheckedContinuation { continuation in
            condition.lock()
            if pending.count < limit {
                condition.unlock()
                continuation.resume()
                return
            }
            roomWaiters.append(continuation)
            condition.unlock()
        }
    }

    /// Waits until everything added so far is on disk and printed.
    package func flush() async {
        await withCheckedContinuation { add(.barrier($0)) }
    }

    /// Writes everything added so far, closes every file (the journal's lock goes with it), and ends the
    /// thread. Nothing may be added afterwards.
    package func finish() async {
        await withCheckedContinuation { continuation in markStopping(continuation) }
    }

    private var hasRoom: Bool {
        condition.lock()
        defer { condition.unlock() }
        return pending.count < limit
    }

    private func markStopping(_ continuation: CheckedContinuation<Void, Never>) {
        condition.lock()
        stopping = true
        finished = continuation
        condition.signal()
        condition.unlock()
    }

    /// What has been printed so far.
    package var tallies: Tallies {
        condition.lock()
        defer { condition.unlock() }
        return published
    }

    private func run() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping { condition.wait() }
            if pending.isEmpty {
                let done = finished
                condition.unlock()
                writer.closeAll()
                done?.resume()
                return
            }
            let batch = pending
            pending = []
            let waiting = roomWaiters
            roomWaiters = []
            condition.unlock()
            for waiter in waiting { waiter.resume() }

            let barriers = writer.write(batch)

            condition.lock()
            published = writer.tallies
            condition.unlock()
            for barrier in barriers { barrier.resume() }
        }
    }
}
