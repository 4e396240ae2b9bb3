import Foundation
import Testing

@testable import DockerEngine
import TestSupport

@Suite struct RecordingTests {
    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("recording-" + UUID().uuidString.prefix(8))
    }

    /// Every byte value, so nothing may be re-encoded on the way to disk and back.
    private let binary = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) })

    @Test func `a replay gives the same bytes, headers and statuses as the live exchange`() throws {
        let binary = self.binary
        let engine = try FakeEngine { line in
            if line.contains("_ping") {
                return .respond(status: 200, headers: ["Api-Version": "1.41", "Date": "Sun, 29 Nov 2026 11:00:31 GMT"], body: Data("OK".utf8))
            }
            if line.hasPrefix("HEAD") {
                return .respond(status: 200, headers: ["X-Docker-Container-Path-Stat": "eyJuYW1lIjoieCJ9"], body: Data())
            }
            if line.contains("/logs") {
                return .respond(status: 200, headers: ["Content-Type": "application/vnd.docker.raw-stream"], body: binary)
            }
            return .respond(status: 404, headers: ["Content-Type": "application/json"], body: Data(#"{"message":"No such container: gone"}"#.utf8))
        }
        defer { engine.stop() }
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        let live = try CurlTransport(endpoint: EngineEndpoint(address: .unix(path: engine.socketPath), source: "test"))
        let recorder = try RecordingTransport(recording: live, into: folder, recordedBy: "tests")
        let client = try EngineClient.connect(recorder)
        let logs = EngineRequest(.get, ["containers", "c", "logs"], query: [QueryItem("stdout", "1")], isStream: true)
        let stat = EngineRequest(.head, ["containers", "c", "archive"], query: [QueryItem("path", "/tmp/x")])
        var liveLogs = Data()
        _ = try client.stream(logs) { liveLogs.append(contentsOf: $0) }
        let liveStat = try client.fetch(stat)
        #expect(throws: DockerEngineError.noSuchContainer("gone")) {
            _ = try client.fetch(EngineRequest(.get, ["containers", "gone", "json"]), about: "gone")
        }
        try recorder.record(.init(operation: "stat", path: "/upper/tmp/x", result: "{}", error: nil))

        let replay = try ReplayTransport(folder: folder)
        let replayed = try EngineClient.connect(replay)
        #expect(replayed.apiVersion == APIVersion(1, 41))
        #expect(replayed.ping.engineDate == PingResponse.httpDate("Sun, 29 Nov 2026 11:00:31 GMT"))
        var replayLogs = Data()
        _ = try replayed.stream(logs) { replayLogs.append(contentsOf: $0) }
        #expect(replayLogs == liveLogs)
        #expect(replayLogs == binary)
        #expect(try replayed.fetch(stat).head.header("X-Docker-Container-Path-Stat") == liveStat.head.header("X-Docker-Container-Path-Stat"))
        #expect(throws: DockerEngineError.noSuchContainer("gone")) {
            _ = try replayed.fetch(EngineRequest(.get, ["containers", "gone", "json"]), about: "gone")
        }
        #expect(replay.observation("stat", path: "/upper/tmp/x")?.result == "{}")
        #expect(replay.recording.endpoint == engine.address)
    }

    @Test func `a request the recording lacks is an error naming it`() throws {
        let folder = try writeRecording(exchanges: [])
        defer { try? FileManager.default.removeItem(at: folder) }
        let replay = try ReplayTransport(folder: folder)
        #expect(throws: DockerEngineError.notInRecording(request: "GET /v1.41/info", recording: folder.path)) {
            try replay.send(EngineRequest(.get, ["info"]), apiVersion: "1.41", head: { _ in }, body: { _ in })
        }
    }

    @Test func `repeated requests get their answers in recorded order`() throws {
        let folder = try writeRecording(exchanges: [
            .init(method: "GET", target: "/v1.41/info", occurrence: 2, status: 200, headers: [:], body: "bodies/second", bytes: 6),
            .init(method: "GET", target: "/v1.41/info", occurrence: 1, status: 200, headers: [:], body: "bodies/first", bytes: 5),
        ], bodies: ["first": "first", "second": "second"])
        defer { try? FileManager.default.removeItem(at: folder) }
        let replay = try ReplayTransport(folder: folder)
        func answer() throws -> String {
            var data = Data()
            try replay.send(EngineRequest(.get, ["info"]), apiVersion: "1.41", head: { _ in }, body: { data.append(contentsOf: $0) })
            return String(decoding: data, as: UTF8.self)
        }
        #expect(try [answer(), answer(), answer()] == ["first", "second", "second"])
    }

    @Test(arguments: ["../outside", "/etc/passwd", "bodies/../../x", "bodies/a/b"])
    func `a recording cannot point outside itself`(body: String) throws {
        let folder = try writeRecording(exchanges: [
            .init(method: "GET", target: "/v1.41/info", occurrence: 1, status: 200, headers: [:], body: body, bytes: 1)
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(throws: DockerEngineError.self) { _ = try ReplayTransport(folder: folder) }
    }

    @Test func `a recording is private whatever the umask: folders 0700, files 0600`() throws {
        let engine = try FakeEngine { _ in
            .respond(status: 200, headers: ["Api-Version": "1.41", "Content-Type": "application/json"], body: Data("{}".utf8))
        }
        defer { engine.stop() }
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let previous = umask(0o022)
        defer { umask(previous) }
        let live = try CurlTransport(endpoint: EngineEndpoint(address: .unix(path: engine.socketPath), source: "test"))
        let recorder = try RecordingTransport(recording: live, into: folder, recordedBy: "tests")
        _ = try EngineClient.connect(recorder).fetch(EngineRequest(.get, ["info"]))
        func mode(_ url: URL) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int) ?? -1
        }
        #expect(try mode(folder) == 0o700)
        let bodies = folder.appendingPathComponent(Recording.bodiesFolder)
        #expect(try mode(bodies) == 0o700)
        #expect(try mode(folder.appendingPathComponent(Recording.indexName)) == 0o600)
        let files = try FileManager.default.contentsOfDirectory(at: bodies, includingPropertiesForKeys: nil)
        #expect(!files.isEmpty)
        for file in files { #expect(try mode(file) == 0o600, "\(file.lastPathComponent)") }
    }

    @Test(arguments: ["symlink", "fifo", "device", "bodies-symlink"])
    func `a replay reads only regular body files inside the recording`(kind: String) throws {
        let folder = try writeRecording(exchanges: [
            .init(method: "GET", target: "/v1.41/info", occurrence: 1, status: 200, headers: [:], body: "bodies/b", bytes: 1)
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let body = folder.appendingPathComponent("bodies/b").path
        switch kind {
        case "symlink": #expect(symlink("/etc/passwd", body) == 0)
        case "fifo": #expect(mkfifo(body, 0o600) == 0)
        case "device": #expect(symlink("/dev/zero", body) == 0)
        default:
            let outside = FileManager.default.temporaryDirectory.appendingPathComponent("outside-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: outside) }
            try Data("secret from outside".utf8).write(to: outside.appendingPathComponent("b"))
            try FileManager.default.removeItem(atPath: folder.appendingPathComponent("bodies").path)
            #expect(symlink(outside.path, folder.appendingPathComponent("bodies").path) == 0)
        }
        let replay = try ReplayTransport(folder: folder)
        let started = Date()
        var received = 0
        #expect(throws: DockerEngineError.self) {
            try replay.send(EngineRequest(.get, ["info"]), apiVersion: "1.41", head: { _ in }, body: { received += $0.count })
        }
        #expect(received == 0)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func `a replay is bounded in size and in time`() throws {
        let folder = try writeRecording(exchanges: [
            .init(method: "GET", target: "/v1.41/info", occurrence: 1, status: 200, headers: [:], body: "bodies/b", bytes: 4096)
        ], bodies: ["b": String(repeating: "x", count: 4096)])
        defer { try? FileManager.default.removeItem(at: folder) }
        let small = try ReplayTransport(folder: folder, maxBodyBytes: 1024)
        #expect(throws: DockerEngineError.self) {
            try small.send(EngineRequest(.get, ["info"]), apiVersion: "1.41", head: { _ in }, body: { _ in })
        }
        let slow = try ReplayTransport(folder: folder, timeLimit: 0.2)
        var calls = 0
        let error = #expect(throws: DockerEngineError.self) {
            for _ in 0..<50 {
                try slow.send(EngineRequest(.get, ["info"]), apiVersion: "1.41", head: { _ in }, body: { _ in })
                calls += 1
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        #expect(calls < 50)
        guard case .timedOut = error else {
            Issue.record("not a time-out: \(String(describing: error))")
            return
        }
    }

    @Test func `a replay refuses what a live engine would be refused too`() throws {
        let folder = try writeRecording(exchanges: [
            .init(method: "POST", target: "/v1.41/containers/c/kill", occurrence: 1, status: 204, headers: [:], body: nil, bytes: 0)
        ])
        defer { try? FileManager.default.removeItem(at: folder) }
        let replay = try ReplayTransport(folder: folder)
        #expect(throws: DockerEngineError.methodRefused(HTTPMethod(rawValue: "POST"), request: "/v1.41/containers/c/kill")) {
            try replay.send(EngineRequest(HTTPMethod(rawValue: "POST"), ["containers", "c", "kill"]), apiVersion: "1.41", head: { _ in }, body: { _ in })
        }
    }

    @Test func `an unknown format version is refused`() throws {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(#"{"format":"alert-inspect/recording/v9","synthetic":false,"endpoint":"x","recordedBy":"x","exchanges":[],"observations":[]}"#.utf8)
            .write(to: folder.appendingPathComponent(Recording.indexName))
        #expect(throws: DockerEngineError.self) { _ = try ReplayTransport(folder: folder) }
    }

    @Test func `body names are readable and stable`() {
        #expect(Recording.bodyName(method: "GET", target: "/v1.41/containers/abc/json", occurrence: 1, contentType: "application/json")
            == "get_v1.41_containers_abc_json.json")
        #expect(Recording.bodyName(method: "GET", target: "/v1.41/containers/abc/archive?path=%2Ftmp%2Fx", occurrence: 2, contentType: "application/x-tar")
            == "get_v1.41_containers_abc_archive_path_2Ftmp_2Fx.2.tar")
        let long = String(repeating: "a", count: 64)
        let first = Recording.bodyName(method: "GET", target: "/v1.41/containers/\(long)/archive?path=%2Fusr%2Fbin%2Fone", occurrence: 1, contentType: nil)
        let second = Recording.bodyName(method: "GET", target: "/v1.41/containers/\(long)/archive?path=%2Fusr%2Fbin%2Ftwo", occurrence: 1, contentType: nil)
        #expect(first != second)
        #expect(first.count < 110)
    }

    private func writeRecording(exchanges: [Recording.Exchange], bodies: [String: String] = [:]) throws -> URL {
        let folder = temporaryFolder()
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("bodies"), withIntermediateDirectories: true)
        var recording = Recording(endpoint: "unix:///test.sock", recordedBy: "tests", synthetic: true)
        recording.exchanges = exchanges
        try JSONEncoder().encode(recording).write(to: folder.appendingPathComponent(Recording.indexName))
        for (name, text) in bodies { try Data(text.utf8).write(to: folder.appendingPathComponent("bodies/" + name)) }
        return folder
    }
}
