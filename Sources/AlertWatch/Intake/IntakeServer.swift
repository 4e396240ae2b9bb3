import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The HTTP/1.1 server under ``WebhookListener``: one thread, non-blocking sockets and `poll`, written for
/// an endpoint that may face the network. What it guarantees, whoever connects:
///
/// - **Bounded connections**: at most ``Limits/maxConnections``; when full, the connection idle the longest
///   (no request under way) is closed to make room, and when none is idle new ones wait in the kernel's
///   backlog. An `accept` failure (`EMFILE`, `ENFILE`, `ENOBUFS`) pauses accepting briefly; it never ends the
///   server.
/// - **Deadlines**: a request's line and headers must arrive within ``Limits/headerSeconds`` of the
///   connection's start (or of the previous answer), its body within ``Limits/bodySeconds`` after them, and an
///   answer must be taken by the client within ``Limits/bodySeconds``. Past one, the connection is closed.
/// - **Bounded reads**: headers at most ``Limits/maxHeaderBytes``; a body longer than ``Limits/maxBodyBytes``
///   is refused from its `Content-Length` before it is read (`413`, connection closed, nothing drained); a
///   body must have a `Content-Length` (`411` otherwise).
/// - **Authentication before the body**: with a token, `Authorization: Bearer <token>` is compared in
///   constant time once the headers are in; a request without it gets `401` and its connection is closed.
/// - **Bounded keep-alive**: at most ``Limits/maxRequestsPerConnection`` requests per connection.
///
/// If the server cannot go on (`poll` fails, the listening socket breaks), it closes everything and tells
/// ``onStop`` why, once: a caller never goes on believing it listens.
final class IntakeServer: @unchecked Sendable {
    // @unchecked: `completed`, `stopping`, `stopDeadline` and `counters` are only touched under `lock`;
    // `connections` and the descriptors belong to the server thread.

    struct Limits: Sendable {
        var maxConnections = 256
        var headerSeconds = 10.0
        var bodySeconds = 30.0
        var maxHeaderBytes = 16 << 10
        var maxBodyBytes = 1 << 20
        var maxRequestsPerConnection = 100
        /// How long accepting pauses after `accept` runs out of descriptors or memory.
        var acceptPauseSeconds = 0.1

        init() {}
    }

    /// One request whose headers (and, unless too large, body) have arrived.
    struct Request: Sendable {
        var method: String
        /// The path, without a query.
        var path: String
        /// Lowercased names.
        var headers: [String: String]
        /// The body; `nil` when its declared length is past the limit (it was not read).
        var body: [UInt8]?
        /// `HTTP/1.0` or `HTTP/1.1`.
        var version: String
    }

    struct Response: Sendable {
        var status: Int
        var headers: [(String, String)] = []
        var body: [UInt8] = []

        init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
            self.status = status
            self.headers = headers
            self.body = body
        }
    }

    /// What happened to connections and requests, for the closing line and tests.
    struct Counters: Sendable, Hashable {
        var connections = 0
        var requests = 0
        var unauthorized = 0
        /// Closed for missing a header, body or write deadline.
        var timedOut = 0
        /// Closed while idle to make room for a new connection.
        var evicted = 0
        /// `accept` failed for want of descriptors or memory (accepting paused, then resumed).
        var acceptFailures = 0
        var open = 0
    }

    typealias Handler = @Sendable (Request) async -> Response

    let limits: Limits
    private let token: [UInt8]?
    private let handler: Handler
    private let onStop: @Sendable (String?) -> Void
    private let listener: Int32
    private let wake: (read: Int32, write: Int32)
    private let lock = NSLock()
    private var completed: [(Int, Response)] = []
    private var stopping = false
    private var stopDeadline: Date?
    private var counters = Counters()
    private let finished = DispatchSemaphore(value: 0)
    private var connections: [Int: Connection] = [:]
    private var nextConnection = 0
    private var acceptPausedUntil: Date?

    /// The address bound, `127.0.0.1:40123` or `[::1]:40123`.
    let address: String

    /// Binds `host:port` (numeric) and starts serving on a thread of its own.
    ///
    /// - Parameters:
    ///   - token: when given, every request must carry `Authorization: Bearer <token>`.
    ///   - onStop: called once when the server ends: `nil` after ``stop()``, else why it could not go on.
    /// - Throws: a reason when the address cannot be bound.
    init(
        host: String, port: UInt16, token: [UInt8]?, limits: Limits, handler: @escaping Handler,
        onStop: @escaping @Sendable (String?) -> Void
    ) throws(IntakeServerError) {
        self.limits = limits
        self.token = token
        self.handler = handler
        self.onStop = onStop
        let (descriptor, bound) = try Self.listen(host: host, port: port)
        listener = descriptor
        address = bound
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            _ = close(descriptor)
            throw IntakeServerError("cannot make a pipe: \(String(cString: strerror(errno)))")
        }
        for end in pipeEnds { Self.makeNonBlocking(end) }
        wake = (pipeEnds[0], pipeEnds[1])
        let thread = Thread { [self] in serve() }
        thread.name = "alert-inspect watch listener"
        thread.start()
    }

    deinit {
        _ = close(wake.read)
        _ = close(wake.write)
    }

    var statistics: Counters {
        lock.lock()
        defer { lock.unlock() }
        return counters
    }

    /// Stops accepting, gives answers under way `grace` seconds, closes everything and waits for the thread.
    func stop(grace: Double = 0.5) {
        lock.lock()
        if !stopping {
            stopping = true
            stopDeadline = Date().addingTimeInterval(grace)
        }
        lock.unlock()
        poke()
        finished.wait()
        finished.signal()
    }

    // MARK: - The loop

    private enum Phase {
        /// Reading a request line and headers.
        case headers
        /// Reading `remaining` more bytes of the body.
        case body(Request, remaining: Int)
        /// The handler has the request.
        case handling
        /// Writing the answer; then close, or read the next request.
        case writing(closeAfter: Bool)
        /// Answered and shut for writing: what the client still sends is read and dropped (a little, briefly)
        /// before the close, so the close does not reset the connection and lose the answer on its way.
        case lingering(left: Int)
    }

    private final class Connection {
        let descriptor: Int32
        var phase = Phase.headers
        var input: [UInt8] = []
        var output: [UInt8] = []
        var written = 0
        var requests = 0
        /// When the current phase must be over.
        var deadline: Date
        /// When it last became idle (between requests), for choosing whom to evict.
        var idleSince: Date

        init(descriptor: Int32, deadline: Date) {
            self.descriptor = descriptor
            self.deadline = deadline
            self.idleSince = Date()
        }

        var isIdle: Bool {
            if case .headers = phase { return input.isEmpty }
            return false
        }
    }

    private func serve() {
        let reason = loop()
        for connection in connections.values { _ = close(connection.descriptor) }
        connections.removeAll()
        _ = close(listener)
        lock.lock()
        counters.open = 0
        lock.unlock()
        onStop(reason)
        finished.signal()
    }

    /// Runs until stopped (`nil`) or until it cannot go on (the reason).
    private func loop() -> String? {
        var descriptors: [pollfd] = []
        var owners: [Int] = []
        while true {
            lock.lock()
            let isStopping = stopping
            let stopAt = stopDeadline
            let answers = completed
            completed.removeAll()
            lock.unlock()
            for (id, response) in answers { respond(id, response) }
            if isStopping {
                let busy = connections.values.contains { if case .headers = $0.phase { return false } else { return true } }
                if !busy || Date() >= (stopAt ?? Date()) { return nil }
            }

            let now = Date()
            for (id, connection) in connections where connection.deadline <= now {
                if case .lingering = connection.phase {} else { count { $0.timedOut += 1 } }
                drop(id)
            }

            descriptors.removeAll(keepingCapacity: true)
            owners.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0))
            owners.append(-1)
            // With every place taken and none idle to give up, new connections wait in the backlog.
            let hasRoom =
                connections.count < limits.maxConnections || connections.values.contains(where: \.isIdle)
            let accepting = !isStopping && hasRoom && (acceptPausedUntil.map { $0 <= now } ?? true)
            if accepting {
                acceptPausedUntil = nil
                descriptors.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
                owners.append(-2)
            }
            var soonest = now.addingTimeInterval(1)
            for (id, connection) in connections {
                var events: Int32 = 0
                switch connection.phase {
                case .headers, .body, .lingering: events = Int32(POLLIN)
                case .writing: events = Int32(POLLOUT)
                case .handling: events = 0
                }
                descriptors.append(pollfd(fd: connection.descriptor, events: Int16(events), revents: 0))
                owners.append(id)
                soonest = min(soonest, connection.deadline)
            }
            if let paused = acceptPausedUntil { soonest = min(soonest, paused) }
            let wait = max(0, Int32((soonest.timeIntervalSince(now) * 1000).rounded(.up)))
            let ready = poll(&descriptors, nfds_t(descriptors.count), isStopping ? min(wait, 20) : wait)
            if ready < 0 {
                if errno == EINTR { continue }
                return "poll failed: \(String(cString: strerror(errno)))"
            }
            for (index, entry) in descriptors.enumerated() where entry.revents != 0 {
                switch owners[index] {
                case -1:
                    var scratch = [UInt8](repeating: 0, count: 256)
                    while read(wake.read, &scratch, scratch.count) > 0 {}
                case -2:
                    if entry.revents & Int16(POLLERR | POLLNVAL | POLLHUP) != 0 {
                        return "the listening socket failed"
                    }
                    if let failure = acceptAll() { return failure }
                default:
                    service(owners[index], revents: entry.revents)
                }
            }
        }
    }

    /// Takes every pending connection there is room for; a reason when accepting cannot go on at all.
    private func acceptAll() -> String? {
        // A few at a time, so connections already taken are read between batches.
        for _ in 0..<32 {
            if connections.count >= limits.maxConnections {
                // Make room by closing the connection idle the longest; with none idle, new ones wait.
                guard let oldest = oldestIdle() else { return nil }
                count { $0.evicted += 1 }
                drop(oldest)
            }
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK: return nil
                case EINTR, ECONNABORTED, EPROTO, EPERM: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    count { $0.acceptFailures += 1 }
                    // Out of descriptors: an idle connection gives its own up; with none, wait a little.
                    if let oldest = oldestIdle() {
                        count { $0.evicted += 1 }
                        drop(oldest)
                        continue
                    }
                    acceptPausedUntil = Date().addingTimeInterval(limits.acceptPauseSeconds)
                    return nil
                default:
                    return "accept failed: \(String(cString: strerror(errno)))"
                }
            }
            Self.makeNonBlocking(descriptor)
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            var on: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            nextConnection += 1
            connections[nextConnection] = Connection(
                descriptor: descriptor, deadline: Date().addingTimeInterval(limits.headerSeconds))
            count {
                $0.connections += 1
                $0.open += 1
            }
        }
        return nil
    }

    /// The connection idle the longest (no request under way), if any.
    private func oldestIdle() -> Int? {
        var oldest: (id: Int, since: Date)?
        for (id, connection) in connections where connection.isIdle {
            if oldest.map({ connection.idleSince < $0.since }) ?? true { oldest = (id, connection.idleSince) }
        }
        return oldest?.id
    }

    private func service(_ id: Int, revents: Int16) {
        guard let connection = connections[id] else { return }
        switch connection.phase {
        case .writing(let closeAfter):
            flush(id, connection, closeAfter: closeAfter)
        case .headers, .body:
            readAvailable(id, connection)
        case .lingering(let left):
            var scratch = [UInt8](repeating: 0, count: 16 << 10)
            let count = read(connection.descriptor, &scratch, scratch.count)
            if count < 0, errno == EAGAIN || errno == EINTR { return }
            if count <= 0 || count >= left { drop(id) } else { connection.phase = .lingering(left: left - count) }
        case .handling:
            // Nothing is read while the handler has the request; a client that went away is noticed on writing.
            if revents & Int16(POLLERR | POLLNVAL) != 0 { drop(id) }
        }
    }

    private func readAvailable(_ id: Int, _ connection: Connection) {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while connections[id] != nil {
            let want: Int
            switch connection.phase {
            case .headers: want = limits.maxHeaderBytes + 1 - connection.input.count
            case .body(_, let remaining): want = remaining - connection.input.count
            default: return
            }
            guard want > 0 else {
                advance(id, connection)
                continue
            }
            let count = chunk.withUnsafeMutableBytes { read(connection.descriptor, $0.baseAddress, min(want, $0.count)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                drop(id)
                return
            }
            if count == 0 {
                drop(id)
                return
            }
            connection.input.append(contentsOf: chunk[0..<count])
            advance(id, connection)
            if case .handling = connection.phase { return }
            if case .writing = connection.phase { return }
        }
    }

    /// Moves a connection on when what it has read completes its headers or its body.
    private func advance(_ id: Int, _ connection: Connection) {
        switch connection.phase {
        case .headers:
            guard let end = Self.endOfHeaders(connection.input) else {
                if connection.input.count > limits.maxHeaderBytes {
                    reply(id, Response(status: 431, body: Self.errorBody("the request headers are too large")), close: true)
                }
                return
            }
            let head = Array(connection.input[..<end.headers])
            connection.input.removeFirst(end.body)
            startRequest(id, connection, head: head)
        case .body(var request, let remaining):
            guard connection.input.count >= remaining else { return }
            request.body = Array(connection.input.prefix(remaining))
            connection.input.removeFirst(remaining)
            dispatch(id, connection, request)
        default:
            return
        }
    }

    private func startRequest(_ id: Int, _ connection: Connection, head: [UInt8]) {
        connection.requests += 1
        count { $0.requests += 1 }
        let lines = String(decoding: head, as: UTF8.self).split(omittingEmptySubsequences: true) {
            $0 == "\r\n" || $0 == "\n" || $0 == "\r"
        }
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            reply(id, Response(status: 400, body: Self.errorBody("not an HTTP/1.1 request")), close: true)
            return
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else {
                reply(id, Response(status: 400, body: Self.errorBody("a malformed header line")), close: true)
                return
            }
            let name = line[..<colon].trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        let target = String(parts[1])
        let path = String(target.prefix { $0 != "?" })
        var request = Request(method: String(parts[0]), path: path, headers: headers, body: [], version: String(parts[2]))

        if let token, !Self.authorized(headers["authorization"], token: token) {
            count { $0.unauthorized += 1 }
            reply(
                id,
                Response(
                    status: 401, headers: [("WWW-Authenticate", "Bearer")],
                    body: Self.errorBody("an Authorization: Bearer token is required")),
                close: true)
            return
        }
        if headers["transfer-encoding"] != nil {
            reply(id, Response(status: 411, body: Self.errorBody("send the body with a Content-Length")), close: true)
            return
        }
        let declared: Int
        if let text = headers["content-length"] {
            guard let value = Int(text), value >= 0 else {
                reply(id, Response(status: 400, body: Self.errorBody("a bad Content-Length")), close: true)
                return
            }
            declared = value
        } else {
            declared = 0
        }
        if declared > limits.maxBodyBytes {
            // Not read, not drained: the answer goes out and the connection is closed.
            request.body = nil
            dispatch(id, connection, request, closeAfter: true)
            return
        }
        if declared > 0, headers["expect"]?.lowercased() == "100-continue" {
            _ = Self.writeAll(connection.descriptor, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
        }
        connection.deadline = Date().addingTimeInterval(limits.bodySeconds)
        connection.phase = .body(request, remaining: declared)
        advance(id, connection)
    }

    private func dispatch(_ id: Int, _ connection: Connection, _ request: Request, closeAfter: Bool = false) {
        connection.phase = .handling
        // The handler may take a while (the queue, the journal): no deadline runs meanwhile.
        connection.deadline = .distantFuture
        let closes =
            closeAfter || connection.requests >= limits.maxRequestsPerConnection
            || request.headers["connection"]?.lowercased() == "close" || request.version == "HTTP/1.0"
        let handler = self.handler
        Task { [self] in
            var response = await handler(request)
            if closes { response.headers.append(("Connection", "close")) }
            finish(id, response)
        }
        pendingClose[id] = closes
    }

    private var pendingClose: [Int: Bool] = [:]

    /// From the handler's task: the answer is ready; the server thread writes it.
    private func finish(_ id: Int, _ response: Response) {
        lock.lock()
        completed.append((id, response))
        lock.unlock()
        poke()
    }

    private func respond(_ id: Int, _ response: Response) {
        let closes = pendingClose.removeValue(forKey: id) ?? true
        guard connections[id] != nil else { return }
        reply(id, response, close: closes)
    }

    /// Queues `response` on the connection and starts writing it.
    private func reply(_ id: Int, _ response: Response, close: Bool) {
        guard let connection = connections[id] else { return }
        var headers = response.headers
        if close, !headers.contains(where: { $0.0 == "Connection" }) { headers.append(("Connection", "close")) }
        var text = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(response.body.count)\r\n\r\n"
        connection.output = Array(text.utf8) + response.body
        connection.written = 0
        connection.input.removeAll()
        connection.phase = .writing(closeAfter: close)
        connection.deadline = Date().addingTimeInterval(limits.bodySeconds)
        flush(id, connection, closeAfter: close)
    }

    private func flush(_ id: Int, _ connection: Connection, closeAfter: Bool) {
        while connection.written < connection.output.count {
            let count = connection.output.withUnsafeBytes {
                write(connection.descriptor, $0.baseAddress! + connection.written, $0.count - connection.written)
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { return }
                drop(id)
                return
            }
            connection.written += count
        }
        if closeAfter {
            shutdown(connection.descriptor, Int32(SHUT_WR))
            connection.phase = .lingering(left: 1 << 20)
            connection.deadline = Date().addingTimeInterval(1)
            return
        }
        connection.output = []
        connection.phase = .headers
        connection.idleSince = Date()
        connection.deadline = Date().addingTimeInterval(limits.headerSeconds)
    }

    private func drop(_ id: Int) {
        guard let connection = connections.removeValue(forKey: id) else { return }
        pendingClose[id] = nil
        _ = close(connection.descriptor)
        count { $0.open -= 1 }
    }

    private func count(_ change: (inout Counters) -> Void) {
        lock.lock()
        change(&counters)
        lock.unlock()
    }

    private func poke() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }
}
