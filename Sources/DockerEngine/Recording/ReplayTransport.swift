import Foundation

/// Answers requests from a recording instead of an engine: same request, same bytes.
///
/// A request asked more than once gets the recorded answers in order, then the last one again.
/// A request the recording lacks is an error naming it, never a guess.
///
/// A recording may come from someone else, so a body is read only if it is a regular file inside `bodies/`
/// (opened without following a symlink, for the file or the folder: never a FIFO, a device or a host file),
/// no larger than ``maxBodyBytes``, and the whole replay must finish within ``timeLimit`` seconds.
package final class ReplayTransport: EngineTransport, @unchecked Sendable {
    // @unchecked: `served` is only touched under `lock`; everything else is immutable.

    package let endpoint: EngineEndpoint
    package let folder: URL
    package let recording: Recording
    private let answers: [String: [Recording.Exchange]]
    private let lock = NSLock()
    private var served: [String: Int] = [:]
    /// The most bytes one body may hold.
    package let maxBodyBytes: Int64
    /// Seconds from the first request after which the replay stops with `timedOut`.
    package let timeLimit: Double
    private var started: Date?

    /// A body is at most 4 GiB (collect's archive cap is 1 GiB) and a replay ends within 10 minutes.
    package static let defaultMaxBodyBytes: Int64 = 4 << 30
    package static let defaultTimeLimit: Double = 600

    package init(
        folder: URL, maxBodyBytes: Int64 = defaultMaxBodyBytes, timeLimit: Double = defaultTimeLimit
    ) throws(DockerEngineError) {
        self.folder = folder
        self.maxBodyBytes = maxBodyBytes
        self.timeLimit = timeLimit
        let indexURL = folder.appendingPathComponent(Recording.indexName)
        let data: Data
        do { data = try Data(contentsOf: indexURL) } catch {
            throw .badRecording(path: folder.path, detail: "no \(Recording.indexName) (\(error.localizedDescription))")
        }
        let recording: Recording
        do { recording = try JSONDecoder().decode(Recording.self, from: data) } catch {
            throw .badRecording(path: indexURL.path, detail: "not a recording index: \(error)")
        }
        guard recording.format == Recording.format else {
            throw .badRecording(path: indexURL.path, detail: "format '\(recording.format)' is not \(Recording.format)")
        }
        for exchange in recording.exchanges {
            if let body = exchange.body, !Self.isSafeBodyPath(body) {
                throw .badRecording(path: indexURL.path, detail: "body path '\(body)' leaves the recording")
            }
        }
        self.recording = recording
        self.answers = Dictionary(grouping: recording.exchanges) { Self.key($0.method, $0.target) }
            .mapValues { $0.sorted { $0.occurrence < $1.occurrence } }
        self.endpoint = EngineEndpoint(address: .recording(path: folder.path), source: "replay of \(recording.endpoint)")
    }

    package func send(
        _ request: EngineRequest,
        apiVersion: String?,
        head: (ResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let target = request.target(apiVersion: apiVersion)
        guard request.method.isReadOnly else { throw DockerEngineError.methodRefused(request.method, request: target) }
        let exchange = try next(for: request.method.rawValue, target: target)
        try head(ResponseHead(status: exchange.status, headers: exchange.headers))
        guard let bodyPath = exchange.body else { return }

        let file = try openBody(bodyPath)
        defer { close(file) }
        let deadline = startedAt().addingTimeInterval(timeLimit)
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var total: Int64 = 0
        while true {
            guard Date() < deadline else {
                throw DockerEngineError.timedOut(endpoint: endpoint.description, request: target, seconds: timeLimit)
            }
            let count = chunk.withUnsafeMutableBytes { read(file, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            guard count >= 0 else {
                throw DockerEngineError.badRecording(path: bodyPath, detail: "cannot read: \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            total += Int64(count)
            guard total <= maxBodyBytes else {
                throw DockerEngineError.badRecording(path: bodyPath, detail: "larger than \(maxBodyBytes) bytes")
            }
            try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
    }

    /// Opens a body under `bodies/` without following a symlink (neither `bodies` nor the file), and only if it
    /// is a regular file within the size limit: a FIFO or a device would hang the replay or never end.
    private func openBody(_ bodyPath: String) throws(DockerEngineError) -> Int32 {
        let bodies = folder.appendingPathComponent(Recording.bodiesFolder).path
        let directory = open(bodies, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard directory >= 0 else {
            throw .badRecording(path: bodies, detail: "not a plain folder: \(String(cString: strerror(errno)))")
        }
        defer { close(directory) }
        let name = String(bodyPath.dropFirst(Recording.bodiesFolder.count + 1))
        let file = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard file >= 0 else {
            let reason = errno == ELOOP ? "a symbolic link" : String(cString: strerror(errno))
            throw .badRecording(path: bodyPath, detail: "body file unusable: \(reason)")
        }
        var info = stat()
        guard fstat(file, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(file)
            throw .badRecording(path: bodyPath, detail: "body file is not a regular file")
        }
        guard Int64(info.st_size) <= maxBodyBytes else {
            close(file)
            throw .badRecording(path: bodyPath, detail: "body file is larger than \(maxBodyBytes) bytes")
        }
        return file
    }

    /// When the replay's first request was answered: its time limit runs from there.
    private func startedAt() -> Date {
        lock.lock()
        defer { lock.unlock() }
        if let started { return started }
        let now = Date()
        started = now
        return now
    }

    /// Host observations recorded with the conversation, for a replayed host view.
    package func observation(_ operation: String, path: String) -> Recording.HostObservation? {
        recording.observations.first { $0.operation == operation && $0.path == path }
    }

    private func next(for method: String, target: String) throws -> Recording.Exchange {
        // A HEAD the recording lacks is answered by the head of its GET, without the body.
        if method == "HEAD", answers[Self.key(method, target)]?.isEmpty ?? true,
            var exchange = answers[Self.key("GET", target)]?.first
        {
            exchange.body = nil
            return exchange
        }
        let key = Self.key(method, target)
        guard let candidates = answers[key], !candidates.isEmpty else {
            throw DockerEngineError.notInRecording(request: "\(method) \(target)", recording: folder.path)
        }
        lock.lock()
        defer { lock.unlock() }
        let index = served[key] ?? 0
        served[key] = index + 1
        return candidates[min(index, candidates.count - 1)]
    }

    private static func key(_ method: String, _ target: String) -> String { method + " " + target }

    /// Body paths are relative and stay inside `bodies/`: a shared recording cannot point at host files.
    private static func isSafeBodyPath(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return !path.hasPrefix("/") && parts.first.map(String.init) == Recording.bodiesFolder
            && !parts.contains("..") && !parts.contains("") && parts.count == 2
    }
}
