import DockerEngine
import FalcoAlerts
import Foundation
import Investigation
import Testing
import DockerRuntime

/// What an investigation scenario must show, wherever its engine answers from: the live lab, or a
/// recording of it in Fixtures. One test body, two transports.
package struct ScenarioExpectation: Codable, Sendable, CustomStringConvertible {
    package var scenario: String
    package var engine: String
    package var containerId: String
    package var name: String
    package var exePath: String
    package var expectedChange: String
    package var expectedVerdict: String?
    package var expectedRisks: [String]
    package var sha256: String
    package var running: Bool
    package var tty: Bool
    package var containerExists: Bool
    /// The container to inspect when it is not the alert's own (the mismatch case).
    package var container: String?

    package var description: String { "\(engine)-\(scenario)" + (container.map { " against \($0)" } ?? "") }

    package init(_ lab: Lab.Scenario, container: String? = nil) {
        scenario = lab.scenario
        engine = lab.engine
        containerId = lab.containerId
        name = lab.name
        exePath = lab.exePath
        expectedChange = lab.expectedChange
        expectedVerdict = lab.expectedVerdict
        expectedRisks = lab.expectedRisks
        sha256 = lab.sha256
        running = lab.running
        tty = lab.tty
        containerExists = lab.containerExists
        self.container = container
    }
}

package enum ScenarioCheck {
    /// Investigates `alert` through `connection` and checks everything the scenario promises.
    @discardableResult
    package static func run(
        _ expected: ScenarioExpectation, alert alertURL: URL, connection: EngineConnection
    ) async throws -> InvestigationReport {
        let bytes = try Data(contentsOf: alertURL)
        let alert = try AlertReader.parseAlert(Array(bytes), source: alertURL.lastPathComponent)
        let investigator = Investigator(connection: connection, settings: .init(window: 120, maxLogLines: 500, toolVersion: "test"))
        let outcome = try await investigator.investigate(container: expected.container, alert: alert)
        let report = outcome.report
        let claims = Dictionary(report.claims.map { ($0.id, $0.verdict) }, uniquingKeysWith: { first, _ in first })

        #expect(outcome.containerFound == expected.containerExists, "\(expected)")
        let isDocker = expected.engine.hasPrefix("docker")
        if expected.container != nil {
            // The alert is about another container: a finding, not an error.
            #expect(claims[.containerIdentity] == .contradicted, "\(expected)")
            #expect(report.verdict == .disputed, "\(expected)")
            return report
        }
        // A scenario that states no verdict still has one: every claim of a live container holds
        // (confirmed), and nothing can be checked of a gone one (inconclusive). Never skipped.
        let verdict = expected.expectedVerdict ?? (expected.containerExists ? "confirmed" : "inconclusive")
        #expect(report.verdict.rawValue == verdict, "\(expected): \(report.claims.map { "\($0.id.rawValue) \($0.verdict): \($0.reason)" })")
        guard expected.containerExists else {
            #expect(report.container == nil)
            #expect(report.claims.allSatisfy { $0.verdict == .unverifiable }, "\(expected)")
            #expect(report.limitations.contains { $0.contains("does not exist") })
            return report
        }
        #expect(claims[.containerIdentity] == .corroborated, "\(expected)")
        #expect(report.container?.id == expected.containerId)

        let executable = try #require(report.executable, "\(expected): no executable in the report")
        #expect(executable.change.rawValue == expected.expectedChange, "\(expected)")
        #expect(executable.sha256 == expected.sha256, "\(expected): hash from \(executable.source ?? "nowhere")")
        switch expected.scenario {
        case "false-claim":
            #expect(claims[.upperLayer] == .contradicted, "\(expected)")
            #expect(report.verdict == .disputed)
        case "memfd":
            #expect(claims[.fileless] == .corroborated, "\(expected)")
        default:
            #expect(claims[.upperLayer] == .corroborated, "\(expected)")
            #expect(claims[.notInImage] == .corroborated, "\(expected)")
        }
        if expected.scenario == "deleted" {
            #expect(executable.source?.hasPrefix("host /proc/") == true, "a deleted binary is recovered from /proc")
            #expect(report.claims.first { $0.id == .upperLayer }?.reason.contains("deleted after it ran") == true)
        }
        // Every store shows its layers in a container process's mount table: the upper-layer claim
        // carries the upper dir and the inode ctime, agreeing with the alert's, on each of them.
        if report.engine.hostAccess.upperDirVisible, ["dropped", "overwritten", "tty", "risky"].contains(expected.scenario) {
            let evidence = report.claims.first { $0.id == .upperLayer }?.evidence ?? []
            #expect(evidence.contains { $0.hasPrefix("the overlay upper dir is /") }, "\(expected): \(evidence)")
            #expect(evidence.contains { $0.contains("its ctime equals the alert's proc.exe_ino.ctime") }, "\(expected): \(evidence)")
        }
        if expected.engine == "docker26-containerd", expected.running {
            #expect(report.engine.hostAccess.upperDirVisible, "\(expected): the containerd store's upper dir comes from the mount table")
        }
        // Podman's top comes back empty (LAB-NOTES), so only Docker can show the process.
        if isDocker {
            #expect(executable.running == expected.running, "\(expected)")
        }
        let riskIDs = Set(report.risks.map(\.id))
        #expect(Set(expected.expectedRisks).isSubset(of: riskIDs), "\(expected): missing \(Set(expected.expectedRisks).subtracting(riskIDs))")

        if isDocker {
            let streams = Set(report.logs.lines.map(\.stream))
            if expected.tty {
                #expect(!report.logs.lines.isEmpty, "a TTY container's raw log stream decodes")
                #expect(streams == ["stdout"], "a TTY has one stream")
            } else {
                #expect(streams.isSuperset(of: ["stdout", "stderr"]), "\(expected): stdout and stderr kept apart")
            }
            // The engine keeps only its last 256 events, so the exec that ran the binary may be gone;
            // what is listed must be about this container and in time order.
            #expect(report.events.map(\.time) == report.events.map(\.time).sorted(), "\(expected)")
        }
        return report
    }

    /// The report as JSON without its generation time: what must be equal between a run and its replay.
    package static func comparable(_ report: InvestigationReport) throws -> String {
        var copy = report
        copy.generatedAt = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return String(decoding: try encoder.encode(copy), as: UTF8.self)
    }
}

/// Reads one alert file.
package enum AlertFile {
    package static func load(_ url: URL) throws -> FalcoAlert {
        try AlertReader.parseAlert(Array(try Data(contentsOf: url)), source: url.lastPathComponent)
    }
}
