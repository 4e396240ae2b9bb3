import DockerEngine
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A scripted HTTP server on a Unix socket, for what no real engine does on demand: hostile or
/// broken answers, hangs, endless bodies. Real behaviour is tested against the lab engines.
package final class FakeEngine: @unchecked Sendable {
    // @unchecked: `requests` is guarded by `lock`; the rest is set once before the accept thread starts.

    /// How to answer one request.
    package enum Reply: Sendable {
        /// A complete HTTP answer.
        case respond(status: Int, headers: [String: String], body: Data)
        /// Headers, then `count` bytes produced in chunks of `chunk`, without holding them.
        case stream(status: Int, headers: [String: String], count: Int, chunk: Int)
        /// Accept and never answer.
        case hang
        /// Close the connection without a word.
        case close
        /// Headers, then `bytes`, then silence.
        case stall(status: Int, headers: [String: String], bytes: Data)
        /// Hands the connection to `script`, then closes it: for what no other case gives (a body that
        /// trickles, a length that lies, bytes that are not HTTP at all).
        case script(@Sendable (Connection) -> Void)

        /// Headers, then `byte` once every `interval` seconds until the client gives up: a slowloris body.
        package static func trickle(
            status: Int = 200, headers: [String: String] = [:], byte: UInt8 = UInt8(ascii: "x"), every interval: Double
        ) -> Reply {
            .script { connection in
                guard connection.writeHead(status: status, headers: headers) else { return }
                while connection.write(Data([byte])) {
                    Thread.sleep(forTimeInterval: interval)
                }
            }
        }
    }

    /// One client connection, as a `.script` reply sees it.
    package struct Connection: Sendable {
        let descriptor: Int32
        /// The request line being answered.
        package let requestLine: String

        /// Whether the request is a `HEAD` (its answer has no body).
        package var isHead: Bool { requestLine.hasPrefix("HEAD ") }

        /// Writes `data` as is; false once the client has gone.
        @discardableResult
        package func write(_ data: Data) -> Bool { FakeEngine.send(descriptor, data) }

        /// Writes a status line and headers (no `Content-Length` is added).
        @discardableResult
        package func writeHead(status: Int, headers: [String: String]) -> Bool {
            write(FakeEngine.headerBlock(status, headers))
        }

        /// Returns when the client closes its end (or `seconds` pass).
        package func waitForClose(atMost seconds: Double = 60) {
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var scratch = [UInt8](repeating: 0, count: 4096)
            while read(descriptor, &scratch, scratch.count) > 0 {}
        }
    }

    package let socketPath: String
    private let folder: URL
    private let handler: @Sendable (String) -> Reply
    private let listener: Int32
    private let lock = NSLock()
    private var requestLines: [String] = []
    private var stopped = false

    /// Starts listening at once; `handler` gets each request line (`GET /v1.41/_ping HTTP/1.1`).
    package init(_ handler: @escaping @Sendable (String) -> Reply) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("fake-engine-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        socketPath = folder.appendingPathComponent("engine.sock").path
        self.handler = handler
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(socketPath.utf8.prefix(raw.count - 1))
            raw.copyBytes(from: bytes + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    deinit { stop() }

    /// The request lines received so far.
    package var requests: [String] {
        lock.lock()
        defer { lock.unlock() }
        return requestLines
    }

    package func stop() {
        lock.lock()
        let wasStopped = stopped
        stopped = true
        lock.unlock()
        guard !wasStopped else { return }
        // Only wake the accept thread here; it closes the descriptor itself once it has stopped
        // accepting. Closing it here would let the number be reused by another test's listener
        // while this thread is about to call accept() on it, and serve that test's clients.
        shutdown(listener, Int32(SHUT_RDWR))
        try? FileManager.default.removeItem(at: folder)
    }

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            if connection < 0 { return }
            let thread = Thread { [self] in serve(connection) }
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        defer { close(connection) }
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            // Read one request head; bodies never come (GET/HEAD only).
            while !buffer.containsHeaderEnd {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer += chunk[0..<count]
            }
            guard let end = buffer.headerEnd else { return }
            let head = String(decoding: buffer[0..<end], as: UTF8.self)
            buffer.removeFirst(end + 4)
            let line = head.split(separator: "\r\n").first.map(String.init) ?? ""
            lock.lock()
            requestLines.append(line)
            lock.unlock()
            let isHead = line.hasPrefix("HEAD ")
            switch handler(line) {
            case .respond(let status, let headers, let body):
                var all = headers
                all["Content-Length"] = String(body.count)
                guard write(connection, headerBlock(status, all)), isHead || write(connection, body) else { return }
            case .stream(let status, let headers, let count, let size):
                var all = headers
                all["Content-Length"] = String(count)
                guard write(connection, headerBlock(status, all)) else { return }
                let piece = Data(repeating: UInt8(ascii: "x"), count: size)
                var left = count
                while left > 0 {
                    let next = min(left, size)
                    guard write(connection, piece.prefix(next)) else { return }
                    left -= next
                }
            case .hang:
                while read(connection, &chunk, chunk.count) > 0 {}
                return
            case .close:
                return
            case .stall(let status, let headers, let bytes):
                _ = write(connection, headerBlock(status, headers))
                _ = write(connection, bytes)
                while read(connection, &chunk, chunk.count) > 0 {}
                return
            case .script(let script):
                script(Connection(descriptor: connection, requestLine: line))
                return
            }
        }
    }

    private func headerBlock(_ status: Int, _ headers: [String: String]) -> Data {
        Self.headerBlock(status, headers)
    }

    private func write(_ connection: Int32, _ data: Data) -> Bool {
        Self.send(connection, data)
    }

    private static func headerBlock(_ status: Int, _ headers: [String: String]) -> Data {
        var text = "HTTP/1.1 \(status) Fake\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        return Data((text + "\r\n").utf8)
    }

    private static func send(_ connection: Int32, _ data: Data) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.send(connection, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if written <= 0 { return false }
                offset += written
            }
            return true
        }
    }
}

extension [UInt8] {
    fileprivate var headerEnd: Int? {
        guard count >= 4 else { return nil }
        for index in 0...(count - 4) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return index
        }
        return nil
    }
    fileprivate var containsHeaderEnd: Bool { headerEnd != nil }
}

extension FakeEngine {
    /// A fake engine that answers like the engine of a recording (`Fixtures/recordings/<name>`), exchange
    /// for exchange, unless `override` has another answer for a request line. Requests the recording
    /// lacks get a 404 naming them, as an engine would answer an unknown path.
    ///
    /// Serving a recording over a real socket puts every hostile variation of one real investigation
    /// through the whole client: libcurl, the decoders, the investigation and the command line.
    package static func replaying(
        _ folder: URL, override: @escaping @Sendable (_ method: String, _ target: String) -> Reply? = { _, _ in nil }
    ) throws -> FakeEngine {
        let recording = try JSONDecoder().decode(
            Recording.self, from: Data(contentsOf: folder.appendingPathComponent(Recording.indexName)))
        var answers: [String: Reply] = [:]
        for exchange in recording.exchanges where exchange.occurrence == 1 {
            let body = try exchange.body.map { try Data(contentsOf: folder.appendingPathComponent($0)) } ?? Data()
            answers[exchange.method + " " + exchange.target] = .respond(
                status: exchange.status, headers: exchange.headers, body: body)
        }
        let recorded = answers
        return try FakeEngine { line in
            let parts = line.split(separator: " ")
            guard parts.count >= 2 else { return .close }
            let method = String(parts[0])
            let target = String(parts[1])
            if let reply = override(method, target) { return reply }
            return recorded[method + " " + target]
                ?? .respond(
                    status: 404, headers: ["Content-Type": "application/json"],
                    body: Data(#"{"message":"page not found: \#(method) \#(target)"}"#.utf8))
        }
    }
}

extension FakeEngine {
    /// A fake engine that passes every request on to the engine at `upstream` (one request per
    /// connection, its answer relayed byte for byte) and keeps the request lines: what really reached
    /// the engine's socket, whatever the tool itself believes it sent.
    package static func forwarding(to upstream: String) throws -> FakeEngine {
        try FakeEngine { line in
            .script { connection in
                let engine = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
                guard engine >= 0 else { return }
                defer { close(engine) }
                var address = sockaddr_un()
                address.sun_family = sa_family_t(AF_UNIX)
                withUnsafeMutableBytes(of: &address.sun_path) { raw in
                    raw.copyBytes(from: Array(upstream.utf8.prefix(raw.count - 1)) + [0])
                }
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        connect(engine, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
                guard connected == 0 else { return }
                // The request line as received; the headers the engine needs, and no keep-alive.
                let request =
                    line + "\r\nHost: docker\r\nUser-Agent: alert-inspect-test-proxy\r\nConnection: close\r\n\r\n"
                guard FakeEngine.send(engine, Data(request.utf8)) else { return }
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let count = read(engine, &buffer, buffer.count)
                    if count <= 0 { return }
                    guard connection.write(Data(buffer[0..<count])) else { return }
                }
            }
        }
    }
}

extension FakeEngine.Reply {
    /// An archive answer that sends `header` (a tar header claiming a huge member), then 256 MiB of
    /// filler as fast as the client reads it: for tests of caps and bounded memory.
    package static func endlessArchive(header: Data, headers: [String: String]) -> FakeEngine.Reply {
        .script { connection in
            connection.writeHead(status: 200, headers: headers)
            guard connection.write(header) else { return }
            let piece = Data(repeating: 0x41, count: 1 << 20)
            for _ in 0..<256 where connection.write(piece) {}
        }
    }
}

extension FakeEngine {
    /// The engine's address as `--host` and `DOCKER_HOST` take it.
    package var address: String { "unix://" + socketPath }

    /// The read-only audit: every request line received that is neither a `GET` nor a `HEAD` (none, ever).
    package var nonReadRequests: [String] {
        requests.filter { !($0.hasPrefix("GET ") || $0.hasPrefix("HEAD ")) }
    }
}
