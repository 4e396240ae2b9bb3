import DockerEngine
import Foundation
import Investigation
import Reporting
import Testing
import TestSupport
import DockerRuntime

/// The JSON report of every recording in `Fixtures/recordings`, compared with the one kept in
/// `Fixtures/reports/<name>.json` (made by the command line with `--replay`). Only `generatedAt` may
/// differ: any other change to what an investigation finds or how the report is written shows here.
@Suite struct GoldenReportTests {
    static let recordings: [String] = {
        let folder = Fixture.url("recordings")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/scenario.json").path)
        }
    }()

    @Test func `every recording has a kept report`() {
        #expect(Self.recordings.count >= 11)
        for name in Self.recordings {
            #expect(FileManager.default.fileExists(atPath: Fixture.url("reports/\(name).json").path), "\(name)")
        }
    }

    @Test(arguments: recordings)
    func `the JSON report of a recording is the kept one, apart from its generation time`(name: String) async throws {
        let recording = Fixture.url("recordings/\(name)")
        let kept = try String(contentsOf: Fixture.url("reports/\(name).json"), encoding: .utf8)
        let scenario = try JSONDecoder().decode(
            ScenarioExpectation.self, from: Data(contentsOf: recording.appendingPathComponent("scenario.json")))
        let keptReport = try JSONDecoder().decode(InvestigationReport.self, from: Data(kept.utf8))
        let alert = try AlertFile.load(recording.appendingPathComponent("alert.json"))
        let outcome = try await Investigator(
            connection: try EngineConnection.open(.init(replay: recording)),
            settings: .init(toolVersion: keptReport.tool.version)
        ).investigate(container: scenario.container, alert: alert)
        var report = outcome.report
        report.generatedAt = keptReport.generatedAt
        let json = try ReportRenderer(colored: false).render(report, as: .json)
        let (now, then) = (json.split(separator: "\n"), kept.split(separator: "\n"))
        #expect(now.count == then.count, "\(name): \(now.count) lines, kept \(then.count)")
        for (line, (new, old)) in zip(now, then).enumerated() where new != old {
            Issue.record("\(name) line \(line + 1): \(new)\n  kept: \(old)")
            break
        }
    }
}
