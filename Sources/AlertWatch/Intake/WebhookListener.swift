import FalcoAlerts
import FlyingFox
import FlyingSocks
import Foundation

/// `--listen HOST:PORT`: takes alerts the way falcosidekick's webhook output (and Falco's own `http_output`)
/// sends them, one JSON alert per `POST /`.
///
/// Answers `200` once the alert is safely queued or merged (its journal record, if any, is on disk), or read and
/// skipped (a host event, filtered); `400` with the reason when the body is not an alert; `413` past 1 MiB;
/// `503` when a new investigation is needed and the queue is full, or the run is stopping (falcosidekick
/// counts it as an error and the alert can be sent again). Every request gets an outcome line, refused ones
/// included.
///
/// The server is FlyingFox: a small HTTP/1.1 server in pure Swift over the socket API and Swift concurrency,
/// with no dependency besides its own socket layer, so it builds in seconds where a SwiftNIO-based server
/// takes minutes on every CI run, and this endpoint needs nothing more than one POST route.
package final class WebhookListener: Sendable {
    private let server: HTTPServer
    private let running: Task<Void, Never>
    /// The address actually listened on (`127.0.0.1:40123` for `127.0.0.1:0`).
    package let address: String

    /// The most bytes of one body: the same limit as one line of a stream.
    package static let bodyLimit = AlertReader.maximumLineLength

    /// Binds and starts serving; returns once listening.
    ///
    /// - Throws: ``WatchError/badListenAddress(_:reason:)`` or ``WatchError/cannotListen(address:reason:)``.
    package static func start(listen: String, watcher: Watcher, ledger: Ledger) async throws(WatchError)
        -> WebhookListener
    {
        let (host, port) = try ListenAddress.parse(listen)
        let socketAddress: any SocketAddress
        do {
            if host.contains(":") {
                socketAddress = try sockaddr_in6.inet6(ip6: host, port: port)
            } else {
                socketAddress = try sockaddr_in.inet(ip4: host, port: port)
            }
        } catch {
            throw .badListenAddress(listen, reason: "\(host) is not a numeric IPv4 or IPv6 address")
        }
        // FlyingFox's default logger prints to stdout, which is the outcome stream: keep it quiet.
        let server = HTTPServer(
            config: .init(address: socketAddress, timeout: 30, logger: .disabled))
        let requests = RequestCounter()
        await server.appendRoute("POST /") { request in
            await handle(request, number: requests.next(), watcher: watcher, ledger: ledger)
        }
        await server.appendRoute("/") { _ in
            json(.methodNotAllowed, body(error: "POST an alert to /"), headers: [HTTPHeader("Allow"): "POST"])
        }
        let failure = Failure()
        let running = Task {
            do { try await server.run() } catch { failure.set(String(describing: error)) }
        }
        // `run` reports a bind failure by returning; `waitUntilListening` would only time out.
        while await !server.isListening {
            if let reason = failure.value {
                throw .cannotListen(address: listen, reason: reason)
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        let bound: String
        switch await server.listeningAddress {
        case .ip4(let ip, let port): bound = "\(ip):\(port)"
        case .ip6(let ip, let port): bound = "[\(ip)]:\(port)"
        default: bound = listen
        }
        return WebhookListener(server: server, running: running, address: bound)
    }

    private init(server: HTTPServer, running: Task<Void, Never>, address: String) {
        self.server = server
        self.running = running
        self.address = address
    }

    /// Stops listening; a request being answered gets half a second to finish. By the time the run stops the
    /// listener, every request's alert has been taken, so only its response is left to send.
    package func stop() async {
        await server.stop(timeout: 0.5)
        await running.value
    }

    // MARK: - Requests

    private static func handle(_ request: HTTPRequest, number: Int, watcher: Watcher, ledger: Ledger) async
        -> HTTPResponse
    {
        let place = AlertIdentity(source: "http", request: number)
        let receivedAt = Date()
        let raw: [UInt8]
        do {
            guard let received = try await readBody(request) else {
                let reason = "the body is larger than \(bodyLimit) bytes"
                let error = AlertParseError(.malformed, source: "http request \(number)", reason: reason)
                _ = await watcher.take(.init(place: place, raw: [], parsed: .failure(error)), policy: .refuseWhenFull)
                return json(.payloadTooLarge, body(error: reason))
            }
            raw = received
        } catch {
            return json(.badRequest, body(error: "the body could not be read: \(error)"))
        }
        let parsed: Result<FalcoAlert, AlertParseError>
        if raw.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }) {
            parsed = .failure(AlertParseError(.noAlert, source: "http request \(number)", reason: "the body is empty"))
        } else {
            parsed = StreamIntake.parse(raw, source: "http request \(number)", line: 1)
        }
        let admission = await watcher.take(
            .init(place: place, raw: raw, parsed: parsed, receivedAt: receivedAt), policy: .refuseWhenFull)
        switch admission {
        case .queued, .merged:
            // 200 means ours now: wait until the journal holds it.
            await ledger.flush()
            return json(.ok, body(status: admission == .queued ? "queued" : "merged"))
        case .skipped(let reason):
            return json(.ok, body(status: "skipped", reason: reason))
        case .invalid(let reason):
            return json(.badRequest, body(error: reason))
        case .full:
            return json(
                .serviceUnavailable, body(error: "the investigation queue is full; send it again later"),
                headers: [HTTPHeader("Retry-After"): "5"])
        case .stopping:
            return json(.serviceUnavailable, body(error: "watch is stopping"))
        }
    }

    /// The body, or `nil` when it is larger than ``bodyLimit`` (what is left of it is drained by the server).
    private static func readBody(_ request: HTTPRequest) async throws -> [UInt8]? {
        if let declared = request.bodySequence.count, declared > bodyLimit { return nil }
        var bytes: [UInt8] = []
        for try await chunk in request.bodySequence {
            guard bytes.count + chunk.count <= bodyLimit else { return nil }
            bytes.append(contentsOf: chunk)
        }
        return bytes
    }

    private static func json(_ status: HTTPStatusCode, _ body: Data, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers[.contentType] = "application/json"
        return HTTPResponse(statusCode: status, headers: headers, body: body)
    }

    private static func body(status: String, reason: String? = nil) -> Data {
        var members = [FieldMember(name: "status", value: .string(status))]
        if let reason { members.append(FieldMember(name: "reason", value: .string(reason))) }
        return Data((FieldValue.object(members).jsonText(sortedKeys: true) + "\n").utf8)
    }

    private static func body(error: String) -> Data {
        Data((FieldValue.object([FieldMember(name: "error", value: .string(error))]).jsonText() + "\n").utf8)
    }
}

/// `HOST:PORT` for `--listen`: a numeric IPv4 address, `[IPv6]`, or `localhost` (127.0.0.1).
package enum ListenAddress {
    package static func parse(_ text: String) throws(WatchError) -> (host: String, port: UInt16) {
        guard let colon = text.lastIndex(of: ":") else { throw .badListenAddress(text, reason: "no port") }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard let port = UInt16(portText) else { throw .badListenAddress(text, reason: "the port is not 0-65535") }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { host = "127.0.0.1" }
        guard !host.isEmpty else { throw .badListenAddress(text, reason: "no host") }
        return (host, port)
    }
}

/// Numbers requests in the order they arrive.
private final class RequestCounter: @unchecked Sendable {
    // @unchecked: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}

/// The reason the server stopped, set from its task.
private final class Failure: @unchecked Sendable {
    // @unchecked: `reason` is only touched under `lock`.
    private let lock = NSLock()
    private var reason: String?

    func set(_ text: String) {
        lock.lock()
        reason = text
        lock.unlock()
    }

    var value: String? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }
}
