import DockerRuntime
import FalcoAlerts
import Foundation
import Investigation
import Reporting
import Testing
import TestSupport

/// What the alert says about itself beyond its fields reaches every report format: falcosidekick's uuid, the
/// priority as written, and the log line (journald here) it arrived in. The recording's own alert, so the
/// investigation is the real one; only the wrapping differs.
@Suite struct AlertOriginTests {
    static let recording = Fixture.url("recordings/docker-dropped")

    /// The recording's alert with a uuid and a lowercase priority, behind a journald prefix.
    static func wrappedAlert() throws -> FalcoAlert {
        let original = try String(contentsOf: recording.appendingPathComponent("alert.json"), encoding: .utf8)
        var object = try #require(JSONSerialization.jsonObject(with: Data(original.utf8)) as? [String: Any])
        object["uuid"] = "0f4e6c2a-5b7d-4e1f-9a3b-2c8d7e6f5a41"
        object["priority"] = "warning"
        let json = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        return try AlertReader.parseAlert("Feb 13 20:33:20 node-1 falco[19460]: " + json, source: "journal.log")
    }

    static func report() async throws -> InvestigationReport {
        try await Investigator(connection: try EngineConnection.open(.init(replay: recording)), settings: .init())
            .investigate(container: nil, alert: try wrappedAlert()).report
    }

    @Test func `the JSON report keeps the uuid, the priority as written and the log line`() async throws {
        let alert = try #require(try await Self.report().alert)
        #expect(alert.uuid == "0f4e6c2a-5b7d-4e1f-9a3b-2c8d7e6f5a41")
        #expect(alert.priority == "Warning")
        #expect(alert.priorityAsWritten == "warning")
        #expect(alert.provenance?.kind == "syslog")
        #expect(alert.provenance?.host == "node-1")
        #expect(alert.provenance?.time == "Feb 13 20:33:20")
        #expect(alert.provenance?.identifier == "falco" && alert.provenance?.pid == "19460")
        // The wrapping changes nothing of the alert's own: its time is still the alert's, not the log's.
        #expect(alert.time?.hasPrefix("2026-") == true)
    }

    @Test(arguments: [ReportFormat.text, .markdown, .json])
    func `every format shows them`(format: ReportFormat) async throws {
        let rendered = try ReportRenderer(colored: false).render(try await Self.report(), as: format)
        for expected in ["0f4e6c2a-5b7d-4e1f-9a3b-2c8d7e6f5a41", "node-1", "Feb 13 20:33:20", "warning", "19460"] {
            #expect(rendered.contains(expected), "\(format): no \(expected)")
        }
    }

    @Test func `an alert without them adds no key to the JSON report`() async throws {
        let plain = try AlertFile.load(Self.recording.appendingPathComponent("alert.json"))
        let report = try await Investigator(
            connection: try EngineConnection.open(.init(replay: Self.recording)), settings: .init()
        ).investigate(container: nil, alert: plain).report
        let json = try ReportRenderer(colored: false).render(report, as: .json)
        for key in ["uuid", "priorityAsWritten", "timeWithoutZone", "provenance"] {
            #expect(!json.contains("\"\(key)\""), "\(key) present")
        }
    }
}
