import FalcoAlerts
import Foundation
import Runtime

/// Writes evidence and decisions into the `alert-inspect/report/v1` document (docs/report.md). No
/// judgement here: every value is either gathered or decided.
enum ReportAssembly {
    static func report(
        alert: FalcoAlert?, evidence: Evidence, decision: Decision, toolVersion: String, generatedAt: Date = Date()
    ) -> InvestigationReport {
        let engine = evidence.engine
        let container = evidence.container
        let window = evidence.window
        let emptyLogs = InvestigationReport.Logs(
            since: window.since.iso8601, until: window.until.iso8601, truncated: false, lines: [])
        let hostAccess =
            container == nil
            ? .init(upperDirVisible: false, procVisible: false, containerdImageStore: engine.containerdImageStore ?? false, detail: "not examined")
            : evidence.hostAccess
        return InvestigationReport(
            generatedAt: RuntimeInstant(
                seconds: Int64(generatedAt.timeIntervalSince1970.rounded(.down)),
                nanoseconds: Int64((generatedAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) * 1e9).rounded(.down))
            ).iso8601,
            tool: .init(name: "alert-inspect", version: toolVersion),
            engine: .init(
                endpoint: evidence.runtime.endpoint, apiVersion: evidence.runtime.apiVersion,
                serverVersion: engine.serverVersion, storageDriver: engine.storageDriver ?? container?.storage.driver,
                hostAccess: hostAccess, isPodman: engine.isPodman),
            alert: alert.map(AlertSummary.summary(of:)),
            container: container.map(summary(of:)),
            claims: decision.claims, verdict: decision.verdict, executable: decision.executable, risks: decision.risks,
            logs: container == nil ? emptyLogs : evidence.logs.value.map { logs(of: $0, window: window) } ?? emptyLogs,
            events: (evidence.events.value ?? []).map { .init(time: $0.time, action: $0.action, detail: $0.detail) },
            mitigations: decision.nextSteps, drift: evidence.drift,
            processes: (evidence.processes.value ?? []).map { .init(pid: $0.pid, user: $0.user, command: $0.command) },
            limitations: decision.limitations)
    }

    static func logs(of excerpt: LogExcerpt, window: TimeWindow) -> InvestigationReport.Logs {
        .init(
            since: window.since.iso8601, until: window.until.iso8601, truncated: excerpt.truncated,
            lines: excerpt.lines.map { line in
                .init(time: line.time, stream: line.stream, text: line.text, base64: line.bytes.map { Data($0).base64EncodedString() })
            })
    }

    static func summary(of container: ContainerRecord) -> InvestigationReport.Container {
        let state = container.state
        return .init(
            id: container.id, name: container.name, image: container.configImage ?? "", imageId: container.imageID ?? "",
            labels: Redaction.redacted(container.labels),
            state: .init(
                status: state.status ?? "unknown", running: state.running, pid: state.pid ?? 0,
                startedAt: state.startedAt, finishedAt: state.finishedAt, restartCount: container.restartCount))
    }
}

/// Secret-looking values are not printed (docs/report.md: `*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*KEY*`).
package enum Redaction {
    package static let marker = "<redacted>"

    package static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL", "PRIVATE"].contains { upper.contains($0) }
    }

    package static func redacted(_ values: [String: String]) -> [String: String] {
        values.reduce(into: [:]) { result, entry in
            result[entry.key] = looksSecret(entry.key) ? marker : entry.value
        }
    }
}
