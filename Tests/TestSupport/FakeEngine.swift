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
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        try? FileManager.default.removeItem(at: folder)
    }

    private func acceptLoop() {
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
            }
        }
    }

    private func headerBlock(_ status: Int, _ headers: [String: String]) -> Data {
        var text = "HTTP/1.1 \(status) Fake\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        return Data((text + "\r\n").utf8)
    }

    private func write(_ connection: Int32, _ data: Data) -> Bool {
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
