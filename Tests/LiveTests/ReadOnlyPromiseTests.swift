import Foundation
import TestSupport
import Testing

/// The read-only promise (no request other than GET and HEAD, docs/bundle.md), checked twice for
/// every command that talks to an engine (inspect, doctor, collect, watch), against the lab's real
/// engines: in what the tool recorded (`--record`, or the recording and collection log a bundle
/// keeps), and on the wire, through a proxy socket in front of the engine that keeps every request
/// line the engine really received.
@Suite(.lab, .serialized)
struct ReadOnlyPromiseTests {
    static let dockerScenarios = [
        "dropped", "overwritten", "deleted", "false-claim", "memfd", "tty", "risky", "removed",
    ]

    /// A run of the tool against `engine` through a recording proxy.
    private struct Observed {
        var run: ToolRun
        /// Request lines the engine received, e.g. `GET /v1.41/containers/x/json HTTP/1.1`.
        var wire: [String]
    }

    private func observe(_ engine: Lab.Engine, _ arguments: (_ host: String) -> [String]) throws -> Observed {
        let proxy = try FakeEngine.forwarding(to: engine.socket)
        defer { proxy.stop() }
        let run = try Tool.run(arguments("unix://" + proxy.socketPath), timeLimit: 300)
        #expect(run.signal == nil && !run.timedOut, "\(run)")
        return Observed(run: run, wire: proxy.requests)
    }

    private func scratch() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "read-only-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        return url
    }

    /// The methods of every exchange in a recording folder's `recording.json`.
    private func recordedMethods(_ folder: URL) throws -> [String] {
        let index = try JSONSerialization.jsonObject(
            with: Data(contentsOf: folder.appendingPathComponent("recording.json")))
        let exchanges = try #require((index as? [String: Any])?["exchanges"] as? [[String: Any]])
        return exchanges.compactMap { $0["method"] as? String }
    }

    private func expectReadOnly(_ methods: [String], _ what: String, sourceLocation: SourceLocation = #_sourceLocation)
    {
        #expect(!methods.isEmpty, "\(what): nothing was recorded", sourceLocation: sourceLocation)
        for method in methods {
            #expect(method == "GET" || method == "HEAD", "\(what) sent \(method)", sourceLocation: sourceLocation)
        }
    }

    private func wireMethods(_ lines: [String]) -> [String] {
        lines.map { String($0.prefix { $0 != " " }) }
    }

    // MARK: - inspect

    @Test(arguments: Lab.EngineName.dockers, dockerScenarios)
    func `inspect of every Docker scenario only reads`(engine engineName: Lab.EngineName, scenario name: String) throws {
        guard Lab.isUp(engineName) || Lab.isRequired else { return }
        let engine = try Lab.require(engineName)
        try inspectOnlyReads(engine, try engine.scenario(name))
    }

    @Test(.lab(.podman)) func `inspect on Podman only reads`() throws {
        let engine = try Lab.require(.podman)
        try inspectOnlyReads(engine, try engine.scenario("dropped"))
    }

    private func inspectOnlyReads(_ engine: Lab.Engine, _ scenario: Lab.Scenario) throws {
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        for (index, arguments) in [
            ["inspect", "--alert", scenario.alert, "--format", "json"],
            ["inspect", scenario.containerExists ? scenario.name : scenario.shortId, "--format", "markdown"],
        ].enumerated() {
            let record = folder.appendingPathComponent("recording-\(index)")
            let observed = try observe(engine) { host in arguments + ["--host", host, "--record", record.path] }
            #expect(observed.run.status == (scenario.containerExists ? 0 : 3), "\(observed.run)")
            expectReadOnly(try recordedMethods(record), "\(arguments.joined(separator: " ")) (recorded)")
            expectReadOnly(wireMethods(observed.wire), "\(arguments.joined(separator: " ")) (on the wire)")
            #expect(
                observed.wire.count == (try recordedMethods(record)).count,
                "every request on the wire is in the recording")
        }
    }

    // MARK: - doctor

    @Test(arguments: Lab.EngineName.allCases)
    func `doctor only reads`(engine name: Lab.EngineName) throws {
        guard Lab.isUp(name) || Lab.isRequired else { return }
        let engine = try Lab.require(name)
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let record = folder.appendingPathComponent("recording")
        let observed = try observe(engine) { host in
            ["doctor", "--host", host, "--record", record.path, "--format", "json"]
        }
        #expect(observed.run.status == 0, "\(observed.run)")
        expectReadOnly(try recordedMethods(record), "doctor (recorded)")
        expectReadOnly(wireMethods(observed.wire), "doctor (on the wire)")
    }

    // MARK: - collect

    @Test(arguments: ["dropped", "deleted", "memfd", "tty"])
    func `collect only reads, and its bundle says so`(scenario name: String) throws {
        let engine = try Lab.require(.docker)
        let scenario = try engine.scenario(name)
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bundle = folder.appendingPathComponent("bundle")
        let observed = try observe(engine) { host in
            ["collect", "--alert", scenario.alert, "--host", host, "--out", bundle.path]
        }
        #expect(observed.run.status == 0, "\(observed.run)")
        expectReadOnly(wireMethods(observed.wire), "collect (on the wire)")
        // The bundle's own record of the conversation: the investigation's recording, and the
        // collection log of every request the collector made (its own included).
        expectReadOnly(try recordedMethods(bundle.appendingPathComponent("engine/recording")), "collect (recording)")
        let log = try String(contentsOf: bundle.appendingPathComponent("collection.log"), encoding: .utf8)
        // Tab-separated: started, method, target, status, bytes, ms, connection, note. Reads of the
        // host are logged too; engine requests are the ones made over a connection.
        let logged = log.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { line -> String? in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count > 6, ["direct", "recorded"].contains(fields[6]) else { return nil }
            return String(fields[1])
        }
        expectReadOnly(logged, "collect (collection.log)")
        #expect(logged.count == observed.wire.count, "every request on the wire is in collection.log:\n\(log)")
    }

    // MARK: - watch

    @Test func `watch only reads, for every alert of the lab`() throws {
        let engine = try Lab.require(.docker)
        let manifest = try Lab.manifest.get()
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        let out = folder.appendingPathComponent("bundles")
        // Only the Docker engine's alerts: the proxy stands in front of that engine alone.
        let alerts =
            try String(contentsOf: manifest.alertsURL, encoding: .utf8).split(separator: "\n")
            .filter { line in engine.scenarios.values.contains { line.contains($0.shortId) } }
            .joined(separator: "\n") + "\n"
        let proxy = try FakeEngine.forwarding(to: engine.socket)
        defer { proxy.stop() }
        let run = try Tool.run(
            ["watch", "--input", "-", "--out", out.path, "--host", "unix://" + proxy.socketPath],
            input: Data(alerts.utf8),
            timeLimit: 600)
        #expect(run.status == 0, "\(run)")
        expectReadOnly(wireMethods(proxy.requests), "watch (on the wire)")
        let bundles = ((try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? [])
            .map { out.appendingPathComponent($0) }
            .filter {
                FileManager.default.fileExists(
                    atPath: $0.appendingPathComponent("engine/recording/recording.json").path)
            }
        #expect(!bundles.isEmpty, "no bundle in \(out.path): \(run)")
        for bundle in bundles {
            expectReadOnly(
                try recordedMethods(bundle.appendingPathComponent("engine/recording")),
                "watch (\(bundle.lastPathComponent))")
        }
    }

    // MARK: - Commands that never reach an engine

    @Test func `triage and verify never open an engine connection`() throws {
        let engine = try Lab.require(.docker)
        let manifest = try Lab.manifest.get()
        let folder = try scratch()
        defer { try? FileManager.default.removeItem(at: folder) }
        // Point every way of finding an engine at the proxy: nothing may arrive there.
        let proxy = try FakeEngine.forwarding(to: engine.socket)
        defer { proxy.stop() }
        let environment = ["DOCKER_HOST": "unix://" + proxy.socketPath]
        let triage = try Tool.run(
            ["triage", manifest.alerts, "--format", "json"], environment: environment, timeLimit: 120)
        #expect(triage.status == 0, "\(triage)")
        let bundle = folder.appendingPathComponent("bundle")
        let collect = try Tool.run(
            ["collect", "--alert", try engine.scenario("dropped").alert, "--host", engine.host, "--out", bundle.path],
            timeLimit: 300)
        #expect(collect.status == 0, "\(collect)")
        let verify = try Tool.run(["verify", bundle.path], environment: environment, timeLimit: 120)
        #expect(verify.status == 0, "\(verify)")
        #expect(proxy.requests.isEmpty, "\(proxy.requests)")
    }
}
