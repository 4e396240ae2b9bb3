import DockerEngine
import FalcoAlerts
import Foundation
import TestSupport
import Testing

@testable import AlertWatch

#if canImport(Glibc)
    import Glibc
#endif

/// `watch --listen` facing whoever can reach it: idle and half-sent connections, missing tokens, endless
/// headers, descriptor exhaustion, a listener that breaks. Authenticated alerts must keep being taken, and
/// nothing may be refused silently.
@Suite(.serialized) struct HostileWebhookTests {
    static let token = "s3cret-token-for-tests-0123456789"
    private let workers = Workers()

    /// Stops the listener, lets queued investigations finish and returns the outcome lines.
    private func end(_ listener: WebhookListener, _ harness: Harness) async throws -> [OutcomeLine] {
        await listener.stop()
        await harness.watcher.endOfInput()
        for task in workers.all { await task.value }
        return try await harness.finish()
    }

    /// A listener on 127.0.0.1 in front of a harness watcher, with short deadlines.
    private func listen(
        _ harness: Harness, token: String? = Self.token, maxConnections: Int = 8, seconds: Double = 0.5,
        requestsPerConnection: Int = 100
    ) async throws -> (WebhookListener, UInt16) {
        workers.add(Task { await harness.watcher.work() })
        var options = WebhookListener.Options(token: token.map { Array($0.utf8) })
        options.maxConnections = maxConnections
        options.headerSeconds = seconds
        options.bodySeconds = seconds
        options.maxRequestsPerConnection = requestsPerConnection
        let listener = try await WebhookListener.start(
            listen: "127.0.0.1:0", options: options, watcher: harness.watcher, ledger: harness.ledger)
        let port = try #require(UInt16(listener.address.split(separator: ":").last ?? ""))
        return (listener, port)
    }

    @Test func `idle, half-sent and endless requests are cut at their deadlines; authenticated alerts get through`()
        async throws
    {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let harness = try Harness(scratch)
        let (listener, port) = try await listen(harness, maxConnections: 8)
        // Twice as many idle connections as there are places.
        var attackers = (0..<16).compactMap { _ in Client(port: port) }
        // Half a request line; headers and half a body; one header line that never ends.
        let half = try #require(Client(port: port))
        half.send("POST / HTTP/1.1\r\nHost: x\r\nAuthoriz")
        let halfBody = try #require(Client(port: port))
        halfBody.send(Client.head(length: 1000, token: Self.token) + "{\"rule\":")
        let endless = try #require(Client(port: port))
        endless.send("POST / HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 32 << 10))
        attackers += [half, halfBody, endless]

        // Generous: under a full parallel test run the shared pool the handler needs may be busy for a while.
        let answer = try await #require(Client(port: port)).post(
            alertLine(uuid: "0b0e8a6c-0000-4000-8000-00000000aaaa"), token: Self.token, timeout: 120)
        #expect(answer?.status == 200, "\(String(describing: answer))")
        #expect(await endless.receive(timeout: 5)?.status == 431)
        // Every stalled connection is closed by the server within its deadlines.
        for client in [half, halfBody] { #expect(await client.waitForClose(timeout: 5), "a half-sent request stayed open") }
        let counters = listener.statistics
        #expect(counters.open <= 8)
        #expect(counters.evicted + counters.timedOut >= 8, "\(counters)")
        for client in attackers { client.close() }
        let outcomes = try await end(listener, harness)
        #expect(outcomes.map(\.alert.uuid) == ["0b0e8a6c-0000-4000-8000-00000000aaaa"])
    }

    @Test func `without the bearer token nothing is read or taken; a non-loopback address needs a token`() async throws
    {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let harness = try Harness(scratch)
        let (listener, port) = try await listen(harness)
        let alert = alertLine(uuid: "0b0e8a6c-0000-4000-8000-00000000bbbb")
        #expect(try await #require(Client(port: port)).post(alert, token: nil)?.status == 401)
        #expect(try await #require(Client(port: port)).post(alert, token: "wrong")?.status == 401)
        #expect(try await #require(Client(port: port)).post(alert, token: Self.token + "x")?.status == 401)
        #expect(try await #require(Client(port: port)).post(alert, token: String(Self.token.dropLast()))?.status == 401)
        #expect(try await #require(Client(port: port)).post(alert, token: Self.token)?.status == 200)
        #expect(listener.statistics.unauthorized == 4)
        let outcomes = try await end(listener, harness)
        #expect(outcomes.count == 1, "a refused request reached the watcher: \(outcomes)")

        for address in ["0.0.0.0:0", "[::]:0", "192.0.2.1:0"] {
            await #expect(throws: WatchError.self) {
                _ = try await WebhookListener.start(listen: address, watcher: harness.watcher, ledger: harness.ledger)
            }
        }
        #expect(ListenAddress.isLoopback("127.0.0.1") && ListenAddress.isLoopback("127.9.9.9"))
        #expect(ListenAddress.isLoopback("::1") && ListenAddress.isLoopback("::ffff:127.0.0.1"))
        #expect(!ListenAddress.isLoopback("0.0.0.0") && !ListenAddress.isLoopback("::") && !ListenAddress.isLoopback("10.0.0.1"))
    }

    @Test func `the token is compared whole, in time that does not depend on where it differs`() {
        let token = Array(Self.token.utf8)
        #expect(IntakeServer.authorized("Bearer " + Self.token, token: token))
        for wrong in [nil, "", "Bearer", "Bearer ", "bearer " + Self.token, "Bearer " + Self.token + " ",
            "Basic " + Self.token, "Bearer " + String(Self.token.dropFirst())]
        {
            #expect(!IntakeServer.authorized(wrong, token: token), "\(String(describing: wrong))")
        }
    }

    @Test func `a token file needs 16 printable bytes`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Data((Self.token + "\n").utf8).write(to: scratch.url.appendingPathComponent("good"))
        try Data("short\n".utf8).write(to: scratch.url.appendingPathComponent("short"))
        try Data("two words in one token\n".utf8).write(to: scratch.url.appendingPathComponent("spaces"))
        #expect(try ListenAddress.token(fromFile: scratch.path("good")) == Array(Self.token.utf8))
        for bad in ["short", "spaces", "missing"] {
            #expect(throws: WatchError.self) { try ListenAddress.token(fromFile: scratch.path(bad)) }
        }
    }

    @Test func `a connection serves a limited number of requests, then is closed`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let harness = try Harness(scratch)
        let (listener, port) = try await listen(harness, seconds: 5, requestsPerConnection: 3)
        let client = try #require(Client(port: port))
        for index in 1...3 {
            let answer = await client.post(
                alertLine(container: "c\(index)c\(index)c\(index)c\(index)"), token: Self.token, keepOpen: true)
            #expect(answer?.status == 200)
            #expect((answer?.head.lowercased().contains("connection: close") ?? false) == (index == 3))
        }
        #expect(await client.waitForClose(timeout: 5))
        client.close()
        _ = try await end(listener, harness)
    }

    @Test func `a body past 1 MiB is refused from its length, unread, and the answer arrives`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let harness = try Harness(scratch)
        let (listener, port) = try await listen(harness, seconds: 5)
        let client = try #require(Client(port: port))
        client.send(Client.head(length: 64 << 20, token: Self.token))
        client.send(String(repeating: " ", count: 256 << 10))
        #expect(await client.receive(timeout: 5)?.status == 413)
        client.close()
        let outcomes = try await end(listener, harness)
        #expect(outcomes.count == 1 && outcomes.first?.action == "skipped")
    }

    @Test func `a listener that breaks ends the run with the reason and a failure, nothing refused silently`()
        async throws
    {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let notices = Notices()
        let configuration = WatchConfiguration(
            input: nil, listen: "127.0.0.1:0", journal: scratch.path("journal.jsonl"),
            watcher: .init(output: scratch.url.appendingPathComponent("out")))
        let run = Task {
            try await WatchService.run(configuration, investigator: FakeInvestigator()) { notices.add($0) }
        }
        var port: UInt16?
        for _ in 0..<200 where port == nil {
            try await Task.sleep(for: .milliseconds(25))
            port = notices.port
        }
        let listening = try #require(port, "\(notices.lines)")
        // Someone breaks the listening socket (as a failing accept would end a server's loop).
        let socket = try #require(Self.listeningSocket(port: listening))
        #expect(shutdown(socket, Int32(SHUT_RDWR)) == 0)
        let result = await withTaskGroup(of: Result<WatchSummary, any Error>?.self) { group in
            group.addTask { await run.result }
            group.addTask {
                try? await Task.sleep(for: .seconds(20))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard case .failure(let error)? = result else {
            Issue.record("the run went on or ended as if nothing happened: \(String(describing: result))")
            run.cancel()
            return
        }
        guard case WatchError.listenerFailed(let address, _)? = error as? WatchError else {
            Issue.record("not a listener failure: \(error)")
            return
        }
        #expect(address.hasSuffix(":\(listening)"))
        #expect(notices.lines.contains { $0.contains("listener on 127.0.0.1:0 stopped") }, "\(notices.lines)")
    }

    @Test func `out of descriptors, watch keeps taking authenticated alerts: idle connections give theirs up`()
        async throws
    {
        try #require(FileManager.default.isExecutableFile(atPath: Tool.binary.path), "build the tool first")
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Data(Self.token.utf8).write(to: scratch.url.appendingPathComponent("token"))
        // 64 descriptors: a few hundred idle connections are far more than the process may hold.
        let child = try ChildProcess(
            [
                "/bin/sh", "-c", #"ulimit -n 64 && exec "$0" "$@""#, Tool.binary.path, "watch", "--listen",
                "127.0.0.1:0", "--token-file", scratch.path("token"), "--out", scratch.path("out"), "--host",
                "unix://" + scratch.path("none.sock"), "--max-connections", "1000",
            ], environment: ProcessInfo.processInfo.environment)
        var port: UInt16?
        for _ in 0..<400 where port == nil && child.isRunning {
            try await Task.sleep(for: .milliseconds(25))
            let notices = Notices()
            notices.add(child.stderrSoFar)
            port = notices.port
        }
        let listening = try #require(port, "\(child.stderrSoFar)")
        let idle = (0..<300).compactMap { _ in Client(port: listening) }
        #expect(idle.count > 100)
        try await Task.sleep(for: .milliseconds(300))
        for index in 1...3 {
            // Out of descriptors, the server makes room by closing connections, and under load one may be ours
            // before its request is read: a sender tries again on a new connection, a few times at most. A dead
            // listener (the bug this guards) refuses every one of them.
            var answer: Client.Answer?
            for _ in 0..<5 where answer == nil {
                answer = await Client(port: listening)?.post(
                    alertLine(container: "d\(index)d\(index)d\(index)d\(index)"), token: Self.token, timeout: 15)
            }
            #expect(answer?.status == 200, "alert \(index): \(String(describing: answer)); \(child.stderrSoFar)")
        }
        for client in idle { client.close() }
        kill(child.pid, SIGTERM)
        let run = child.finish(within: 30)
        #expect(run.status == 0 && run.signal == nil, "\(run)")
        #expect(!run.stderr.contains("stopped:"), "\(run.stderr)")
    }

    /// The listening TCP socket of this process bound to `port`.
    static func listeningSocket(port: UInt16) -> Int32? {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? [] {
            guard let descriptor = Int32(name) else { continue }
            var accepting: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &size) == 0, accepting == 1 else {
                continue
            }
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            if named == 0, UInt16(bigEndian: address.sin_port) == port { return descriptor }
        }
        return nil
    }
}

/// The worker tasks a test started.
final class Workers: @unchecked Sendable {
    // @unchecked: `tasks` is only touched under `lock`.
    private let lock = NSLock()
    private var tasks: [Task<Void, Never>] = []

    func add(_ task: Task<Void, Never>) {
        lock.lock()
        tasks.append(task)
        lock.unlock()
    }

    var all: [Task<Void, Never>] {
        lock.lock()
        defer { lock.unlock() }
        return tasks
    }
}

/// The notices a run writes on stderr, and the port it says it listens on.
final class Notices: @unchecked Sendable {
    // @unchecked: `all` is only touched under `lock`.
    private let lock = NSLock()
    private var all: [String] = []

    func add(_ line: String) {
        lock.lock()
        all.append(line)
        lock.unlock()
    }

    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return all
    }

    var port: UInt16? {
        for line in lines {
            guard let range = line.range(of: "listening on http://127.0.0.1:") else { continue }
            return UInt16(line[range.upperBound...].prefix { $0.isNumber })
        }
        return nil
    }
}

/// A blocking loopback HTTP client with time limits, written byte by byte so tests can misbehave.
final class Client: @unchecked Sendable {
    // @unchecked: used by one test at a time.
    private var descriptor: Int32

    struct Answer: Sendable, CustomStringConvertible {
        var status: Int
        var head: String
        var body: String
        var description: String { "\(status) \(body)" }
    }

    init?(port: UInt16) {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return nil }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(descriptor)
            return nil
        }
    }

    deinit { close() }

    // The blocking calls below run on a thread of their own when awaited: a test that blocked a thread of
    // Swift's small shared pool while the server's handler waits for one could starve it.

    func post(_ body: String, token: String?, keepOpen: Bool = false, timeout: Double = 60) async -> Answer? {
        (try? await BlockingWork.run { self.post(body, token: token, keepOpen: keepOpen, timeout: timeout) }) ?? nil
    }

    func receive(timeout: Double) async -> Answer? {
        (try? await BlockingWork.run { self.receive(timeout: timeout) }) ?? nil
    }

    func waitForClose(timeout: Double) async -> Bool {
        (try? await BlockingWork.run { self.waitForClose(timeout: timeout) }) ?? false
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }

    static func head(length: Int, token: String?) -> String {
        var text = "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: \(length)\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        return text + "\r\n"
    }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    /// POSTs `body` and reads the answer; closes the connection unless `keepOpen`.
    func post(_ body: String, token: String?, keepOpen: Bool = false, timeout: Double = 10) -> Answer? {
        send(Self.head(length: body.utf8.count, token: token) + body)
        defer { if !keepOpen { close() } }
        return receive(timeout: timeout)
    }

    /// One answer: its head, then `Content-Length` bytes of body.
    func receive(timeout: Double) -> Answer? {
        let deadline = Date().addingTimeInterval(timeout)
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            if let end = Self.find(Array("\r\n\r\n".utf8), in: buffer) {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if buffer.count >= end + 4 + length {
                    let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                    let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    return Answer(status: status, head: head, body: body)
                }
            }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) >= 0 else { return nil }
            if entry.revents == 0 { continue }
            let count = read(descriptor, &chunk, chunk.count)
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
        return nil
    }

    /// Whether the server closed the connection within `timeout` seconds (what it sends is read and dropped).
    func waitForClose(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while Date() < deadline {
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) >= 0 else { return false }
            if entry.revents == 0 { continue }
            if read(descriptor, &chunk, chunk.count) <= 0 { return true }
        }
        return false
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<index + needle.count]) == needle {
            return index
        }
        return nil
    }
}
