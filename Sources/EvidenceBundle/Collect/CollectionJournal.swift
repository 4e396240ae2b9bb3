import DockerEngine
import Foundation

/// Where a collection stands, for a progress line.
package struct CollectionProgress: Sendable, Hashable {
    /// What is being done, e.g. `investigating`, `acquiring changed executables`.
    package var step: String
    /// Body bytes received from the engine (and read from the host) so far.
    package var bytes: Int64
}

/// Everything a collection did, gathered from every thread that does it: each request with its
/// timing and digest, each host read, each bundle file with its origin, notes, caps reached, and
/// the first failure that makes the bundle unusable.
package final class CollectionJournal: @unchecked Sendable {
    // @unchecked: every mutable property is only touched under `lock`.

    /// Which connection a request went through.
    package enum Connection: String, Sendable, Hashable {
        /// The investigation's connection, whose exchanges the recording keeps.
        case recorded
        /// The collector's own requests (pre-inspect, changed executables), not part of the recording.
        case direct
    }

    /// One request and what came back.
    package struct Transfer: Sendable, Hashable {
        package var connection: Connection
        package var method: String
        /// Path and query as sent, version prefix included.
        package var target: String
        /// 1 for the first request with this method and target on this connection, 2 for the next...
        package var occurrence: Int
        package var started: Date
        package var seconds: Double
        /// Nil when no answer arrived.
        package var status: Int?
        /// Body bytes kept (after any cap).
        package var bytes: Int64
        /// Of the body bytes kept; nil when the transfer failed.
        package var digest: FileDigest?
        /// The cap that cut this body, if one did.
        package var cappedAt: Int64?
        /// The answer's `Date` header.
        package var engineDate: String?
        package var error: String?
    }

    /// One read from the engine's host.
    package struct HostRead: Sendable, Hashable {
        package var path: String
        package var started: Date
        package var seconds: Double
        package var bytes: Int64
        package var error: String?
    }

    /// Holds each of `pids` by its `/proc/<pid>` folder, at the moment the investigation matched it to the
    /// container: a process whose cgroup does not name the container, or that is gone, is not held.
    package func hold(pids: [Int], containerID: String, proc: String = "/proc") {
        for pid in pids where pid > 0 {
            guard heldProcess(pid) == nil, let hold = try? ProcessHold(pid: pid, containerID: containerID, proc: proc) else {
                continue
            }
            lock.lock()
            heldProcesses[pid] = hold
            lock.unlock()
        }
    }

    /// The process held since it was matched, if it was.
    package func heldProcess(_ pid: Int) -> ProcessHold? {
        lock.lock()
        defer { lock.unlock() }
        return heldProcesses[pid]
    }

    /// Names inside `files/`, shared by every acquisition so none overwrites another.
    package let fileNames = NameAllocator()

    private let lock = NSLock()
    private let progress: (@Sendable (CollectionProgress) -> Void)?
    private var transferList: [Transfer] = []
    private var hostReadList: [HostRead] = []
    private var entryMap: [String: BundleManifest.Entry] = [:]
    private var noteList: [String] = []
    private var capsList: [String] = []
    private var firstFailure: (any Error & Sendable)?
    private var occurrences: [String: Int] = [:]
    private var archivedFiles: [String: FileDigest] = [:]
    private var heldProcesses: [Int: ProcessHold] = [:]
    private var framing: LogFraming?
    private var receivedBytes: Int64 = 0
    private var currentStep = "starting"
    private var lastReport = Date.distantPast

    package init(progress: (@Sendable (CollectionProgress) -> Void)? = nil) {
        self.progress = progress
    }

    // MARK: - Recording what happens

    package func nextOccurrence(_ connection: Connection, method: String, target: String) -> Int {
        locked {
            let key = "\(connection.rawValue) \(method) \(target)"
            let next = (occurrences[key] ?? 0) + 1
            occurrences[key] = next
            return next
        }
    }

    package func record(_ transfer: Transfer) { locked { transferList.append(transfer) } }
    package func record(_ read: HostRead) { locked { hostReadList.append(read) } }
    package func add(_ entry: BundleManifest.Entry) { locked { entryMap[entry.path] = entry } }
    package func note(_ text: String) { locked { noteList.append(text) } }
    package func capReached(_ what: String) { locked { capsList.append(what) } }

    /// The whole file an archive answer of the investigation's connection carried for `containerPath`
    /// (the member the engine names after it), as extracted into the bundle.
    package func archived(_ containerPath: String, _ digest: FileDigest) {
        locked { archivedFiles[containerPath] = digest }
    }

    /// How the container's logs are framed: set by the investigation's runtime (``BundleRuntime``) before it asks for them.
    package var logFraming: LogFraming? {
        get { locked { framing } }
        set { locked { framing = newValue } }
    }

    /// Keeps the first failure that makes the collection unusable (the engine went away, a write failed).
    package func fail(_ error: any Error & Sendable) {
        locked { if firstFailure == nil { firstFailure = error } }
    }

    // MARK: - Reading it back

    package var transfers: [Transfer] { locked { transferList.sorted { $0.started < $1.started } } }
    package var hostReads: [HostRead] { locked { hostReadList } }
    package var entries: [String: BundleManifest.Entry] { locked { entryMap } }
    package var notes: [String] { locked { noteList } }
    package var capsReached: [String] { locked { capsList.sorted() } }
    package var failure: (any Error & Sendable)? { locked { firstFailure } }
    package func archivedFile(_ containerPath: String) -> FileDigest? { locked { archivedFiles[containerPath] } }

    // MARK: - Progress

    package func step(_ name: String) {
        let snapshot = locked {
            currentStep = name
            lastReport = Date()
            return CollectionProgress(step: name, bytes: receivedBytes)
        }
        progress?(snapshot)
    }

    /// Counts bytes as they arrive; tells the progress observer at most ten times a second.
    package func received(_ count: Int) {
        let snapshot: CollectionProgress? = locked {
            receivedBytes += Int64(count)
            guard progress != nil else { return nil }
            let now = Date()
            guard now.timeIntervalSince(lastReport) >= 0.1 else { return nil }
            lastReport = now
            return CollectionProgress(step: currentStep, bytes: receivedBytes)
        }
        if let snapshot { progress?(snapshot) }
    }

    package var bytesReceived: Int64 { locked { receivedBytes } }

    private func locked<Value>(_ body: () throws -> Value) rethrows -> Value {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
