import DockerEngine
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

    @Test(.lab, arguments: dockerScenarios)
    func `a live Docker scenario gives the verdicts the lab set up`(name: String) async throws {
        let scenario = try Lab.require(.docker).scenario(name)
        let report = try await ScenarioCheck.run(ScenarioExpectation(scenario), alert: scenario.alertURL, connection: connection(.docker))
        if let secret = scenario.secretEnv {
            let json = try ScenarioCheck.comparable(report)
            #expect(!json.contains(secret.value), "a secret-looking environment value reached the report")
        }
    }

    @Test(.lab) func `an alert checked against another container is disputed`() async throws {
        let lab = try Lab.require(.docker)
        let dropped = try lab.scenario("dropped")
        let other = try lab.scenario("overwritten")
        try await ScenarioCheck.run(
            ScenarioExpectation(dropped, container: other.name), alert: dropped.alertURL, connection: connection(.docker))
    }

    @Test(.lab(.podman)) func `the dropped binary on Podman`() async throws {
        let scenario = try Lab.require(.podman).scenario("dropped")
        try await ScenarioCheck.run(ScenarioExpectation(scenario), alert: scenario.alertURL, connection: connection(.podman))
    }

    @Test(.lab) func `a replay of a live run gives the same report`() async throws {
        let scenario = try Lab.require(.docker).scenario("dropped")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("live-record-" + UUID().uuidString.prefix(8))
        defer { try? FileManager.default.removeItem(at: folder) }
        let alert = try AlertFile.load(scenario.alertURL)
        let live = try await Investigator(connection: connection(.docker, record: folder), settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: alert)
        let replayed = try await Investigator(connection: EngineConnection.open(.init(replay: folder)), settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: alert)
        #expect(try ScenarioCheck.comparable(live.report) == ScenarioCheck.comparable(replayed.report))
        let recording = try JSONDecoder().decode(Recording.self, from: Data(contentsOf: folder.appendingPathComponent(Recording.indexName)))
        #expect(!recording.exchanges.isEmpty)
        #expect(recording.exchanges.allSatisfy { $0.method == "GET" || $0.method == "HEAD" })
    }
}
