import EvidenceBundle
import FalcoAlerts
import Foundation

/// Decides what happens to each alert that arrives, runs the investigations with bounded concurrency, and
/// accounts for every alert it accepted.
///
/// An arrival is read, checked (not an alert, a host event, no container, filtered: `skipped`), then accepted:
/// journaled, and either merged into the open group of the same container, rule and executable, or queued as
/// a new investigation. `jobs` workers take investigations off a queue of `queueCapacity`; a stream waits for
/// room, an HTTP request is refused (503). When an investigation ends, its outcome and those of the alerts
/// merged into it while it ran are recorded together.
///
/// Stopping (SIGINT, SIGTERM) takes no more alerts, records what was queued but not started as still owed
/// (journal `deferred`), lets investigations in flight finish for `stopTimeout` seconds, then cancels them
/// (the collector leaves no half bundle) and records them as owed too.
package actor Watcher {
    package struct Settings: Sendable {
        /// Where bundle folders go.
        package var output: URL
        package var jobs: Int
        package var queueCapacity: Int
        /// Seconds; 0 merges nothing.
        package var dedupeWindow: Double
        package var filter: AlertFilter
        /// Seconds investigations in flight get to finish once the run is stopping.
        package var stopTimeout: Double
        /// `--max-disk`: past it, alerts that need a new bundle fail instead (see ``DiskBudget``).
        package var diskBudget: DiskBudget?
        /// Told once when the disk budget starts refusing bundles (stderr).
        package var notice: @Sendable (String) -> Void = { _ in }

        package init(
            output: URL, jobs: Int = 2, queueCapacity: Int = 64, dedupeWindow: Double = 600,
            filter: AlertFilter = AlertFilter(), stopTimeout: Double = 20
        ) {
            self.output = output
            self.jobs = max(1, jobs)
            self.queueCapacity = max(1, queueCapacity)
            self.dedupeWindow = max(0, dedupeWindow)
            self.filter = filter
            self.stopTimeout = max(0, stopTimeout)
        }
    }

    /// Something that arrived: an alert's bytes, read or not, and where they came from.
    package struct Arrival: Sendable {
        /// Where it came from (source and line, or request number); what the alert says is added once read.
        package var place: AlertIdentity
        package var raw: [UInt8]
        package var parsed: Result<FalcoAlert, AlertParseError>
        package var receivedAt: Date
        /// Set when the alert comes back from the journal: it was accepted by an earlier run.
        package var entry: Int?

        package init(
            place: AlertIdentity, raw: [UInt8], parsed: Result<FalcoAlert, AlertParseError>, receivedAt: Date = Date(),
            entry: Int? = nil
        ) {
            self.place = place
            self.raw = raw
            self.parsed = parsed
            self.receivedAt = receivedAt
            self.entry = entry
        }
    }

    /// How an arrival was taken.
    package enum Admission: Sendable, Hashable {
        /// A new investigation is queued for it.
        case queued
        /// It joined an investigation of the same container, rule and executable.
        case merged
        /// It was read, and not investigated (host event, no container, filtered).
        case skipped(String)
        /// It is not an alert.
        case invalid(String)
        /// A new investigation was needed and the queue was full (HTTP only): refused.
        case full
        /// The run is stopping: refused.
        case stopping
    }

    /// Whether an arrival may wait for room in the queue.
    package enum Policy: Sendable {
        /// Wait (a stream: back-pressure on the reader).
        case wait
        /// Refuse at once when full (HTTP: the sender retries).
        case refuseWhenFull
    }

    /// One investigation and the alerts merged into it.
    private struct Group {
        enum State {
            /// Queued or running: merged alerts go to the spool.
            case pending
            /// The bundle exists: merged alerts go beside it, and get their outcome at once.
            case bundled(bundle: String, verdict: String)
        }

        var key: DedupeKey
        var destination: URL
        var primary: AlertIdentity
        var state: State
        var merged = 0
    }

    private let settings: Settings
    private let investigator: any AlertInvestigating
    private let ledger: Ledger
    private let queue: BoundedQueue<InvestigationJob>
    private var deduper: Deduper
    private var namer: BundleNamer
    private var groups: [Int: Group] = [:]
    private var nextGroup = 1
    private var nextEntry: Int
    private var inFlight = 0
    private var stopping = false
    /// Set once investigations in flight must stop now (the stop timeout passed, or a second signal).
    private let hardStop = CancellationFlag()
    /// Readable without waiting for the actor, by the stream reader between lines.
    private let stopFlag = CancellationFlag()
    private var statistics = Statistics()
    private var diskBudget: DiskBudget?
    private var saidDiskFull = false

    /// Counts for the run's closing summary.
    package struct Statistics: Sendable, Hashable {
        package var received = 0
        package var accepted = 0
        package var investigations = 0
    }

    /// - Parameter firstEntry: the first entry number free (after the journal's).
    package init(settings: Settings, investigator: any AlertInvestigating, ledger: Ledger, firstEntry: Int = 1) {
        self.settings = settings
        self.investigator = investigator
        self.ledger = ledger
        queue = BoundedQueue(capacity: settings.queueCapacity)
        deduper = Deduper(window: settings.dedupeWindow)
        namer = BundleNamer(folder: settings.output)
        nextEntry = max(1, firstEntry)
        diskBudget = settings.diskBudget
    }

    /// Whether the run is stopping: readers stop reading.
    package nonisolated var isStopping: Bool { stopFlag.isCancelled }

    package var currentStatistics: Statistics { statistics }

    // MARK: - Intake

    /// Takes one arrival: skips it, merges it, or queues an investigation for it (waiting for room under
    /// `.wait`). Its outcome line is recorded now when it is skipped, else when its investigation ends.
    package func take(_ arrival: Arrival, policy: Policy) async -> Admission {
        statistics.received += 1
        if stopping {
            // One from the journal stays owed there for the next run.
            let outcome = Outcome(alert: arrival.place, action: .skipped, error: "refused: watch is stopping")
            ledger.add(.outcome(outcome, entry: arrival.entry, isFinal: false))
            return .stopping
        }
        let alert: FalcoAlert
        switch arrival.parsed {
        case .failure(let error):
            skip(arrival.place, error.description, entry: arrival.entry)
            return .invalid(error.description)
        case .success(let parsed):
            alert = parsed
        }
        let identity = arrival.place.describing(alert)
        // An alert back from the journal was accepted once: skipping it now is its final outcome there.
        let entry = arrival.entry
        if alert.isHostEvent {
            return skipped(identity, "a host event (container.id=host): only container alerts are investigated", entry)
        }
        guard let container = alert.containerID else {
            return skipped(identity, "the alert names no container (container.id is missing or empty)", entry)
        }
        if let reason = settings.filter.rejection(of: alert) { return skipped(identity, reason, entry) }

        let key = DedupeKey(alert, containerID: container)
        if let open = deduper.group(for: key, time: alert.time, arrival: arrival.receivedAt),
            var group = groups[open.id]
        {
            let entry = accept(arrival, identity)
            group.merged += 1
            groups[open.id] = group
            let record = MergedRecord(
                identity: identity, entry: entry, mergedInto: group.destination.lastPathComponent, raw: arrival.raw,
                receivedAt: arrival.receivedAt)
            switch group.state {
            case .pending:
                ledger.add(.merged(path: BundleNamer.spool(for: group.destination), record: record, outcome: nil))
            case .bundled(let bundle, let verdict):
                let outcome = Outcome(alert: identity, action: .merged, bundle: bundle, verdict: verdict)
                ledger.add(
                    .merged(path: BundleNamer.mergedFile(for: group.destination), record: record, outcome: outcome))
            }
            return .merged
        }

        if let refusal = diskBudget?.refusal() {
            // Accepted and refused loudly: the journal keeps the alert and says why it has no bundle.
            if !saidDiskFull {
                saidDiskFull = true
                settings.notice("watch: \(refusal); alerts that need a bundle fail until space is freed")
            }
            let entry = accept(arrival, identity)
            ledger.add(
                .outcome(Outcome(alert: identity, action: .failed, error: refusal), entry: entry, isFinal: true))
            return .queued
        }
        saidDiskFull = false

        let id = nextGroup
        let destination = namer.claim(containerID: container, time: alert.time, arrival: arrival.receivedAt)
        // The entry `accept` will give it: nothing runs between here and there but the synchronous push.
        let job = InvestigationJob(
            entry: arrival.entry ?? nextEntry, identity: identity, alert: alert, raw: arrival.raw,
            destination: destination, group: id)
        if policy == .refuseWhenFull {
            // Tried before anything is recorded, so a refused alert leaves no trace but its `skipped` line.
            switch queue.tryPush(job) {
            case .accepted: break
            case .full:
                skip(identity, "refused: the investigation queue is full (HTTP 503); the sender may retry")
                return .full
            case .closed:
                skip(identity, "refused: watch is stopping")
                return .stopping
            }
        }
        nextGroup += 1
        _ = accept(arrival, identity)
        statistics.investigations += 1
        groups[id] = Group(key: key, destination: destination, primary: identity, state: .pending)
        deduper.open(id, for: key, time: alert.time, arrival: arrival.receivedAt)
        if policy == .wait, await !queue.push(job) {
            // Stopped while waiting for room: it never reached the queue, so it is owed, not lost.
            end(job, .interrupted(reason: "not investigated: the run stopped before its turn"))
        }
        return .queued
    }

    /// Standard input ended: finish what is queued, then the workers stop.
    package func endOfInput() {
        queue.close()
    }

    /// SIGINT or SIGTERM. The first takes no more alerts, records queued work as owed and gives investigations
    /// in flight `stopTimeout` seconds; the second (or the timeout) cancels them.
    package func stop() {
        stopFlag.cancel()
        guard !stopping else {
            hardStop.cancel()
            return
        }
        stopping = true
        for job in queue.closeAndDrain() {
            end(job, .interrupted(reason: "not investigated: the run stopped before its turn"))
        }
        let timeout = settings.stopTimeout
        let hardStop = self.hardStop
        Task {
            try? await Task.sleep(for: .seconds(timeout))
            hardStop.cancel()
        }
    }

    // MARK: - Work

    /// Runs the workers until the queue is closed and empty and every investigation has ended.
    package nonisolated func work() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<settings.jobs {
                group.addTask { [self] in
                    while let job = await queue.next() {
                        await started()
                        let end = await investigator.investigate(
                            job, isCancelled: { [hardStop] in hardStop.isCancelled })
                        await finished(job, end)
                    }
                }
            }
        }
    }

    private func started() {
        inFlight += 1
    }

    private func finished(_ job: InvestigationJob, _ end: InvestigationEnd) {
        inFlight -= 1
        self.end(job, end)
    }

    /// Records how an investigation ended, for its alert and every alert merged into it while it ran.
    private func end(_ job: InvestigationJob, _ end: InvestigationEnd) {
        guard var group = groups[job.group] else { return }
        let spool = BundleNamer.spool(for: job.destination)
        switch end {
        case .bundled(let bundle, let verdict, _):
            diskBudget?.invalidate()
            ledger.add(
                .outcome(
                    Outcome(alert: job.identity, action: .investigated, bundle: bundle.path, verdict: verdict),
                    entry: job.entry, isFinal: true))
            ledger.add(
                .settle(
                    .init(
                        spool: spool, destination: BundleNamer.mergedFile(for: job.destination), action: .merged,
                        bundle: bundle.path, verdict: verdict)))
            group.state = .bundled(bundle: bundle.path, verdict: verdict)
            groups[job.group] = group
            if settings.dedupeWindow == 0 || stopping { close(job.group) }
        case .failed(let reason):
            ledger.add(
                .outcome(Outcome(alert: job.identity, action: .failed, error: reason), entry: job.entry, isFinal: true))
            ledger.add(
                .settle(
                    .init(
                        spool: spool, destination: nil, action: .failed,
                        error: "merged into the investigation of \(group.primary.place), which failed: \(reason)")))
            forget(job.group, key: group.key)
        case .interrupted(let reason):
            ledger.add(
                .outcome(Outcome(alert: job.identity, action: .failed, error: reason), entry: job.entry, isFinal: false)
            )
            ledger.add(
                .settle(
                    .init(
                        spool: spool, destination: nil, action: .failed,
                        error:
                            "merged into the investigation of \(group.primary.place), which did not finish: \(reason)",
                        isFinal: false)))
            forget(job.group, key: group.key)
        }
    }

    // MARK: - Groups

    /// Closes the groups whose dedupe window has passed (their merged-alerts files are sealed).
    package func sweep(now: Date = Date()) {
        for id in deduper.closeExpired(now: now, mayClose: isBundled) { close(id) }
    }

    /// The run is over: seals every merged-alerts file still open.
    package func closeAll() {
        for id in deduper.closeAll(mayClose: isBundled) { close(id) }
        for id in groups.keys where isBundled(id) { close(id) }
    }

    private func isBundled(_ id: Int) -> Bool {
        if case .bundled? = groups[id]?.state { return true }
        return false
    }

    private func close(_ id: Int) {
        guard let group = groups.removeValue(forKey: id) else { return }
        deduper.remove(id, for: group.key)
        namer.release(group.destination)
        if group.merged > 0 { ledger.add(.seal(path: BundleNamer.mergedFile(for: group.destination))) }
    }

    private func forget(_ id: Int, key: DedupeKey) {
        if let group = groups.removeValue(forKey: id) { namer.release(group.destination) }
        deduper.remove(id, for: key)
    }

    // MARK: - Recording

    /// Journals an accepted alert (unless it came back from the journal) and returns its entry number.
    private func accept(_ arrival: Arrival, _ identity: AlertIdentity) -> Int {
        statistics.accepted += 1
        if let entry = arrival.entry { return entry }
        let entry = nextEntry
        nextEntry += 1
        ledger.add(.accepted(entry: entry, identity: identity, raw: arrival.raw, receivedAt: arrival.receivedAt))
        return entry
    }

    private func skip(_ identity: AlertIdentity, _ reason: String, entry: Int? = nil) {
        ledger.add(.outcome(Outcome(alert: identity, action: .skipped, error: reason), entry: entry, isFinal: true))
    }

    private func skipped(_ identity: AlertIdentity, _ reason: String, _ entry: Int?) -> Admission {
        skip(identity, reason, entry: entry)
        return .skipped(reason)
    }
}
