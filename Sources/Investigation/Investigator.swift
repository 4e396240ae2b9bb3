import FalcoAlerts
import Foundation
import Runtime

/// Investigates an alert against a container: gather → decide → report.
///
/// 1. ``Gatherer`` asks the runtime and the host at once and keeps every answer as typed ``Evidence``
///    (`Gather/`); 2. ``Decision/decide(_:)`` weighs it, pure (`Decide/`, `Claims/`, `Risks/`, `Advice/`);
/// 3. ``ReportAssembly`` writes both into the report (`Report/`). How claims are decided: docs/claims.md.
package struct Investigator: Sendable {
    package let runtime: any ContainerRuntime
    package let host: any HostView
    package let settings: Settings

    package struct Settings: Sendable {
        /// Logs and events are read this far either side of the alert time.
        package var window: Double = 120
        package var maxLogLines: Int = 200
        /// How many changed files are checked for being executables.
        package var maxDriftChecks: Int = 64
        package var toolVersion: String = "0"
        /// `--since` / `--until`: the log and event window's ends, instead of ±window around the alert.
        package var since: RuntimeInstant?
        package var until: RuntimeInstant?
        /// `--tail N`: the newest N lines of the window (without an alert the newest are shown anyway).
        package var tail: Int?
        /// How the alert's executable is taken from the container.
        package var acquisition: any ExecutableAcquisition = HashingAcquisition()

        package init(window: Double = 120, maxLogLines: Int = 200, toolVersion: String = "0") {
            self.window = window
            self.maxLogLines = maxLogLines
            self.toolVersion = toolVersion
        }
    }

    package typealias Outcome = InvestigationOutcome

    package init(runtime: any ContainerRuntime, host: any HostView, settings: Settings) {
        self.runtime = runtime
        self.host = host
        self.settings = settings
    }

    /// Investigates `reference` (default: the alert's container) against `alert`, if any.
    package func investigate(container reference: String?, alert: FalcoAlert?) async throws -> InvestigationOutcome {
        let facts = alert.map(AlertSummary.facts(of:))
        guard let target = reference ?? facts?.containerID, target != "host" else {
            throw InvestigationError.noContainer(
                facts?.containerID == "host"
                    ? "the alert is about a host process (container.id=host); name a container to inspect"
                    : "name a container, or give an alert that names one")
        }
        let gatherer = Gatherer(runtime: runtime, host: host, settings: settings, acquisition: settings.acquisition)
        let evidence = try await gatherer.gather(
            reference: target, alert: facts, imageRepository: alert?.imageRepository,
            alertTime: alert.flatMap(AlertSummary.instant(of:)))
        let decision = Decision.decide(evidence)
        let report = ReportAssembly.report(
            alert: alert, evidence: evidence, decision: decision, toolVersion: settings.toolVersion)
        return InvestigationOutcome(report: report, containerFound: evidence.container != nil)
    }
}

/// The report, and whether the container was found (exit 3 when not).
package struct InvestigationOutcome: Sendable {
    package var report: InvestigationReport
    package var containerFound: Bool

    package init(report: InvestigationReport, containerFound: Bool) {
        self.report = report
        self.containerFound = containerFound
    }
}

/// Errors of the investigation itself (the runtime's own are `RuntimeError`).
package enum InvestigationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing says which container to look at.
    case noContainer(String)
    /// The evidence bundle had no whole copy of the file the runtime's answer carried.
    case noSharedDigest(path: String)

    package var description: String {
        switch self {
        case .noContainer(let why): return why
        case .noSharedDigest(let path):
            return "the evidence bundle kept no whole copy of \(path) from the archive answer, so there is no digest of it"
        }
    }
}
