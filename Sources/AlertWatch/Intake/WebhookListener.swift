import FalcoAlerts
import Foundation

/// `--listen HOST:PORT`: takes alerts the way falcosidekick's webhook output (and Falco's own `http_output`)
/// sends them, one JSON alert per `POST /`.
///
/// Answers `200` once the alert is safely queued or merged (its journal record, if any, is on disk), or read and
/// skipped (a host event, filtered); `400` with the reason when the body is not an alert; `413` past 1 MiB;
/// `503` when a new investigation is needed and the queue is full, or the run is stopping (falcosidekick
/// counts it as an error and the alert can be sent again); `401` without the `--token-file` token. Every
/// request that reaches `POST /` gets an outcome line, refused ones included.
///
/// The server is ``IntakeServer``, ours, on sockets and `poll`: the endpoint may face the network, and it must
/// keep a connection limit, header and body deadlines and authentication before the body, and must go on
/// when `accept` runs out of descriptors. If it stops anyway, ``failure`` says why and the run is told.
package final class WebhookListener: Sendable {
    private let server: IntakeServer
    private let stopped: Failure
    /// The address actually listened on (`127.0.0.1:40123` for `127.0.0.1:0`).
    package let address: String

    /// The most bytes of one body: the same limit as one line of a stream.
    package static let bodyLimit = AlertReader.maximumLineLength

    /// How the endpoint protects itself.
    package struct Options: Sendable {
        /// `--token-file`'s token: every request must carry `Authorization: Bearer <token>`.
        package var token: [UInt8]?
        package var maxConnections = 256
        package var headerSeconds = 10.0
        package var bodySeconds = 30.0
        package var maxRequestsPerConnection = 100

        package init(token: [UInt8]? = nil) { self.token = token }
    }

    /// Binds and starts serving; returns once listening.
    ///
    /// - Parameter onFailure: told once, from the server's thread, why it stopped when it was not asked to.
    /// - Throws: ``WatchError/badListenAddress(_:reason:)`` (a non-loopback address without a token too) or
    ///   ``WatchError/cannotListen(address:reason:)``.
    package static func start(
        listen: String, options: Options = Options(), watcher: Watcher, ledger: Ledger,
        onFailure: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(WatchError) -> WebhookListener {
        let (host, port) = try ListenAddress.parse(listen)
        if options.token == nil, !ListenAddress.isLoopback(host) {
            throw .badListenAddress(
                listen, reason: "\(host) is not a loopback address: give --token-file so that only your sender is heard")
        }
        var limits = IntakeServer.Limits()
        limits.maxConnections = min(options.maxConnections, connectionRoom())
        limits.headerSeconds = options.headerSeconds
        limits.bodySeconds = options.bodySeconds
        limits.maxRequestsPerConnection = options.maxRequestsPerConnection
        limits.maxBodyBytes = bodyLimit
        let requests = RequestCounter()
        let stopped = Failure()
        let server: IntakeServer
        do {
            server = try IntakeServer(
                host: host, port: port, token: options.token, limits: limits,
                handler: { request in
                    await route(request, requests: requests, watcher: watcher, ledger: ledger)
                },
                onStop: { reason in
                    guard let reason else { return }
                    stopped.set(reason)
                    onFailure(reason)
                })
        } catch {
            throw .cannotListen(address: listen, reason: error.description)
        }
        return WebhookListener(server: server, stopped: stopped, address: server.address)
    }

    /// How many connections the descriptor limit leaves room for, keeping 32 for the journal, bundles and the
    /// engine; the soft limit is raised to the hard one first.
    static func connectionRoom() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 64 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return max(4, Int(min(limit.rlim_cur, 1 << 20)) - 32)
    }

    private init(server: IntakeServer, stopped: Failure, address: String) {
        self.server = server
        self.stopped = stopped
        self.address = address
    }

    /// Why the listener stopped on its own, if it did.
    package var failure: String? { stopped.value }

    /// Connections and requests so far.
    var statistics: IntakeServer.Counters { server.statistics }

    /// Stops listening; a request being answered gets half a second to finish. By the time the run stops the
    /// listener, every request's alert has been taken, so only its response is left to send.
    package func stop() async {
        let server = self.server
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                server.stop(grace: 0.5)
                done.resume()
            }
        }
    }

    // MARK: - Requests

    private static func route(_ request: IntakeServer.Request, requests: RequestCounter, watcher: Watcher, ledger: Ledger)
        async -> IntakeServer.Response
    {
        guard request.path == "/" else { return json(404, body(error: "POST an alert to /")) }
        guard request.method == "POST" else {
            return json(405, body(error: "POST an alert to /"), headers: [("Allow", "POST")])
        }
        return await handle(request.body, number: requests.next(), watcher: watcher, ledger: ledger)
    }

    private static func handle(_ received: [UInt8]?, number: Int, watcher: Watcher, ledger: Ledger) async
        -> IntakeServer.Response
    {
        let place = AlertIdentity(source: "http", request: number)
        let receivedAt = Date()
        guard let raw = received else {
            let reason = "the body is larger than \(bodyLimit) bytes"
            let error = AlertParseError(.malformed, source: "http request \(number)", reason: reason)
            _ = await watcher.take(.init(place: place, raw: [], parsed: .failure(error)), policy: .refuseWhenFull)
            return json(413, body(error: reason))
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
            return json(200, body(status: admission == .queued ? "queued" : "merged"))
        case .skipped(let reason):
            return json(200, body(status: "skipped", reason: reason))
        case .invalid(let reason):
            return json(400, body(error: reason))
        case .full:
            return json(
                503, body(error: "the investigation queue is full; send it again later"), headers: [("Retry-After", "5")])
        case .stopping:
            return json(503, body(error: "watch is stopping"))
        }
    }

    private static func json(_ status: Int, _ body: [UInt8], headers: [(String, String)] = []) -> IntakeServer.Response {
        IntakeServer.Response(status: status, headers: headers + [("Content-Type", "application/json")], body: body)
    }

    private static func body(status: String, reason: String? = nil) -> [UInt8] {
        var members = [FieldMember(name: "status", value: .string(status))]
        if let reason { members.append(FieldMember(name: "reason", value: .string(reason))) }
        return Array((FieldValue.object(members).jsonText(sortedKeys: true) + "\n").utf8)
    }

    private static func body(error: String) -> [UInt8] {
        Array((FieldValue.object([FieldMember(name: "error", value: .string(error))]).jsonText() + "\n").utf8)
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

    /// `127.0.0.0/8` and `::1` (also written `::ffff:127.x.y.z`): reachable from this machine only.
    package static func isLoopback(_ host: String) -> Bool {
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: v6) { Array($0) }
        if bytes == [UInt8](repeating: 0, count: 15) + [1] { return true }
        return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
    }

    /// The token in `--token-file`: its content without surrounding white space; at least 16 bytes, so that
    /// it cannot be guessed in a run's lifetime.
    package static func token(fromFile path: String) throws(WatchError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badToken(path: path, reason: "cannot be read")
        }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count >= 16 else { throw .badToken(path: path, reason: "the token must be at least 16 bytes") }
        guard !text.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 || $0 == 0x7F } == true })
        else { throw .badToken(path: path, reason: "the token must be one word of printable characters") }
        return Array(text.utf8)
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
