import Foundation

/// Passes requests to a live transport and keeps every exchange in a recording folder.
///
/// Bodies are written to their files as they stream, so recording a large archive costs no memory.
/// The index is rewritten after each exchange: a recording cut short still describes what it holds.
package final class RecordingTransport: EngineTransport, @unchecked Sendable {
    // @unchecked: `recording` and `occurrences` are only touched under `lock`.

    package var endpoint: EngineEndpoint { live.endpoint }
    package let folder: URL
    private let live: any EngineTransport
    private let lock = NSLock()
    private var recording: Recording
    private var occurrences: [String: Int] = [:]
    private let observer: (@Sendable (Recording.Exchange, _ started: Date, _ seconds: Double) -> Void)?

    /// Creates `folder` (which must not exist yet, or be empty) and records into it: folders 0700 and files 0600
    /// whatever the umask, since a recording holds the container's environment, executable and logs.
    ///
    /// - Parameter observer: told of each exchange when it completes, with its start time and duration
    ///   (an evidence bundle's collection log); timings are not part of the recording, which must diff cleanly.
    package init(
        recording live: any EngineTransport, into folder: URL, recordedBy: String,
        observer: (@Sendable (Recording.Exchange, _ started: Date, _ seconds: Double) -> Void)? = nil
    ) throws(DockerEngineError) {
        self.live = live
        self.observer = observer
        self.folder = folder
        self.recording = Recording(endpoint: live.endpoint.description, recordedBy: recordedBy)
        let files = FileManager.default
        do {
            if let existing = try? files.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
                throw DockerEngineError.badRecording(path: folder.path, detail: "folder exists and is not empty")
            }
            try files.createDirectory(at: folder, withIntermediateDirectories: true)
            for path in [folder.path, folder.appendingPathComponent(Recording.bodiesFolder).path] {
                guard mkdir(path, 0o700) == 0 || errno == EEXIST, chmod(path, 0o700) == 0 else {
                    throw DockerEngineError.badRecording(path: path, detail: "cannot create: \(String(cString: strerror(errno)))")
                }
            }
            try writeIndex()
        } catch let error as DockerEngineError {
            throw error
        } catch {
            throw .badRecording(path: folder.path, detail: "cannot create: \(error.localizedDescription)")
        }
    }

    package func send(
        _ request: EngineRequest,
        apiVersion: String?,
        head: (ResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let target = request.target(apiVersion: apiVersion)
        let started = Date()
        var received: ResponseHead?
        var occurrence = 0
        // Large bodies (archives, logs) bypass the page cache and are written from a thread of
        // their own, so the engine's answer is read while they are written: see BlockFileWriter.
        var bodyFile: BlockFileWriter?
        var bodyName: String?
        var bodyPath = ""
        var bytes = 0

        var failure: (any Error)?
        do {
            try live.send(
                request, apiVersion: apiVersion,
                head: { responseHead in
                    received = responseHead
                    occurrence = nextOccurrence(method: request.method.rawValue, target: target)
                    try head(responseHead)
                },
                body: { chunk in
                    if bodyFile == nil, let responseHead = received {
                        let name = Recording.bodyName(
                            method: request.method.rawValue, target: target, occurrence: occurrence,
                            contentType: responseHead.header("Content-Type"))
                        bodyPath = folder.appendingPathComponent(Recording.bodiesFolder)
                            .appendingPathComponent(name).path
                        do { bodyFile = try BlockFileWriter(creating: bodyPath, mode: 0o600) } catch {
                            throw DockerEngineError.badRecording(path: bodyPath, detail: "cannot create: \(error)")
                        }
                        bodyName = name
                    }
                    do { try bodyFile?.write(chunk) } catch {
                        throw DockerEngineError.badRecording(path: bodyPath, detail: "cannot write: \(error)")
                    }
                    bytes += chunk.count
                    try body(chunk)
                })
        } catch {
            // A reader that stops early (or a broken stream) is part of the conversation too:
            // keep what arrived, so a replay reaches the same point.
            failure = error
        }
        do { try bodyFile?.finish(mode: 0o600) } catch {
            failure = failure ?? DockerEngineError.badRecording(path: bodyPath, detail: "cannot write: \(error)")
        }

        guard let responseHead = received else {
            if let failure { throw failure }
            return
        }
        let exchange = Recording.Exchange(
            method: request.method.rawValue, target: target, occurrence: occurrence, status: responseHead.status,
            headers: responseHead.headers.filter { Recording.keptHeaders.contains($0.key) },
            body: bodyName.map { Recording.bodiesFolder + "/" + $0 }, bytes: bytes)
        try append { $0.exchanges.append(exchange) }
        observer?(exchange, started, Date().timeIntervalSince(started))
        if let failure { throw failure }
    }

    /// Adds something read from the engine's host.
    package func record(_ observation: Recording.HostObservation) throws {
        try append { recording in
            if !recording.observations.contains(observation) { recording.observations.append(observation) }
        }
    }

    private func nextOccurrence(method: String, target: String) -> Int {
        lock.lock()
        defer { lock.unlock() }
        let key = method + " " + target
        let occurrence = (occurrences[key] ?? 0) + 1
        occurrences[key] = occurrence
        return occurrence
    }

    private func append(_ change: (inout Recording) -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        change(&recording)
        try writeIndex()
    }

    /// Writes the index in a stable order (requests are concurrent, their order is not).
    private func writeIndex() throws {
        var sorted = recording
        sorted.exchanges.sort { ($0.target, $0.method, $0.occurrence) < ($1.target, $1.method, $1.occurrence) }
        sorted.observations.sort { ($0.path, $0.operation) < ($1.path, $1.operation) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try Self.writePrivately(try encoder.encode(sorted), to: folder.appendingPathComponent(Recording.indexName).path)
    }

    /// Replaces `path` with `data` atomically (a temporary sibling, renamed), mode 0600 whatever the umask.
    private static func writePrivately(_ data: Data, to path: String) throws {
        let temporary = path + ".partial"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw DockerEngineError.badRecording(path: temporary, detail: "cannot create: \(String(cString: strerror(errno)))")
        }
        var failure: Int32 = fchmod(descriptor, 0o600) == 0 ? 0 : errno
        data.withUnsafeBytes { bytes in
            var offset = 0
            while failure == 0, offset < bytes.count {
                let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                if written <= 0 { failure = errno } else { offset += written }
            }
        }
        close(descriptor)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw DockerEngineError.badRecording(path: path, detail: "cannot write: \(String(cString: strerror(failure)))")
        }
    }
}
