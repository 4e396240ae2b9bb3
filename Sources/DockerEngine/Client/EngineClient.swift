import Foundation

/// A connection to one engine at one negotiated API version.
///
/// Calls block the calling thread (libcurl's easy interface does); run independent calls on separate
/// threads with `BlockingWork.run` to overlap them. The client holds no mutable state and is safe to share.
package final class EngineClient: Sendable {
    /// The newest API version this client has been tested against (Docker 29.7's answers in the tests'
    /// fixtures); a newer engine is spoken to at this version, so its answers keep a known shape.
    package static let newestAPIVersion = APIVersion(1, 55)
    /// The oldest it accepts: Docker 19.03 and Podman 4.0 (API 1.40) have every endpoint used here.
    package static let oldestAPIVersion = APIVersion(1, 40)

    package let transport: any EngineTransport
    /// What `/_ping` said.
    package let ping: PingResponse
    /// min(ours, the engine's): every request carries it, so answers have the shape we decode.
    package let apiVersion: APIVersion

    /// The largest body read whole into memory; bigger answers must be streamed.
    package static let wholeBodyLimit = 64 << 20

    private init(transport: any EngineTransport, ping: PingResponse, apiVersion: APIVersion) {
        self.transport = transport
        self.ping = ping
        self.apiVersion = apiVersion
    }

    /// Pings the engine (unversioned `/_ping`) and settles the API version: `pinned` (`DOCKER_API_VERSION`)
    /// when given, as the docker CLI does, else min(ours, the engine's).
    package static func connect(_ transport: any EngineTransport, pinned: APIVersion? = nil) throws -> EngineClient {
        let request = EngineRequest(.get, ["_ping"], isVersioned: false)
        var head = ResponseHead(status: 0, headers: [:])
        var body = Data()
        try transport.send(request, apiVersion: nil, head: { head = $0 }, body: { body.append(contentsOf: $0.prefix(4096)) })
        guard head.isSuccess else {
            throw DockerEngineError.engine(
                status: head.status, request: request.description,
                message: EngineErrorBody.jsonMessage(in: body) ?? "the engine is not healthy")
        }
        let ping = PingResponse(head: head)
        let engineVersion = ping.apiVersion.flatMap(APIVersion.init(parsing:)) ?? newestAPIVersion
        guard engineVersion >= oldestAPIVersion else {
            throw DockerEngineError.unsupportedAPIVersion(
                engine: engineVersion.description, minimum: oldestAPIVersion.description)
        }
        return EngineClient(transport: transport, ping: ping, apiVersion: pinned ?? min(engineVersion, newestAPIVersion))
    }

    // MARK: - Requests

    /// A whole response: its head and body bytes exactly as received.
    package struct Fetched: Sendable {
        package var head: ResponseHead
        package var body: Data
    }

    /// Sends `request` and returns the whole body; an error status becomes a `DockerEngineError`.
    ///
    /// - Parameter reference: the container (or image) the request is about, so a 404 names it.
    package func fetch(_ request: EngineRequest, about reference: String? = nil) throws -> Fetched {
        var head = ResponseHead(status: 0, headers: [:])
        var body = Data()
        let limit = Self.wholeBodyLimit
        try transport.send(request, apiVersion: apiVersion.description, head: { head = $0 }) { chunk in
            guard body.count + chunk.count <= limit else {
                throw DockerEngineError.malformedResponse(
                    request: request.description, detail: "answer larger than \(limit >> 20) MiB")
            }
            body.append(contentsOf: chunk)
        }
        try Self.check(head, body: body, request: request, reference: reference)
        return Fetched(head: head, body: body)
    }

    /// Fetches and decodes a JSON answer, keeping the raw bytes too (evidence keeps them verbatim).
    package func decode<Value: Decodable>(
        _ type: Value.Type, _ request: EngineRequest, about reference: String? = nil
    ) throws -> (value: Value, raw: Fetched) {
        let fetched = try fetch(request, about: reference)
        do {
            return (try JSONDecoder().decode(Value.self, from: fetched.body), fetched)
        } catch {
            throw DockerEngineError.malformedResponse(request: request.description, detail: "undecodable JSON: \(error)")
        }
    }

    /// Streams a long answer (logs, archives, events) chunk by chunk without holding it.
    ///
    /// `body` only sees bytes of a successful answer; an error status is collected (bounded) and thrown.
    package func stream(
        _ request: EngineRequest, about reference: String? = nil,
        head onHead: (ResponseHead) throws -> Void = { _ in },
        body onBody: (UnsafeRawBufferPointer) throws -> Void
    ) throws -> ResponseHead {
        var head = ResponseHead(status: 0, headers: [:])
        var errorBody = Data()
        try transport.send(
            request, apiVersion: apiVersion.description,
            head: { received in
                head = received
                if received.isSuccess { try onHead(received) }
            },
            body: { chunk in
                if head.isSuccess {
                    try onBody(chunk)
                } else if errorBody.count < 1 << 20 {
                    errorBody.append(contentsOf: chunk.prefix((1 << 20) - errorBody.count))
                }
            })
        try Self.check(head, body: errorBody, request: request, reference: reference)
        return head
    }

    // MARK: - Error statuses

    /// Maps an error status to the most specific error: no such container, ambiguous prefix, version, or the engine's own message.
    static func check(_ head: ResponseHead, body: Data, request: EngineRequest, reference: String?) throws {
        guard !head.isSuccess else { return }
        let message = EngineErrorBody.message(in: body) ?? "no explanation given"
        let lowered = message.lowercased()
        if let reference {
            if lowered.contains("multiple ids found") || lowered.contains("more than one result") {
                throw DockerEngineError.ambiguousContainer(reference, message: message)
            }
            if head.status == 404, lowered.contains("no such container") || lowered.contains("no container with name or id") {
                throw DockerEngineError.noSuchContainer(reference)
            }
        }
        if head.status == 400, lowered.contains("client version") {
            throw DockerEngineError.unsupportedAPIVersion(engine: message, minimum: oldestAPIVersion.description)
        }
        throw DockerEngineError.engine(status: head.status, request: request.description, message: message)
    }
}

/// What `/_ping` told us about the engine.
package struct PingResponse: Sendable, Hashable, Codable {
    /// `Api-Version`: the newest API the engine speaks.
    package var apiVersion: String?
    /// `Server`, e.g. `Docker/20.10.24 (linux)` or `Libpod/4.3.1 (linux)`.
    package var server: String?
    /// Podman answers the Docker API with `Libpod-API-Version` set.
    package var isPodman: Bool
    /// The engine's clock (`Date` header) when it answered: "now" for windows without an alert, and
    /// the reference for the clock offset an evidence bundle records. Replays see the recorded time.
    package var engineDate: Date?

    package init(head: ResponseHead) {
        apiVersion = head.header("Api-Version")
        server = head.header("Server")
        isPodman = head.header("Libpod-API-Version") != nil || (server?.hasPrefix("Libpod") ?? false)
        engineDate = head.header("Date").flatMap(PingResponse.httpDate)
    }
}

/// An Engine API version such as 1.41, ordered numerically (1.9 < 1.41).
package struct APIVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    package var major: Int
    package var minor: Int

    package init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    package init?(parsing text: String) {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ".")
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]) else { return nil }
        self.init(major, minor)
    }

    package var description: String { "\(major).\(minor)" }
    package static func < (lhs: APIVersion, rhs: APIVersion) -> Bool { (lhs.major, lhs.minor) < (rhs.major, rhs.minor) }
}
