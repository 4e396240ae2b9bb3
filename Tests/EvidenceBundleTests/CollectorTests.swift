import DockerEngine
import Foundation
import Investigation
import TestSupport
import Testing
import DockerRuntime

@testable import EvidenceBundle

/// Whole collections against a scripted engine, for what a real one will not do on demand: hostile
/// archives, a stream that dies half way, a transfer interrupted by the user.
@Suite struct CollectorTests {
    static let containerID = String(repeating: "c0ffee", count: 10) + "c0ff"

    /// The answers of a small running container with one added executable, `/tmp/evil`, whose
    /// archive is hostile; `logs` answers the log request.
    static func engine(
        logs: @escaping @Sendable () -> FakeEngine.Reply = { .respond(status: 200, headers: [:], body: frames) }
    )
        throws -> FakeEngine
    {
        try FakeEngine { line in
            let parts = line.split(separator: " ")
            let method = parts.first.map(String.init) ?? ""
            let target = parts.count > 1 ? String(parts[1]) : ""
            let path = target.split(separator: "?").first.map(String.init) ?? ""
            let id = containerID
            let json = [
                "Content-Type": "application/json", "Api-Version": "1.41", "Date": "Sun, 29 Nov 2026 11:00:31 GMT",
            ]
            func answer(_ text: String, status: Int = 200) -> FakeEngine.Reply {
                .respond(status: status, headers: json, body: Data(text.utf8))
            }
            switch (method, path) {
            case ("GET", "/_ping"):
                return .respond(
                    status: 200, headers: ["Api-Version": "1.41", "Date": "Sun, 29 Nov 2026 11:00:31 GMT"],
                    body: Data("OK".utf8))
            case ("GET", "/v1.41/containers/fake/json"):
                return answer(
                    #"{"Id":"\#(id)","Name":"/fake","Image":"sha256:feed","State":{"Status":"running","Running":true,"Pid":0},"Config":{"Tty":false,"Image":"fake:1"}}"#
                )
            case ("GET", "/v1.41/version"): return answer(#"{"Version":"20.10.24","ApiVersion":"1.41"}"#)
            case ("GET", "/v1.41/info"):
                return answer(#"{"Name":"fakehost","Driver":"overlay2","ServerVersion":"20.10.24"}"#)
            case ("GET", "/v1.41/containers/\(id)/changes"): return answer(#"[{"Path":"/tmp/evil","Kind":1}]"#)
            case ("GET", "/v1.41/containers/\(id)/top"):
                return answer(#"{"Titles":["UID","PID","CMD"],"Processes":[]}"#)
            case ("GET", "/v1.41/containers/\(id)/logs"): return logs()
            case ("GET", "/v1.41/events"): return .respond(status: 200, headers: json, body: Data())
            case ("HEAD", "/v1.41/containers/\(id)/archive"), ("GET", "/v1.41/containers/\(id)/archive"):
                let stat = Data(
                    #"{"name":"evil","size":5,"mode":493,"mtime":"2026-11-29T11:00:00Z","linkTarget":""}"#.utf8)
                let headers = [PathStat.headerName: stat.base64EncodedString(), "Content-Type": "application/x-tar"]
                return .respond(status: 200, headers: headers, body: method == "HEAD" ? Data() : Data(hostileArchive))
            default:
                return answer(#"{"message":"no such thing"}"#, status: 404)
            }
        }
    }

    /// Two multiplexed log frames, stdout then stderr.
    static let frames: Data = {
        func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
            let payload = Array(text.utf8)
            let size = UInt32(payload.count)
            return [
                stream, 0, 0, 0, UInt8(size >> 24), UInt8(size >> 16 & 0xFF), UInt8(size >> 8 & 0xFF),
                UInt8(size & 0xFF),
            ] + payload
        }
        return Data(
            frame(1, "2026-11-29T11:00:00.000000000Z out line\n")
                + frame(2, "2026-11-29T11:00:01.000000000Z err line\n"))
    }()

    static let hostileArchive = TarStream.archive([
        .file("evil", "MZ..."),
        .file("../../../escape", "owned"),
        .special("link", "2", link: "/etc/shadow"),
    ])

    func collector(_ fake: FakeEngine, isCancelled: @escaping @Sendable () -> Bool = { false }) -> Collector {
        Collector(
            engine: EngineConnection.Options(hostFlag: fake.address, timeout: 5),
            settings: .init(
                toolVersion: "test", maxFiles: 5,
                investigation: .init(window: 60, maxLogLines: 10, toolVersion: "test")),
            isCancelled: isCancelled)
    }

    func collect(_ collector: Collector, into destination: URL) async throws -> Collector.Result {
        try await collector.collect(
            container: "fake", alert: nil, alertBytes: Array(#"{"rule":"test"}"#.utf8), into: destination)
    }

    @Test func `a changed executable's hostile archive yields only its plain file, and the bundle verifies`()
        async throws
    {
        let fake = try Self.engine()
        defer { fake.stop() }
        let parent = try TestFolder("collect")
        defer { parent.remove() }
        let result = try await collect(collector(fake), into: parent.child("bundle"))

        let listing = parent.listing()
        #expect(listing.contains("bundle/files/evil"))
        #expect(listing.contains("bundle/files/evil.tar"))
        #expect(!listing.contains { $0.hasSuffix("escape") || $0.hasSuffix("/link") })
        #expect(listing.allSatisfy { $0 == "bundle" || $0.hasPrefix("bundle/") })
        #expect(FileManager.default.contents(atPath: parent.child("bundle/files/evil").path) == Data("MZ...".utf8))
        #expect(
            FileManager.default.contents(atPath: parent.child("bundle/files/evil.tar").path)
                == Data(Self.hostileArchive))
        #expect(
            FileManager.default.contents(atPath: parent.child("bundle/alert.json").path)
                == Data(#"{"rule":"test"}"#.utf8))
        #expect(
            FileManager.default.contents(atPath: parent.child("bundle/logs/stderr.txt").path)
                == Data("2026-11-29T11:00:01.000000000Z err line\n".utf8))
        for name in ["container.json", "changes.json", "top.json", "version.json", "info.json", "events.json"] {
            #expect(listing.contains("bundle/engine/\(name)"), "engine/\(name)")
        }
        #expect(result.manifest.notes.contains { $0.contains("refused member '../../../escape'") })
        #expect(result.manifest.engine.hostname == "fakehost")
        #expect(parent.mode("bundle/files/evil") == 0o400)
        #expect(parent.mode("bundle/report.json") == 0o600)
        #expect(try BundleVerifier.verify(parent.child("bundle")).isIntact)

        let log = try String(contentsOf: parent.child("bundle/collection.log"), encoding: .utf8)
        #expect(log.contains("\tHEAD\t/v1.41/containers/\(Self.containerID)/archive?path=%2Ftmp%2Fevil\t200\t0\t"))
        #expect(
            log.contains(
                "\tGET\t/v1.41/containers/\(Self.containerID)/archive?path=%2Ftmp%2Fevil\t200\t\(Self.hostileArchive.count)\t"
            ))
    }

    @Test func `an engine that dies mid-stream leaves nothing at DIR and says so`() async throws {
        let fake = try Self.engine(logs: {
            .script { connection in
                connection.writeHead(status: 200, headers: ["Content-Length": "100000"])
                connection.write(Data(repeating: 1, count: 300))
            }
        })
        defer { fake.stop() }
        let parent = try TestFolder("collect")
        defer { parent.remove() }
        do {
            _ = try await collect(collector(fake), into: parent.child("bundle"))
            Issue.record("the collection should have failed")
        } catch let error as EvidenceBundleError {
            guard case .notWritten(let destination, let cause) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(destination.hasSuffix("/bundle"))
            #expect(cause is DockerEngineError)
            #expect(error.description.contains("no bundle written at"))
        }
        #expect(parent.listing().isEmpty)
    }

    // Without the interruption the collection never ends: the time limit turns that hang into a failure.
    @Test(.timeLimit(.minutes(5)))
    func `an interruption during a transfer leaves nothing at DIR`() async throws {
        // Byte 1 everywhere reads as a stdout frame header claiming 16 MiB: a log that never ends.
        let fake = try Self.engine(logs: { .trickle(byte: 1, every: 0.05) })
        defer { fake.stop() }
        let parent = try TestFolder("collect")
        defer { parent.remove() }
        let flag = CancellationFlag()
        let started = Date()
        // A thread of its own, not a task: with the whole suite running, the cooperative pool can be
        // busy for tens of seconds, which would measure the pool rather than the collector.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.5)
            flag.cancel()
        }
        await #expect {
            _ = try await collect(collector(fake, isCancelled: { flag.isCancelled }), into: parent.child("bundle"))
        } throws: { error in
            guard case .interrupted = error as? EvidenceBundleError else { return false }
            return true
        }
        // Bounded, not fast: alone this ends in about half a second; beside the whole suite on a loaded
        // two-core machine it has taken up to two minutes. Without the interruption the trickle never
        // ends, so any bound proves the point.
        #expect(Date().timeIntervalSince(started) < 240)
        #expect(parent.listing().isEmpty)
    }

    @Test func `recorded answers get their docs/bundle.md names`() {
        #expect(
            Collector.specName(method: "GET", target: "/v1.41/containers/x/json") == .engine("engine/container.json"))
        #expect(
            Collector.specName(method: "GET", target: "/v1.41/events?since=1&until=2") == .engine("engine/events.json"))
        #expect(
            Collector.specName(method: "GET", target: "/v1.41/containers/x/logs?stdout=1") == .logs("logs/window.raw"))
        #expect(
            Collector.specName(method: "GET", target: "/v1.41/containers/x/archive?path=%2Ftmp%2Fa%20b")
                == .archive(containerPath: "/tmp/a b"))
        #expect(Collector.specName(method: "HEAD", target: "/v1.41/containers/x/archive?path=%2Fx") == nil)
        #expect(Collector.specName(method: "GET", target: "/_ping") == nil)
    }

    @Test func `the clock offset comes from the recorded ping's Date header`() {
        let started = Date(timeIntervalSince1970: 1_795_950_031.2)
        let ping = CollectionJournal.Transfer(
            connection: .recorded, method: "GET", target: "/_ping", occurrence: 1, started: started, seconds: 0.2,
            status: 200, bytes: 2, digest: nil, cappedAt: nil, engineDate: "Sun, 29 Nov 2026 11:00:41 GMT", error: nil)
        let clock = Collector.clock([ping])
        // The engine said 11:00:41 (meaning 41.0 to 42.0) when we were at 11:00:31.3: about 10.2 s ahead.
        #expect(clock.offsetSeconds == 10.2)
        #expect(clock.resolutionSeconds == 1)
    }
}
