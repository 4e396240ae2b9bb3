import DockerEngine
import Foundation

/// Records and replays CRI conversations in the recording format the engine client uses
/// (`alert-inspect/recording/v1`, see `Recording`).
///
/// A CRI exchange is a `POST` whose target is the RPC's path with the request message in hex
/// (`/runtime.v1.RuntimeService/ContainerStatus?request=0a40…`): two calls to one RPC with different
/// requests are two exchanges. Its body file holds the answer exactly as received (the gRPC frame),
/// and its headers the gRPC status, so a replay fails where the live runtime failed.
package enum CRIRecording {
    /// The headers a replay needs: the gRPC status and its message.
    static let keptHeaders: Set<String> = ["content-type", "grpc-status", "grpc-message"]

    static func target(_ call: GRPCCall) throws(CRIRuntimeError) -> String {
        let message: [UInt8]
        do { message = try GRPCFrame.unframe(call.body) } catch {
            throw .malformedAnswer(rpc: call.path, detail: "the request is not one gRPC message: \(error)")
        }
        return call.path + "?request=" + message.hexString
    }
}

/// Passes calls to a live transport and keeps every exchange in a recording folder.
package final class RecordingCRITransport: CRITransport, @unchecked Sendable {
    // @unchecked: `recording` and `occurrences` are only touched under `lock`.

    package var endpoint: EngineEndpoint { live.endpoint }
    package let folder: URL
    private let live: any CRITransport
    private let lock = NSLock()
    private var recording: Recording
    private var occurrences: [String: Int] = [:]

    /// Creates `folder` (which must not exist yet, or be empty) and records into it.
    package init(recording live: any CRITransport, into folder: URL, recordedBy: String) throws(CRIRuntimeError) {
        self.live = live
        self.folder = folder
        self.recording = Recording(endpoint: live.endpoint.description, recordedBy: recordedBy)
        let files = FileManager.default
        if let existing = try? files.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw .invalidEndpoint(folder.path, reason: "a recording folder must be new or empty")
        }
        do {
            try files.createDirectory(at: folder.appendingPathComponent(Recording.bodiesFolder), withIntermediateDirectories: true)
            try writeIndex()
        } catch {
            throw .invalidEndpoint(folder.path, reason: "cannot create the recording: \(error.localizedDescription)")
        }
    }

    package func unary(_ call: GRPCCall) throws -> GRPCAnswer {
        let target = try CRIRecording.target(call)
        let answer = try live.unary(call)
        try lock.withLock {
            let occurrence = (occurrences[target] ?? 0) + 1
            occurrences[target] = occurrence
            var name: String?
            if !answer.body.isEmpty {
                let file = Recording.bodyName(method: "POST", target: target, occurrence: occurrence, contentType: answer.headers["content-type"])
                try Data(answer.body).write(to: folder.appendingPathComponent(Recording.bodiesFolder).appendingPathComponent(file))
                name = file
            }
            recording.exchanges.append(Recording.Exchange(
                method: "POST", target: target, occurrence: occurrence, status: answer.httpStatus,
                headers: answer.headers.filter { CRIRecording.keptHeaders.contains($0.key) }, body: name, bytes: answer.body.count))
            try writeIndex()
        }
        return answer
    }

    private func writeIndex() throws {
        var sorted = recording
        sorted.exchanges.sort { ($0.target, $0.occurrence) < ($1.target, $1.occurrence) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(sorted).write(to: folder.appendingPathComponent(Recording.indexName), options: .atomic)
    }
}

/// Answers CRI calls from a recording folder, offline; a call it does not hold is an error.
package final class ReplayCRITransport: CRITransport, @unchecked Sendable {
    // @unchecked: `served` is only touched under `lock`.

    package let endpoint: EngineEndpoint
    private let folder: URL
    private let answers: [String: [Recording.Exchange]]
    private let lock = NSLock()
    private var served: [String: Int] = [:]

    package init(folder: URL) throws(CRIRuntimeError) {
        let recording: Recording
        do {
            let data = try Data(contentsOf: folder.appendingPathComponent(Recording.indexName))
            recording = try JSONDecoder().decode(Recording.self, from: data)
        } catch {
            throw .invalidEndpoint(folder.path, reason: "not a recording: \(error)")
        }
        self.folder = folder
        self.endpoint = EngineEndpoint(address: .recording(path: folder.path), source: "recording of \(recording.endpoint)")
        self.answers = Dictionary(grouping: recording.exchanges.filter { $0.method == "POST" }, by: \.target)
            .mapValues { $0.sorted { $0.occurrence < $1.occurrence } }
    }

    /// The recorded answer to this call; a repeated call gets the next recorded answer, then the last again.
    package func unary(_ call: GRPCCall) throws -> GRPCAnswer {
        guard call.isReadOnly else { throw DockerEngineError.methodRefused(HTTPMethod(rawValue: "POST"), request: call.path) }
        let target = try CRIRecording.target(call)
        guard let recorded = answers[target], !recorded.isEmpty else {
            throw DockerEngineError.notInRecording(request: "POST " + target, recording: folder.path)
        }
        let index = lock.withLock {
            let next = served[target] ?? 0
            served[target] = next + 1
            return min(next, recorded.count - 1)
        }
        let exchange = recorded[index]
        var body: [UInt8] = []
        if let name = exchange.body {
            do {
                body = Array(try Data(contentsOf: folder.appendingPathComponent(Recording.bodiesFolder).appendingPathComponent(name)))
            } catch {
                throw DockerEngineError.badRecording(path: folder.path, detail: "missing body \(name)")
            }
        }
        return GRPCAnswer(httpStatus: exchange.status, headers: exchange.headers, body: body)
    }
}
