import DockerEngine
import Foundation
import TestSupport
import Testing

/// The whole tool against a hostile engine: the built `alert-inspect` binary investigates the
/// recorded `docker-dropped` scenario, served over a Unix socket by a fake engine that answers
/// exactly as the recording did, except for the one answer each test makes hostile.
///
/// What a user sees is judged: the exit code, the message on stderr, the report, the time taken
/// (`--timeout 1` must hold) and, where a claim is huge, the peak memory. Partial evidence (logs,
/// the archive) becomes a limitation in the report with exit 0; what the investigation cannot do
/// without (the ping, the container's inspect) fails with the exit code docs/exit-codes.md gives.
@Suite(.serialized) struct HostileEngineInvestigationTests {
    static let recording = Fixture.url("recordings/docker-dropped")
    static let alert = recording.appendingPathComponent("alert.json")

    /// Runs `inspect --format json` against the recorded engine with `override`'s hostile answers.
    private func inspect(
        timeout: Double = 1, format: String = "json", measureMemory: Bool = false, timeLimit: Double = 60,
        arguments: [String] = [],
        _ override: @escaping @Sendable (_ method: String, _ target: String) -> FakeEngine.Reply?
    ) throws -> (run: ToolRun, requests: [String]) {
        let engine = try FakeEngine.replaying(Self.recording, override: override)
        defer { engine.stop() }
        let run = try Tool.run(
            [
                "inspect", "--alert", Self.alert.path, "--host", engine.address,
                "--timeout", String(timeout), "--format", format,
            ] + arguments,
            timeLimit: timeLimit, measureMemory: measureMemory)
        #expect(run.signal == nil, "the tool crashed: \(run)")
        #expect(!run.timedOut, "the tool hung: \(run)")
        #expect(engine.nonReadRequests.isEmpty, "sent \(engine.nonReadRequests)")
        return (run, engine.requests)
    }

    private func limitations(_ run: ToolRun) throws -> [String] {
        try run.json()["limitations"] as? [String] ?? []
    }

    /// The recorded archive answer: the real `/tmp/payload`.
    private static let archive: Recording.Exchange? = {
        let recorded = try? JSONDecoder().decode(
            Recording.self, from: Data(contentsOf: recording.appendingPathComponent(Recording.indexName)))
        return recorded?.exchanges.first { $0.method == "GET" && $0.target.contains("/archive?") }
    }()

    /// The archive answer's headers as recorded: the stat header of the real `/tmp/payload` among them.
    private static var tarHeaders: [String: String] { archive?.headers ?? [:] }
    private static var archiveBody: String? { archive?.body }

    @Test func `the recorded engine served as is gives a clean report`() throws {
        let (run, requests) = try inspect { _, _ in nil }
        #expect(run.status == 0, "\(run)")
        let report = try run.json()
        #expect(report["schema"] as? String == "alert-inspect/report/v1")
        #expect(!requests.contains { $0.contains("page not found") })
        let limitations = try limitations(run)
        #expect(!limitations.contains { $0.contains("could not be read") }, "\(limitations)")
    }

    // MARK: - What the investigation cannot do without

    @Test func `truncated inspect JSON is exit 1 naming the request`() throws {
        let (run, _) = try inspect { _, target in
            target.hasSuffix("/json") && target.contains("/containers/")
                ? .respond(
                    status: 200, headers: ["Content-Type": "application/json"],
                    body: Data(#"{"Id":"0a8f2c69d33f","Na"#.utf8))
                : nil
        }
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("unexpected answer to GET /containers/0a8f2c69d33f/json"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test func `an inspect answer cut short on the wire is exit 69 naming the endpoint`() throws {
        let (run, _) = try inspect { _, target in
            guard target.hasSuffix("/json"), target.contains("/containers/") else { return nil }
            return .script { connection in
                connection.writeHead(
                    status: 200, headers: ["Content-Type": "application/json", "Content-Length": "5000"])
                connection.write(Data(#"{"Id":"0a8f2c69d33f","#.utf8))
            }
        }
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("error: GET /v1.41/containers/0a8f2c69d33f/json to unix://"), "\(run.stderr)")
    }

    @Test func `an HTML page where the inspect belongs is exit 1`() throws {
        let (run, _) = try inspect { _, target in
            target.hasSuffix("/json") && target.contains("/containers/")
                ? .respond(
                    status: 200, headers: ["Content-Type": "text/html"], body: Data("<html>502 Bad Gateway</html>".utf8)
                )
                : nil
        }
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("undecodable JSON"), "\(run.stderr)")
    }

    @Test func `an engine that never answers the ping is exit 69 within the timeout`() throws {
        let (run, _) = try inspect { _, target in target == "/_ping" ? .hang : nil }
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("GET /_ping to unix://"), "\(run.stderr)")
        #expect(run.stderr.contains("timed out after 1 s"), "\(run.stderr)")
        #expect(run.seconds < 5)
    }

    @Test func `a slowloris inspect answer is exit 69 within the timeout`() throws {
        let (run, _) = try inspect { _, target in
            target.hasSuffix("/json") && target.contains("/containers/")
                ? .trickle(headers: ["Content-Type": "application/json"], byte: UInt8(ascii: " "), every: 0.1) : nil
        }
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("timed out after 1 s"), "\(run.stderr)")
        #expect(run.seconds < 6)
    }

    @Test func `an inspect answer claiming 10 GiB is refused in bounded memory`() throws {
        let (run, _) = try inspect(timeout: 10, measureMemory: true) { _, target in
            target.hasSuffix("/json") && target.contains("/containers/")
                ? .stream(status: 200, headers: ["Content-Type": "application/json"], count: 10 << 30, chunk: 1 << 20)
                : nil
        }
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("answer larger than 64 MiB"), "\(run.stderr)")
        #expect((run.maxResidentKiB ?? .max) < 400 << 10, "\(run)")
    }

    @Test(arguments: ["1.24", "1.39"])
    func `an engine at an unsupported API version is refused with both versions`(version: String) throws {
        let (run, requests) = try inspect { _, target in
            target == "/_ping"
                ? .respond(
                    status: 200, headers: ["Api-Version": version, "Server": "Libpod/2.0 (linux)"],
                    body: Data("OK".utf8))
                : nil
        }
        #expect(run.status == 1, "\(run)")
        #expect(
            run.stderr.contains("the engine speaks API \(version); alert-inspect needs at least 1.40"), "\(run.stderr)")
        #expect(requests == ["GET /_ping HTTP/1.1"])
    }

    // MARK: - Partial evidence: the report says what is missing

    @Test func `a log stream that is JSON instead of frames is a limitation, not a failure`() throws {
        let (run, _) = try inspect { _, target in
            target.contains("/logs?")
                ? .respond(
                    status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"message":"hi"}"#.utf8))
                : nil
        }
        #expect(run.status == 0, "\(run)")
        let limitations = try limitations(run)
        #expect(
            limitations.contains { $0.hasPrefix("logs could not be read") && $0.contains("unrecognized stream: 123") },
            "\(limitations)")
    }

    @Test func `an error frame mid-log reaches the report as the engine's line, between the container's`() throws {
        let body = Data(
            logFrame(1, "2026-11-29T11:24:13.000000001Z before") + logFrame(3, "Error grabbing logs: unexpected EOF\n")
                + logFrame(1, "2026-11-29T11:24:14.000000001Z after\n"))
        let (run, _) = try inspect { _, target in
            target.contains("/logs?")
                ? .respond(status: 200, headers: ["Content-Type": "application/vnd.docker.raw-stream"], body: body)
                : nil
        }
        #expect(run.status == 0, "\(run)")
        let logs = try #require(run.json()["logs"] as? [String: Any])
        let lines = try #require(logs["lines"] as? [[String: Any]])
        #expect(lines.compactMap { $0["stream"] as? String } == ["engineError", "stdout"])
        #expect(lines.compactMap { $0["text"] as? String } == ["Error grabbing logs: unexpected EOF", "beforeafter"])
    }

    @Test func `a log frame larger than the body is reported truncated`() throws {
        let body = Data(
            logFrame(1, "2026-11-29T11:24:13.000000001Z whole\n") + [2, 0, 0, 0, 0, 1, 0, 0] + Array("cut".utf8))
        let (run, _) = try inspect { _, target in
            target.contains("/logs?") ? .respond(status: 200, headers: [:], body: body) : nil
        }
        #expect(run.status == 0, "\(run)")
        let logs = try #require(run.json()["logs"] as? [String: Any])
        #expect(logs["truncated"] as? Bool == true)
        #expect((logs["lines"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == ["whole", "cut"])
    }

    @Test func `a log frame claiming 4 GiB streams through in bounded memory`() throws {
        let (run, _) = try inspect(timeout: 10, measureMemory: true) { _, target in
            guard target.contains("/logs?") else { return nil }
            return .script { connection in
                connection.writeHead(status: 200, headers: [:])
                guard connection.write(Data([1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF])) else { return }
                let piece = Data(repeating: UInt8(ascii: "a"), count: 1 << 20)
                for _ in 0..<256 where connection.write(piece) {}
            }
        }
        #expect(run.status == 0, "\(run)")
        #expect(try run.json()["logs"].flatMap { ($0 as? [String: Any])?["truncated"] as? Bool } == true)
        #expect((run.maxResidentKiB ?? .max) < 400 << 10, "\(run)")
    }

    @Test func `a log window that never ends is read only as far as the report shows`() throws {
        let (run, _) = try inspect(timeLimit: 60, arguments: ["--max-log-lines", "5"]) { _, target in
            guard target.contains("/logs?") else { return nil }
            return .script { connection in
                connection.writeHead(status: 200, headers: [:])
                let line = Data(logFrame(1, "2026-11-29T11:00:00.000000000Z chatty\n"))
                while connection.write(line) {}
            }
        }
        #expect(run.status == 0, "\(run)")
        let logs = try #require(run.json()["logs"] as? [String: Any])
        #expect(logs["truncated"] as? Bool == true)
        #expect((logs["lines"] as? [[String: Any]])?.compactMap { $0["text"] as? String } == Array(repeating: "chatty", count: 5))
    }

    @Test func `a slowloris log stream is cut within a few timeouts`() throws {
        let (run, _) = try inspect(timeLimit: 60) { _, target in
            target.contains("/logs?") ? .trickle(headers: [:], byte: 0, every: 0.2) : nil
        }
        #expect(run.status == 0, "\(run)")
        #expect(try limitations(run).contains { $0.hasPrefix("logs could not be read") && $0.contains("timed out") })
        #expect(run.seconds < 10)
    }

    @Test func `an archive that never answers is a limitation within the timeout`() throws {
        let (run, _) = try inspect { _, target in target.contains("/archive?") ? .hang : nil }
        #expect(run.status == 0, "\(run)")
        #expect(try limitations(run).contains { $0.contains("archive endpoint") && $0.contains("timed out") })
        #expect(run.seconds < 6)
    }

    @Test(arguments: ["!!not base64!!", "bm90IGpzb24=", "\u{1b}]0;owned\u{7}"])
    func `a stat header that is not base64 JSON is a limitation quoting it safely`(header: String) throws {
        let (run, _) = try inspect { _, target in
            guard target.contains("/archive?") else { return nil }
            var headers = Self.tarHeaders
            headers[PathStat.headerName.lowercased()] = header
            return .respond(status: 200, headers: headers, body: Data(repeating: 0, count: 1024))
        }
        #expect(run.status == 0, "\(run)")
        let limitations = try limitations(run)
        #expect(limitations.contains { $0.contains(PathStat.headerName) }, "\(limitations)")
        #expect(!run.stdout.contains(0x1B) && !run.stdout.contains(0x07))
    }

    @Test func `a stat header claiming 10 GiB does not become the size of the file that was hashed`() throws {
        let stat = try #require(Self.tarHeaders[PathStat.headerName.lowercased()])
        let decoded = try PathStat(headerValue: stat)
        var claim = decoded
        claim.size = 10 << 30
        let lying = try JSONEncoder().encode(claim).base64EncodedString()
        let body = try Data(
            contentsOf: Self.recording.appendingPathComponent(
                try #require(Self.archiveBody)))
        let (run, _) = try inspect { _, target in
            guard target.contains("/archive?") else { return nil }
            var headers = Self.tarHeaders
            headers[PathStat.headerName.lowercased()] = lying
            return .respond(status: 200, headers: headers, body: body)
        }
        #expect(run.status == 0, "\(run)")
        let executable = try #require(run.json()["executable"] as? [String: Any])
        #expect(executable["size"] as? Int == Int(decoded.size), "\(executable)")
        #expect(executable["sha256"] is String)
    }

    @Test func `a tar of escaping names and outside links gives no hash of the wrong file and writes nothing`() throws {
        let archive = try Fixture.seedArchive("escapes")
        // The tool runs in an empty folder, with HOME and TMPDIR there too: it must stay empty.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hostile-cwd-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let engine = try FakeEngine.replaying(Self.recording) { _, target in
            target.contains("/archive?") ? .respond(status: 200, headers: Self.tarHeaders, body: archive) : nil
        }
        defer { engine.stop() }
        let run = try Tool.run(
            [
                "inspect", "--alert", Self.alert.path, "--host", engine.address, "--timeout", "1",
                "--format", "json",
            ],
            environment: ["HOME": folder.path, "TMPDIR": folder.path], timeLimit: 60, directory: folder)
        #expect(run.status == 0, "\(run)")
        // The archive of /tmp/payload holds no member named payload: no digest may come from it.
        let executable = try run.json()["executable"] as? [String: Any]
        #expect(
            executable?["source"] as? String != "GET /containers/0a8f2c69d33f/archive",
            "\(String(describing: executable))")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/etc/cron.d/x"))
    }

    @Test func `an archive member claiming 10 GiB is cut short in bounded memory and time`() throws {
        let header = try Fixture.seedArchive("claims-10GiB").prefix(512)
        let (run, _) = try inspect(timeout: 10, measureMemory: true) { _, target in
            guard target.contains("/archive?") else { return nil }
            return .endlessArchive(header: header, headers: Self.tarHeaders)
        }
        #expect(run.status == 0, "\(run)")
        #expect(try limitations(run).contains { $0.contains("cut short") }, "\(run)")
        #expect((run.maxResidentKiB ?? .max) < 400 << 10, "\(run)")
        #expect(run.seconds < 60)
    }

    // MARK: - doctor

    @Test func `doctor against an engine that never answers says unreachable within the timeout`() throws {
        let engine = try FakeEngine { _ in .hang }
        defer { engine.stop() }
        let run = try Tool.run(["doctor", "--host", engine.address, "--timeout", "1"], timeLimit: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("timed out"), "\(run.stderr)")
        #expect(run.seconds < 6)
    }

    @Test func `doctor against an engine of garbage answers reports instead of crashing`() throws {
        let engine = try FakeEngine { line in
            line.contains("/_ping")
                ? .respond(status: 200, headers: ["Api-Version": "1.41"], body: Data("OK".utf8))
                : .respond(
                    status: 200, headers: ["Content-Type": "application/json"], body: Data("{\"ID\":[1,\u{1b}".utf8))
        }
        defer { engine.stop() }
        let run = try Tool.run(["doctor", "--host", engine.address, "--timeout", "1"], timeLimit: 60)
        #expect(run.signal == nil && !run.timedOut, "\(run)")
        // The ping answered: the engine is reachable, and what it said after that is unknown, not fatal.
        #expect(run.status == 0, "\(run)")
        #expect(String(decoding: run.stdout, as: UTF8.self).contains("reachable:       yes"), "\(run)")
        #expect(!run.stdout.contains(0x1B))
        #expect(engine.nonReadRequests.isEmpty, "sent \(engine.nonReadRequests)")
    }
}

/// `[type, 0, 0, 0, size]` + payload, as the engine frames a multiplexed log.
private func logFrame(_ type: UInt8, _ text: String) -> [UInt8] {
    let payload = Array(text.utf8)
    return [type, 0, 0, 0] + withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) } + payload
}
