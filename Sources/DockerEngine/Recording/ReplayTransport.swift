import Foundation

/// Answers requests from a recording instead of an engine: same request, same bytes.
///
/// A request asked more than once gets the recorded answers in order, then the last one again.
/// A request the recording lacks is an error naming it, never a guess.
package final class ReplayTransport: EngineTransport, @unchecked Sendable {
    // @unchecked: `served` is only touched under `lock`; everything else is immutable.

    package let endpoint: EngineEndpoint
    package let folder: URL
    package let recording: Recording
    private let answers: [String: [Recording.Exchange]]
    private let lock = NSLock()
    private var served: [String: Int] = [:]

    package init(folder: URL) throws(DockerEngineError) {
        self.folder = folder
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

        let url = folder.appendingPathComponent(bodyPath)
        let file: FileHandle
        do { file = try FileHandle(forReadingFrom: url) } catch {
            throw DockerEngineError.badRecording(path: url.path, detail: "body file missing")
        }
        defer { try? file.close() }
        while let chunk = try file.read(upToCount: 64 << 10), !chunk.isEmpty {
            try chunk.withUnsafeBytes { try body($0) }
        }
    }

    /// Host observations recorded with the conversation, for a replayed host view.
    package func observation(_ operation: String, path: String) -> Recording.HostObservation? {
        recording.observations.first { $0.operation == operation && $0.path == path }
    }

    private func next(for method: String, target: String) throws -> Recording.Exchange {
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
