import Foundation
import Testing

@testable import DockerEngine
import TestSupport

@Suite struct RequestEncodingTests {
    @Test(arguments: [
        ("web", "/v1.41/containers/web/json"),
        ("../../images/json", "/v1.41/containers/..%2F..%2Fimages%2Fjson/json"),
        ("a?b#c", "/v1.41/containers/a%3Fb%23c/json"),
        ("..", "/v1.41/containers/%2E%2E/json"),
        ("名前 x", "/v1.41/containers/%E5%90%8D%E5%89%8D%20x/json"),
    ])
    func `container references stay one path segment`(reference: String, expected: String) {
        let request = EngineRequest(.get, ["containers", reference, "json"])
        #expect(request.target(apiVersion: "1.41") == expected)
    }

    @Test func `query values are encoded and kept in order`() {
        let request = EngineRequest(.head, ["containers", "c", "archive"], query: [QueryItem("path", "/tmp/a b&c=d")])
        #expect(request.target(apiVersion: "1.52") == "/v1.52/containers/c/archive?path=%2Ftmp%2Fa%20b%26c%3Dd")
    }

    @Test func `ping is unversioned`() {
        #expect(EngineRequest(.get, ["_ping"], isVersioned: false).target(apiVersion: "1.41") == "/_ping")
    }

    @Test(arguments: ["1.41", "1.9", "1.52"])
    func `API versions order numerically`(text: String) throws {
        let version = try #require(APIVersion(parsing: text))
        #expect(version.description == text)
        #expect(APIVersion(1, 9) < APIVersion(1, 41))
    }
}

@Suite struct CurlTransportTests {
    private func transport(_ path: String, timeout: Double = 5) throws -> CurlTransport {
        try CurlTransport(
            endpoint: EngineEndpoint(address: .unix(path: path), source: "test"),
            limits: .init(connect: timeout, request: timeout))
    }

    @Test(arguments: ["POST", "DELETE", "PUT", "PATCH", "get", "CONNECT"])
    func `anything but GET and HEAD is refused before it leaves`(method: String) throws {
        let engine = try FakeEngine { _ in .respond(status: 200, headers: [:], body: Data("OK".utf8)) }
        defer { engine.stop() }
        let request = EngineRequest(HTTPMethod(rawValue: method), ["containers", "x", "kill"])
        #expect(throws: DockerEngineError.methodRefused(HTTPMethod(rawValue: method), request: "/v1.41/containers/x/kill")) {
            try transport(engine.socketPath).send(request, apiVersion: "1.41", head: { _ in }, body: { _ in })
        }
        #expect(engine.requests.isEmpty)
    }

    @Test func `a missing socket is told from a refused one and from permission denied`() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sock-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let missing = folder.appendingPathComponent("none.sock").path
        #expect(throws: DockerEngineError.socketMissing(path: missing)) {
            _ = try EngineClient.connect(transport(missing))
        }

        // A socket file nobody listens on: bound, then the listener closed.
        let engine = try FakeEngine { _ in .close }
        let stale = engine.socketPath
        let kept = folder.appendingPathComponent("stale.sock").path
        try FileManager.default.linkItem(atPath: stale, toPath: kept)
        engine.stop()
        #expect(throws: DockerEngineError.connectionRefused(endpoint: "unix://" + kept)) {
            _ = try EngineClient.connect(transport(kept))
        }
    }

    @Test func `permission denied is told from the saved errno when the socket exists`() throws {
        // As root every socket is reachable, so the decision is tested where it is made.
        let engine = try FakeEngine { _ in .close }
        defer { engine.stop() }
        let error = CurlTransport.socketFailure(
            path: engine.socketPath, osErrno: EACCES, endpoint: engine.address, request: "GET /_ping",
            detail: "")
        #expect(error == .permissionDenied(path: engine.socketPath))
        let refused = CurlTransport.socketFailure(
            path: engine.socketPath, osErrno: ECONNREFUSED, endpoint: engine.address,
            request: "GET /_ping", detail: "")
        #expect(refused == .connectionRefused(endpoint: engine.address))
    }

    @Test func `ping negotiates down to the engine's version and never above ours`() throws {
        let engine = try FakeEngine { line in
            .respond(status: 200, headers: ["Api-Version": line.contains("_ping") ? "1.41" : "9.99"], body: Data("OK".utf8))
        }
        defer { engine.stop() }
        let client = try EngineClient.connect(transport(engine.socketPath))
        #expect(client.apiVersion == APIVersion(1, 41))
        #expect(engine.requests == ["GET /_ping HTTP/1.1"])

        let newer = try FakeEngine { _ in .respond(status: 200, headers: ["Api-Version": "1.99"], body: Data()) }
        defer { newer.stop() }
        #expect(try EngineClient.connect(transport(newer.socketPath)).apiVersion == EngineClient.newestAPIVersion)
    }

    @Test func `an engine too old is refused with its version`() throws {
        let engine = try FakeEngine { _ in .respond(status: 200, headers: ["Api-Version": "1.24"], body: Data("OK".utf8)) }
        defer { engine.stop() }
        #expect(throws: DockerEngineError.unsupportedAPIVersion(engine: "1.24", minimum: "1.40")) {
            _ = try EngineClient.connect(transport(engine.socketPath))
        }
    }

    @Test func `engine errors carry the engine's message and name the container`() throws {
        let engine = try FakeEngine { line in
            if line.contains("_ping") { return .respond(status: 200, headers: ["Api-Version": "1.41"], body: Data()) }
            if line.contains("/containers/ab/") {
                return .respond(status: 400, headers: ["Content-Type": "application/json"],
                                body: Data(#"{"message":"multiple IDs found with provided prefix: ab"}"#.utf8))
            }
            if line.contains("/containers/") {
                return .respond(status: 404, headers: ["Content-Type": "application/json"],
                                body: Data(#"{"message":"No such container: nope"}"#.utf8))
            }
            return .respond(status: 500, headers: [:], body: Data(#"{"message":"boom"}"#.utf8))
        }
        defer { engine.stop() }
        let client = try EngineClient.connect(transport(engine.socketPath))
        #expect(throws: DockerEngineError.noSuchContainer("nope")) {
            _ = try client.fetch(EngineRequest(.get, ["containers", "nope", "json"]), about: "nope")
        }
        #expect(throws: DockerEngineError.ambiguousContainer("ab", message: "multiple IDs found with provided prefix: ab")) {
            _ = try client.fetch(EngineRequest(.get, ["containers", "ab", "json"]), about: "ab")
        }
        #expect(throws: DockerEngineError.engine(status: 500, request: "GET /info", message: "boom")) {
            _ = try client.fetch(EngineRequest(.get, ["info"]))
        }
    }

    @Test func `a body far larger than any buffer streams in small chunks`() throws {
        let size = 256 << 20
        let engine = try FakeEngine { line in
            line.contains("_ping")
                ? .respond(status: 200, headers: ["Api-Version": "1.41"], body: Data())
                : .stream(status: 200, headers: ["Content-Type": "application/x-tar"], count: size, chunk: 1 << 20)
        }
        defer { engine.stop() }
        let client = try EngineClient.connect(transport(engine.socketPath))
        var total = 0
        var largest = 0
        _ = try client.stream(EngineRequest(.get, ["containers", "c", "archive"], isStream: true)) { chunk in
            total += chunk.count
            largest = max(largest, chunk.count)
        }
        #expect(total == size)
        // libcurl hands over at most CURL_MAX_WRITE_SIZE at a time and the transport keeps none of it.
        #expect(largest <= 64 << 10)
    }

    @Test func `a silent stream times out instead of hanging`() throws {
        let engine = try FakeEngine { line in
            line.contains("_ping")
                ? .respond(status: 200, headers: ["Api-Version": "1.41"], body: Data())
                : .stall(status: 200, headers: ["Content-Length": "1000"], bytes: Data("abc".utf8))
        }
        defer { engine.stop() }
        let client = try EngineClient.connect(transport(engine.socketPath, timeout: 1))
        let started = Date()
        #expect(throws: DockerEngineError.timedOut(endpoint: engine.address, request: "GET /v1.41/containers/c/logs", seconds: 1)) {
            _ = try client.stream(EngineRequest(.get, ["containers", "c", "logs"], isStream: true)) { _ in }
        }
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func `an engine that never answers times out`() throws {
        let engine = try FakeEngine { _ in .hang }
        defer { engine.stop() }
        #expect(throws: DockerEngineError.timedOut(endpoint: engine.address, request: "GET /_ping", seconds: 1)) {
            _ = try EngineClient.connect(transport(engine.socketPath, timeout: 1))
        }
    }
}

@Suite struct HTTPDateTests {
    @Test(arguments: [
        ("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777.0),
        ("Sun, 29 Nov 2026 11:00:31 GMT", 1_795_950_031.0),
        ("Mon, 01 Jan 2001 00:00:00 GMT", 978_307_200.0),
    ])
    func `an IMF-fixdate is read to the second`(text: String, seconds: Double) {
        #expect(PingResponse.httpDate(text)?.timeIntervalSince1970 == seconds)
    }

    @Test(arguments: ["", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 06 Foo 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT"])
    func `anything else is no date`(text: String) {
        #expect(PingResponse.httpDate(text) == nil)
    }
}
