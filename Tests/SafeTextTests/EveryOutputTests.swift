import AlertWatch
@testable import EvidenceBundle
import FalcoAlerts
import Foundation
@testable import Investigation
import Reporting
import Runtime
import Testing
import TestSupport

/// Every output that can carry text from an alert, a container, an engine or the command line, fed the
/// hand-written list of hostile characters (`HostileText`), must carry none of them raw.
@Suite struct EveryOutputTests {
    /// A kept report with every free-text value made hostile.
    static func hostileReport() throws -> InvestigationReport {
        var report = try JSONDecoder().decode(InvestigationReport.self, from: Fixture.data("reports/docker-dropped.json"))
        let bad = HostileText.hostile
        let endpoint = report.engine.endpoint
        report.engine.endpoint = bad(endpoint)
        report.engine.serverVersion = bad("20.10")
        let detail = report.engine.hostAccess.detail
        report.engine.hostAccess.detail = bad(detail)
        let rule = report.alert?.rule ?? ""
        report.alert?.rule = bad(rule)
        report.alert?.exePath = bad("/tmp/payload")
        report.alert?.cmdline = bad("payload")
        report.alert?.containerName = bad("lab")
        report.alert?.fields["proc.name"] = .string(bad("name"))
        report.container?.name = bad("lab")
        report.container?.labels[bad("label")] = bad("value")
        report.claims = report.claims.map { claim in
            var claim = claim
            claim.statement = bad(claim.statement)
            claim.reason = bad(claim.reason)
            claim.evidence = claim.evidence.map(bad)
            return claim
        }
        report.executable?.path = bad("/tmp/payload")
        report.risks.append(.init(id: "privileged", severity: .high, detail: bad("detail")))
        report.logs.lines.append(.init(time: bad("t"), stream: "stdout", text: bad("log")))
        report.events.append(.init(time: bad("t"), action: bad("top"), detail: bad("detail")))
        report.mitigations.append(.init(sentence: bad("Do this:"), code: bad("echo"), language: .shell))
        report.drift.append(.init(path: bad("/tmp/x"), kind: .added, executable: true))
        report.processes.append(.init(pid: 1, user: bad("root"), command: bad("sh")))
        report.limitations.append(bad("limit"))
        return report
    }

    @Test(arguments: ReportFormat.allCases, [false, true])
    func `reports in every format`(format: ReportFormat, colored: Bool) throws {
        let output = try ReportRenderer(colored: colored).render(Self.hostileReport(), as: format)
        #expect(HostileText.raw(in: output, allowingColour: colored).isEmpty, "\(format)")
    }

    @Test(arguments: TriageFormat.allCases)
    func `triage in every format`(format: TriageFormat) throws {
        var summary = TriageSummary()
        let json = try JSONSerialization.data(withJSONObject: [
            "rule": HostileText.hostile("Drop and execute new binary in container"), "priority": "Critical",
            "time": "2026-04-06T15:00:01Z",
            "output_fields": [
                "container.id": HostileText.hostile("abc"), "container.name": HostileText.hostile("web"),
                "proc.exepath": HostileText.hostile("/tmp/x"), "evt.arg.flags": "EXE_UPPER_LAYER",
            ],
        ])
        summary.add(try AlertReader.parseAlert(Array(json), source: HostileText.hostile("alerts.json")))
        let output = summary.rendered(as: format)
        #expect(HostileText.raw(in: output).isEmpty, "\(format)")
    }

    @Test(arguments: BundleVerifier.Finding.Kind.allCases)
    func `verify's findings`(kind: BundleVerifier.Finding.Kind) {
        let finding = BundleVerifier.Finding(kind: kind, path: HostileText.hostile("files/x"), detail: nil)
        // The tab separates the columns `<kind>\t<path>`; the path's own tabs are escaped.
        #expect(HostileText.raw(in: finding.description, allowing: ["\n", "\t"]).isEmpty)
        #expect(finding.description.filter { $0 == "\t" }.count == 1)
        #expect(!finding.description.unicodeScalars.contains("\u{202E}"))
    }

    @Test func `collect's summary`() throws {
        let report = try Self.hostileReport()
        let manifestJSON = """
            {"schema":"x","tool":{"name":"t","version":"0"},"engine":{"endpoint":"e","apiVersion":"1.41","isPodman":false},
            "collector":{"hostname":"h","uid":0,"startedAt":"s","finishedAt":"f","arguments":[]},
            "clock":{"resolutionSeconds":1},"caps":{"maxFileBytes":1,"maxLogBytes":1,"maxFiles":1,"reached":[\(
                String(decoding: try JSONEncoder().encode(HostileText.hostile("files/x")), as: UTF8.self))]},
            "files":[],"notes":[],"replay":"r"}
            """
        let manifest = try JSONDecoder().decode(BundleManifest.self, from: Data(manifestJSON.utf8))
        let result = Collector.Result(
            bundle: URL(fileURLWithPath: HostileText.hostile("/tmp/bundle")), report: report, containerFound: true,
            manifest: manifest)
        #expect(result.summary.contains("executable "))
        #expect(HostileText.raw(in: result.summary).isEmpty)
    }

    @Test func `doctor in text and JSON`() throws {
        let bad = HostileText.hostile
        let fields: [String: Any] = [
            "schema": "alert-inspect/doctor/v1", "endpoint": bad("unix:///x"), "endpointSource": bad("--host"), "reachable": true, "problem": bad("refused"),
            "engine": "docker", "serverVersion": bad("20.10"), "engineAPIVersion": bad("1.41"),
            "storageDriver": bad("overlay2"), "dataRoot": bad("/var/lib/docker"), "consequences": [bad("c")],
        ]
        let report = try JSONDecoder().decode(DoctorReport.self, from: JSONSerialization.data(withJSONObject: fields))
        #expect(HostileText.raw(in: DoctorText.rendered(report)).isEmpty)
        #expect(HostileText.raw(in: try DoctorText.json(report)).isEmpty)
    }

    @Test func `watch's lines`() {
        #expect(HostileText.raw(in: WatchNotice.visible(HostileText.all)).isEmpty)
        let error = WatchError.inputUnreadable(path: HostileText.all, reason: "gone")
        #expect(HostileText.raw(in: error.description).isEmpty)
    }
}
