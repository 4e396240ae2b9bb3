import DockerEngine
import Foundation
import TestSupport
import Testing

/// `collect` by the built tool against a hostile engine: the recorded `docker-dropped` scenario
/// served over a socket, one answer made hostile per test. A bundle is either complete, with
/// nothing written outside it and nothing in it but plain files and folders, or absent altogether,
/// with a clear error and exit code; either way within `--timeout` and in bounded memory.
@Suite(.serialized) struct HostileEngineCollectTests {
    static let recording = Fixture.url("recordings/docker-dropped")
    static let alert = recording.appendingPathComponent("alert.json")

    /// The archive answer's headers as recorded (the real stat header of `/tmp/payload` among them).
    static let tarHeaders: [String: String] = {
        let recorded = try? JSONDecoder().decode(
            Recording.self, from: Data(contentsOf: recording.appendingPathComponent(Recording.indexName)))
        return recorded?.exchanges.first { $0.method == "GET" && $0.target.contains("/archive?") }?.headers ?? [:]
    }()

    /// A tar from the fuzzers' seed corpus (its first byte is the fuzzer's chunk-size control).
    struct Outcome {
        var run: ToolRun
        /// The folder the bundle was to be created in, and everything in it after the run.
        var parent: URL
        var listing: [String]
        /// The request lines the engine received.
        var requests: [String] = []
        var bundle: URL { parent.appendingPathComponent("bundle") }
    }

    /// Runs `collect --out <fresh folder>/bundle` against the recorded engine with `override`'s answers.
    private func collect(
        alert: URL = Self.alert, timeout: Double = 2, extra: [String] = [], measureMemory: Bool = false,
        _ override: @escaping @Sendable (_ method: String, _ target: String) -> FakeEngine.Reply?
    ) throws -> Outcome {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hostile-collect-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: false)
        let engine = try FakeEngine.replaying(Self.recording, override: override)
        defer { engine.stop() }
        let run = try Tool.run(
            [
                "collect", "--alert", alert.path, "--host", engine.address, "--timeout",
                String(timeout),
                "--out", parent.appendingPathComponent("bundle").path,
            ] + extra,
            timeLimit: 120, measureMemory: measureMemory)
        #expect(run.signal == nil && !run.timedOut, "\(run)")
        #expect(engine.nonReadRequests.isEmpty, "sent \(engine.nonReadRequests)")
        let listing = ((try? FileManager.default.contentsOfDirectory(atPath: parent.path)) ?? []).sorted()
        return Outcome(run: run, parent: parent, listing: listing, requests: engine.requests)
    }

    /// Every path in the bundle that is not a plain file or a folder (links, devices, fifos).
    private func irregular(in bundle: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: bundle.path) else { return ["unreadable"] }
        var found: [String] = []
        for case let path as String in walker {
            var info = stat()
            guard lstat(bundle.appendingPathComponent(path).path, &info) == 0 else { continue }
            let type = info.st_mode & S_IFMT
            if type != S_IFREG && type != S_IFDIR { found.append(path) }
        }
        return found
    }

    private func expectNoBundle(_ outcome: Outcome, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.listing.isEmpty, "left behind: \(outcome.listing)", sourceLocation: sourceLocation)
        try? FileManager.default.removeItem(at: outcome.parent)
    }

    @Test func `a tar of escaping names, outside links, devices and a fifo writes nothing outside the bundle`() throws {
        let archive = try Fixture.seedArchive("escapes")
        let outcome = try collect { _, target in
            target.contains("/archive?") ? .respond(status: 200, headers: Self.tarHeaders, body: archive) : nil
        }
        defer { try? FileManager.default.removeItem(at: outcome.parent) }
        #expect(outcome.run.status == 0, "\(outcome.run)")
        #expect(outcome.listing == ["bundle"], "written beside the bundle: \(outcome.listing)")
        #expect(irregular(in: outcome.bundle).isEmpty, "\(irregular(in: outcome.bundle))")
        let files =
            (try? FileManager.default.contentsOfDirectory(atPath: outcome.bundle.appendingPathComponent("files").path))
            ?? []
        #expect(!files.contains { $0.contains("passwd") || $0 == "x" || $0 == "link" || $0 == "hard" }, "\(files)")
        // The manifest's notes say what was refused and why.
        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: outcome.bundle.appendingPathComponent("manifest.json")))
        let notes = ((manifest as? [String: Any])?["notes"] as? [String]) ?? []
        for refusal in [
            "'../../etc/cron.d/x'", "'/etc/passwd'", "a symbolic link to '/etc/shadow'",
            "a hard link to '../../../etc/shadow'", "a device (1:3)", "a fifo",
        ] {
            #expect(notes.contains { $0.contains(refusal) }, "no note says \(refusal): \(notes)")
        }
        let verify = try Tool.run(["verify", outcome.bundle.path], timeLimit: 60)
        #expect(verify.status == 0, "\(verify)")
    }

    @Test func `a forged proc.exepath the container neither changed nor runs is reported, never fetched into the bundle`()
        throws
    {
        let forged = FileManager.default.temporaryDirectory.appendingPathComponent("forged-\(UUID().uuidString.prefix(8)).json")
        let text = try String(contentsOf: Self.alert, encoding: .utf8)
            .replacingOccurrences(of: #""proc.exepath":"/tmp/payload""#, with: #""proc.exepath":"/etc/shadow""#)
            .replacingOccurrences(of: #""proc.exe":"/tmp/payload""#, with: #""proc.exe":"/etc/shadow""#)
        try text.write(to: forged, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: forged) }
        let outcome = try collect(alert: forged) { method, target in
            guard target.contains("/archive?path=%2Fetc%2Fshadow") else { return nil }
            // The engine would hand the file over: only the tool's own rule keeps it out.
            return method == "HEAD"
                ? .respond(status: 200, headers: Self.tarHeaders, body: Data())
                : .respond(status: 500, headers: [:], body: Data(#"{"message":"fetched"}"#.utf8))
        }
        defer { try? FileManager.default.removeItem(at: outcome.parent) }
        #expect(outcome.run.status == 0, "\(outcome.run)")
        #expect(!outcome.requests.contains { $0.hasPrefix("GET ") && $0.contains("%2Fetc%2Fshadow") }, "\(outcome.requests)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: outcome.bundle.appendingPathComponent("files").path)) ?? []
        #expect(!files.contains { $0.contains("shadow") }, "\(files)")
        let report = try String(contentsOf: outcome.bundle.appendingPathComponent("report.json"), encoding: .utf8)
        #expect(report.contains("the executable was not acquired"), "\(report.prefix(400))")
    }

    @Test func `a member claiming 10 GiB is kept up to --max-file-bytes, in bounded memory`() throws {
        let header = try Fixture.seedArchive("claims-10GiB").prefix(512)
        let outcome = try collect(timeout: 10, extra: ["--max-file-bytes", "8M"], measureMemory: true) { _, target in
            guard target.contains("/archive?") else { return nil }
            return .endlessArchive(header: header, headers: Self.tarHeaders)
        }
        defer { try? FileManager.default.removeItem(at: outcome.parent) }
        #expect((outcome.run.maxResidentKiB ?? .max) < 400 << 10, "\(outcome.run)")
        if outcome.run.status == 0 {
            #expect(outcome.listing == ["bundle"])
            let files = outcome.bundle.appendingPathComponent("files")
            for name in (try? FileManager.default.contentsOfDirectory(atPath: files.path)) ?? [] {
                let size =
                    (try? FileManager.default.attributesOfItem(atPath: files.appendingPathComponent(name).path)[.size]
                        as? Int) ?? 0
                // The raw archive may hold 64 KiB of tar framing beyond the cap (see Collector.Settings).
                let cap = name.hasSuffix(".tar") ? 8 << 20 + 64 << 10 : 8 << 20
                #expect(size <= cap, "\(name) holds \(size) bytes")
            }
        } else {
            #expect(outcome.run.status == 69, "\(outcome.run)")
            expectNoBundle(outcome)
        }
    }

    @Test func `an archive body cut short on the wire leaves no bundle and says why`() throws {
        let outcome = try collect { _, target in
            guard target.contains("/archive?") else { return nil }
            var lying = Self.tarHeaders
            lying["Content-Length"] = String(772_608)
            let headers = lying
            return .script { connection in
                connection.writeHead(status: 200, headers: headers)
                connection.write(Data(repeating: 0, count: 4096))
            }
        }
        #expect(outcome.run.status == 69, "\(outcome.run)")
        #expect(outcome.run.stderr.contains("archive"), "\(outcome.run.stderr)")
        expectNoBundle(outcome)
    }

    @Test func `an archive that never answers leaves no bundle, within the timeout`() throws {
        let outcome = try collect { _, target in target.contains("/archive?") ? .hang : nil }
        #expect(outcome.run.status == 69, "\(outcome.run)")
        #expect(outcome.run.stderr.contains("timed out"), "\(outcome.run.stderr)")
        #expect(outcome.run.seconds < 15)
        expectNoBundle(outcome)
    }

    @Test func `a slowloris log stream leaves no bundle, within a few timeouts`() throws {
        let outcome = try collect { _, target in
            target.contains("/logs?") ? .trickle(headers: [:], byte: 0, every: 0.2) : nil
        }
        #expect(outcome.run.status == 69, "\(outcome.run)")
        #expect(outcome.run.seconds < 20)
        expectNoBundle(outcome)
    }

    @Test func `a truncated inspect answer leaves no bundle`() throws {
        let outcome = try collect { _, target in
            target.hasSuffix("/json") && target.contains("/containers/")
                ? .respond(status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"Id":"0a8f"#.utf8))
                : nil
        }
        #expect(outcome.run.status == 1, "\(outcome.run)")
        #expect(outcome.run.stderr.contains("undecodable JSON"), "\(outcome.run.stderr)")
        expectNoBundle(outcome)
    }
}
