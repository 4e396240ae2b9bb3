import EvidenceBundle
import FalcoAlerts
import Foundation
import Investigation
import DockerRuntime

/// One investigation to run: the first alert of its group, and the bundle folder to create for it.
package struct InvestigationJob: Sendable {
    package var entry: Int
    package var identity: AlertIdentity
    package var alert: FalcoAlert
    /// The alert's bytes exactly as received, kept as the bundle's `alert.json`.
    package var raw: [UInt8]
    /// The bundle folder to create; it does not exist.
    package var destination: URL
    /// The dedupe group the job answers for.
    package var group: Int
}

/// How an investigation ended.
package enum InvestigationEnd: Sendable, Hashable {
    /// The bundle is in place (sealed: hashed and renamed); `containerFound` is false when the container is
    /// gone, which the report says.
    case bundled(bundle: URL, verdict: String, containerFound: Bool)
    /// No bundle: why.
    case failed(reason: String)
    /// The run stopped it before it finished: no bundle, and the alert is still owed.
    case interrupted(reason: String)
}

/// Runs investigations; `watch` runs the real one, tests a stand-in.
package protocol AlertInvestigating: Sendable {
    /// Investigates `job.alert` into `job.destination`, stopping early (and leaving nothing) once
    /// `isCancelled` says so.
    func investigate(_ job: InvestigationJob, isCancelled: @escaping @Sendable () -> Bool) async -> InvestigationEnd
}

/// The real investigation: `collect` for one alert, through the collector that builds the bundle in a hidden
/// sibling and renames it into place only when complete.
package struct BundleCollector: AlertInvestigating {
    package var engine: EngineConnection.Options
    /// The bundle's caps and the investigation's settings.
    package var collection: Collector.Settings

    package init(engine: EngineConnection.Options, collection: Collector.Settings) {
        self.engine = engine
        self.collection = collection
    }

    package func investigate(_ job: InvestigationJob, isCancelled: @escaping @Sendable () -> Bool) async
        -> InvestigationEnd
    {
        var engine = self.engine
        engine.isCancelled = isCancelled
        let collector = Collector(engine: engine, settings: collection, isCancelled: isCancelled)
        do {
            let result = try await collector.collect(
                container: nil, alert: job.alert, alertBytes: job.raw, into: job.destination)
            return .bundled(
                bundle: result.bundle, verdict: result.report.verdict.rawValue, containerFound: result.containerFound)
        } catch let error as EvidenceBundleError {
            if case .interrupted = error, isCancelled() { return stopped(job) }
            return .failed(reason: String(describing: error))
        } catch {
            if isCancelled() { return stopped(job) }
            return .failed(reason: String(describing: error))
        }
    }

    private func stopped(_ job: InvestigationJob) -> InvestigationEnd {
        .interrupted(
            reason: "the run stopped before the investigation finished; no bundle written at \(job.destination.path)")
    }
}
