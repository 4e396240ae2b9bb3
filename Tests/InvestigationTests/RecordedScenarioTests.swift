import DockerEngine
import Foundation
import Investigation
import Testing
import TestSupport
import DockerRuntime

/// The lab's scenarios, replayed from Fixtures/recordings: the same assertions as the live tests, no engine.
@Suite struct RecordedScenarioTests {
    static let recordings: [URL] = {
        let folder = Fixture.url("recordings")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
            .filter { FileManager.default.fileExists(atPath: $0.appendingPathComponent("scenario.json").path) }
    }()

    @Test func `every scenario of the lab has a recording`() {
        let names = Set(Self.recordings.map(\.lastPathComponent))
        for scenario in ["dropped", "overwritten", "deleted", "false-claim", "memfd", "tty", "risky", "removed", "mismatch"] {
            #expect(names.contains("docker-\(scenario)"), "no recording docker-\(scenario): run `make fixtures`")
        }
        #expect(names.contains("podman-dropped"))
        for scenario in ["dropped", "deleted", "memfd", "false-claim"] {
            #expect(names.contains("docker26-containerd-\(scenario)"), "no recording docker26-containerd-\(scenario): run `make fixtures`")
        }
        #expect(names.contains("docker26-dropped"))
    }

    @Test func `containerd's store, replayed: the layers come from the recorded mount table`() async throws {
        let recording = Fixture.url("recordings/docker26-containerd-dropped")
        let index = try JSONDecoder().decode(Recording.self, from: Data(contentsOf: recording.appendingPathComponent(Recording.indexName)))
        #expect(index.observations.contains { $0.operation == "read" && $0.path.hasSuffix("/mountinfo") && $0.result != nil })
        let connection = try EngineConnection.open(.init(replay: recording))
        let outcome = try await Investigator(connection: connection, settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: AlertFile.load(recording.appendingPathComponent("alert.json")))
        let report = outcome.report
        #expect(report.engine.hostAccess.containerdImageStore && report.engine.hostAccess.upperDirVisible)
        let upper = report.claims.first { $0.id == .upperLayer }?.evidence ?? []
        #expect(upper.contains { $0.contains("io.containerd.snapshotter.v1.overlayfs/snapshots/") && $0.contains("found from the mount table") })
        #expect(upper.contains { $0.contains("its ctime equals the alert's proc.exe_ino.ctime") })
        let notInImage = report.claims.first { $0.id == .notInImage }?.evidence ?? []
        #expect(notInImage.contains("no image layer (lower dir) holds /tmp/payload"))
    }

    @Test(arguments: recordings)
    func `a recorded scenario gives the verdicts the lab set up`(recording: URL) async throws {
        let expected = try JSONDecoder().decode(
            ScenarioExpectation.self, from: Data(contentsOf: recording.appendingPathComponent("scenario.json")))
        let connection = try EngineConnection.open(.init(replay: recording))
        try await ScenarioCheck.run(expected, alert: recording.appendingPathComponent("alert.json"), connection: connection)
    }

    @Test func `a replay is deterministic`() async throws {
        let recording = Fixture.url("recordings/docker-dropped")
        let alert = try AlertFile.load(recording.appendingPathComponent("alert.json"))
        func report() async throws -> String {
            let connection = try EngineConnection.open(.init(replay: recording))
            let outcome = try await Investigator(connection: connection, settings: .init(toolVersion: "test"))
                .investigate(container: nil, alert: alert)
            return try ScenarioCheck.comparable(outcome.report)
        }
        #expect(try await report() == report())
    }

    @Test func `Docker 29 with the containerd store: judged from changes, said plainly, engine errors kept`() async throws {
        let recording = Fixture.url("recordings/synthetic-docker29-containerd")
        let index = try JSONDecoder().decode(Recording.self, from: Data(contentsOf: recording.appendingPathComponent(Recording.indexName)))
        #expect(index.synthetic)
        let connection = try EngineConnection.open(.init(replay: recording))
        #expect(connection.client.apiVersion == APIVersion(1, 52))
        let outcome = try await Investigator(connection: connection, settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: AlertFile.load(recording.appendingPathComponent("alert.json")))
        let report = outcome.report
        #expect(report.engine.hostAccess.containerdImageStore)
        #expect(!report.engine.hostAccess.upperDirVisible)
        #expect(report.limitations.contains { $0.contains("containerd") })
        #expect(report.claims.first { $0.id == .upperLayer }?.verdict == .corroborated)
        #expect(report.claims.first { $0.id == .upperLayer }?.evidence.contains { $0.contains("not visible") } == true)
        let errors = report.logs.lines.filter { $0.stream == "engineError" }
        #expect(errors.count == 1 && errors.first?.text.contains("Error grabbing logs") == true)
        #expect(report.logs.lines.contains { $0.stream == "stdout" })
    }
}
