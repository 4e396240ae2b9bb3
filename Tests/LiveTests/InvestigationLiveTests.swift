import DockerEngine
import FalcoAlerts
import Foundation
import Investigation
import Testing
import TestSupport
import DockerRuntime

/// The investigation scenarios against the lab's real engines.
@Suite(.serialized) struct InvestigationLiveTests {
    static let dockerScenarios = ["dropped", "overwritten", "deleted", "false-claim", "memfd", "tty", "risky", "removed"]

    private func connection(_ engine: Lab.EngineName, record: URL? = nil) throws -> EngineConnection {
        try EngineConnection.open(.init(hostFlag: try Lab.require(engine).host, record: record))
    }

    @Test(.lab, arguments: Lab.EngineName.dockers, dockerScenarios)
    func `a live Docker scenario gives the verdicts the lab set up`(engine: Lab.EngineName, name: String) async throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario(name)
        let report = try await ScenarioCheck.run(ScenarioExpectation(scenario), alert: scenario.alertURL, connection: connection(engine))
        if let secret = scenario.secretEnv {
            let json = try ScenarioCheck.comparable(report)
            #expect(!json.contains(secret.value), "a secret-looking environment value reached the report")
        }
    }

    @Test(.lab, arguments: Lab.EngineName.dockers)
    func `an alert checked against another container is disputed`(engine: Lab.EngineName) async throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let lab = try Lab.require(engine)
        let dropped = try lab.scenario("dropped")
        let other = try lab.scenario("overwritten")
        try await ScenarioCheck.run(
            ScenarioExpectation(dropped, container: other.name), alert: dropped.alertURL, connection: connection(engine))
    }

    @Test(.lab(.docker26Containerd)) func `containerd's store: the upper-layer claim shows the upper dir from the mount table`() async throws {
        let scenario = try Lab.require(.docker26Containerd).scenario("dropped")
        let report = try await ScenarioCheck.run(
            ScenarioExpectation(scenario), alert: scenario.alertURL, connection: connection(.docker26Containerd))
        #expect(report.engine.hostAccess.containerdImageStore)
        let evidence = report.claims.first { $0.id == .upperLayer }?.evidence ?? []
        let upper = try #require(scenario.upperDir)
        #expect(upper.contains("io.containerd.snapshotter.v1.overlayfs/snapshots/"))
        #expect(evidence.contains { $0.hasPrefix("the overlay upper dir is \(upper) (found from the mount table of the container's process") }, "\(evidence)")
        #expect(evidence.contains { $0.contains("its ctime equals the alert's proc.exe_ino.ctime") }, "\(evidence)")
        // The file is not in the image's lower dirs, which the mount table named too.
        #expect(report.claims.first { $0.id == .notInImage }?.verdict == .corroborated)
    }

    @Test(.lab(.podman)) func `the dropped binary on Podman`() async throws {
        let scenario = try Lab.require(.podman).scenario("dropped")
        try await ScenarioCheck.run(ScenarioExpectation(scenario), alert: scenario.alertURL, connection: connection(.podman))
    }

    @Test(.lab(.docker26Containerd)) func `containerd's store, stopped container: says exactly what could not be seen`() async throws {
        let engine = try Lab.require(.docker26Containerd)
        let image = try engine.scenario("dropped").image
        let name = "layers-stopped-" + UUID().uuidString.prefix(6).lowercased()
        let run = try engine.docker([
            "run", "--name", name, "--label", "alert-inspect.lab=1", "--network", "none", image, "sh", "-c", "cp /bin/busybox /tmp/x",
        ])
        defer { _ = try? engine.docker(["rm", "-f", name]) }
        #expect(run.status == 0, "\(run.output)")
        let id = try engine.docker(["inspect", "-f", "{{.Id}}", name]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let alert = try AlertReader.parseAlert(
            Array(#"{"rule":"Drop and execute new binary in container","priority":"Critical","time":"2026-01-01T00:00:00.000000000Z","output":"x","output_fields":{"container.id":"\#(id.prefix(12))","container.name":"\#(name)","proc.exepath":"/tmp/x","evt.arg.flags":"EXE_WRITABLE|EXE_UPPER_LAYER"}}"#.utf8),
            source: "test")
        let report = try await Investigator(connection: connection(.docker26Containerd), settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: alert).report
        #expect(!report.engine.hostAccess.upperDirVisible)
        #expect(report.limitations.contains {
            $0.contains("the container is not running, and containerd's image store mounts its layers only while it runs: its upper dir (inode times of the files it wrote) and the image's lower dirs could not be seen")
        }, "\(report.limitations)")
        // /changes still answers for a stopped container: the claim rests on it alone.
        let upper = report.claims.first { $0.id == .upperLayer }
        #expect(upper?.verdict == .corroborated)
        #expect(upper?.evidence.contains { $0.hasPrefix("the overlay upper dir is not visible from here") } == true)
    }

    @Test(.lab, arguments: Lab.EngineName.dockers)
    func `a replay of a live run gives the same report`(engine: Lab.EngineName) async throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario("dropped")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("live-record-" + UUID().uuidString.prefix(8))
        defer { try? FileManager.default.removeItem(at: folder) }
        let alert = try AlertFile.load(scenario.alertURL)
        let live = try await Investigator(connection: connection(engine, record: folder), settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: alert)
        let replayed = try await Investigator(connection: EngineConnection.open(.init(replay: folder)), settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: alert)
        #expect(try ScenarioCheck.comparable(live.report) == ScenarioCheck.comparable(replayed.report))
        let recording = try JSONDecoder().decode(Recording.self, from: Data(contentsOf: folder.appendingPathComponent(Recording.indexName)))
        #expect(!recording.exchanges.isEmpty)
        #expect(recording.exchanges.allSatisfy { $0.method == "GET" || $0.method == "HEAD" })
    }
}
