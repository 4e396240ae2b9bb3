import DockerEngine
import DockerRuntime
import FalcoAlerts
import Foundation
import Investigation
import Runtime

/// Builds an evidence bundle: runs its own investigation through a connection that records into the bundle,
/// files the engine's answers under their docs/bundle.md names, acquires the executables (archive endpoint,
/// or the host's `/proc` for deleted and memfd ones), writes the reports, the collection log, the
/// manifest and `SHA256SUMS`, and only then moves the bundle into place.
///
/// Everything streams: bodies are hashed, extracted and split while they arrive (see
/// `CollectionTransport`), so memory stays flat whatever the size of a file or a log. On any failure
/// or interruption the staging folder is removed and nothing appears at the destination.
package struct Collector: Sendable {
    package struct Settings: Sendable {
        package var toolVersion: String
        /// The most bytes kept of one acquired file (an archive body may carry 64 KiB more of tar framing).
        package var maxFileBytes: Int64
        /// The most bytes kept of the log window.
        package var maxLogBytes: Int64
        /// How many executables among the container's changes are acquired besides the alert's.
        package var maxFiles: Int
        /// How many changed paths are asked about (`HEAD`) when looking for those executables.
        package var maxExecutableChecks: Int
        /// The command line, for the manifest.
        package var arguments: [String]
        /// The investigation's window and limits; its acquisition is the bundle's own.
        package var investigation: Investigator.Settings

        package init(
            toolVersion: String, maxFileBytes: Int64 = 1 << 30, maxLogBytes: Int64 = 256 << 20, maxFiles: Int = 20,
            maxExecutableChecks: Int = 256, arguments: [String] = [], investigation: Investigator.Settings? = nil
        ) {
            self.investigation = investigation ?? Investigator.Settings(toolVersion: toolVersion)
            self.toolVersion = toolVersion
            self.maxFileBytes = maxFileBytes
            self.maxLogBytes = maxLogBytes
            self.maxFiles = maxFiles
            self.maxExecutableChecks = maxExecutableChecks
            self.arguments = arguments
        }
    }

    package struct Result: Sendable {
        /// Where the bundle now is.
        package var bundle: URL
        package var report: InvestigationReport
        package var containerFound: Bool
        package var manifest: BundleManifest
    }

    /// How to reach the engine; `record` and `replay` are the collector's business and ignored.
    package let engine: EngineConnection.Options
    package let settings: Settings
    package let isCancelled: @Sendable () -> Bool
    package let progress: (@Sendable (CollectionProgress) -> Void)?

    package init(
        engine: EngineConnection.Options, settings: Settings, isCancelled: @escaping @Sendable () -> Bool = { false },
        progress: (@Sendable (CollectionProgress) -> Void)? = nil
    ) {
        self.engine = engine
        self.settings = settings
        self.isCancelled = isCancelled
        self.progress = progress
    }

    /// Investigates `container` (default: the alert's) against `alert` and collects into `destination`,
    /// which must not exist.
    ///
    /// - Parameters:
    ///   - container: the container named on the command line (name, id or prefix), if any.
    ///   - alert: the alert, and its bytes exactly as received, kept as `alert.json`.
    /// - Throws: `EvidenceBundleError.bundleExists`/`.cannotCreate` before anything is written;
    ///   `.interrupted` or `.notWritten` after the staging folder was removed.
    package func collect(
        container: String?, alert: FalcoAlert?, alertBytes: [UInt8]?, into destination: URL
    ) async throws -> Result {
        // The manifest's replay command names the container the investigation asks for.
        let named = container ?? alert?.containerID
        let reference = named == "host" ? nil : named
        let investigate = { @Sendable (connection: EngineConnection, journal: CollectionJournal) in
            var settings = self.settings.investigation
            settings.acquisition = BundleAcquisition(journal: journal)
            let runtime = BundleRuntime(base: connection.runtime, journal: journal)
            return try await Investigator(runtime: runtime, host: connection.host, settings: settings).investigate(
                container: container, alert: alert)
        }
        let alert = alertBytes
        let staging = try StagingFolder.create(for: destination)
        let journal = CollectionJournal(progress: progress)
        do {
            var result = try await fill(
                staging, journal: journal, reference: reference, alert: alert, investigate: investigate)
            try checkpoint(journal)
            journal.step("moving the bundle into place")
            try staging.publish()
            result.bundle = staging.destination
            return result
        } catch {
            staging.discard()
            throw failure(error, journal: journal, destination: staging.destination.path)
        }
    }

    // MARK: - The steps

    private func fill(
        _ staging: StagingFolder, journal: CollectionJournal, reference: String?, alert: [UInt8]?,
        investigate: @Sendable (EngineConnection, CollectionJournal) async throws -> Investigator.Outcome
    ) async throws -> Result {
        let started = Date()
        journal.step("connecting")
        if let alert {
            let digest = try staging.write(BundleLayout.alert, alert)
            journal.add(
                .init(
                    path: BundleLayout.alert, digest: digest, kind: .alert, producer: "the --alert input",
                    acquiredAt: Date(), detail: "the alert exactly as received"))
        }
        try staging.makeFolder(BundleLayout.engine)
        try staging.makeFolder(BundleLayout.files)

        // The collector's own requests go through a connection of their own: they are logged and
        // hashed like every other, but are not part of the investigation's recording.
        let direct = try EngineConnection.open(options(.direct, staging: staging, journal: journal))
        try checkpoint(journal)

        let recordingURL = staging.root.appendingPathComponent(BundleLayout.recording)
        let connection = try EngineConnection.open(
            options(.recorded, staging: staging, journal: journal, record: recordingURL))
        journal.step("investigating")
        let outcome = try await investigate(connection, journal)
        try checkpoint(journal)

        journal.step("filing the engine's answers")
        try fileRecording(staging, journal: journal)

        let report = outcome.report
        if let id = report.container?.id {
            journal.step("acquiring changed executables")
            try await acquireChangedExecutables(report, containerID: id, client: direct.client, journal: journal)
        }
        try checkpoint(journal)
        try recoverFromProc(report, staging: staging, journal: journal)
        try checkpoint(journal)

        journal.step("writing the report and manifest")
        try writeReports(report, staging: staging, journal: journal)
        let manifest = try writeManifest(
            report, reference: reference, staging: staging, journal: journal, started: started)
        return Result(bundle: staging.root, report: report, containerFound: outcome.containerFound, manifest: manifest)
    }

    /// Connection options whose live transport is wrapped by a `CollectionTransport`.
    private func options(
        _ connection: CollectionJournal.Connection, staging: StagingFolder, journal: CollectionJournal,
        record: URL? = nil
    ) -> EngineConnection.Options {
        var options = engine
        options.record = record
        options.replay = nil
        options.isCancelled = isCancelled
        let plan = CollectionTransport.Plan(
            connection: connection, staging: staging, maxFileBytes: settings.maxFileBytes,
            maxLogBytes: settings.maxLogBytes, maxArchiveEntries: max(settings.maxFiles, 1))
        options.wrapLive = { live in CollectionTransport(live: live, journal: journal, plan: plan) }
        return options
    }

    /// Stops between steps once interrupted or once a transfer broke: the bundle would be partial.
    func checkpoint(_ journal: CollectionJournal) throws {
        if isCancelled() { throw DockerEngineError.cancelled(request: "the collection") }
        if let failure = journal.failure { throw failure }
    }

    private func failure(_ error: any Error, journal: CollectionJournal, destination: String) -> EvidenceBundleError {
        if isCancelled() { return .interrupted(destination: destination) }
        let cause = journal.failure ?? Self.sendable(error)
        if case .cancelled? = cause as? DockerEngineError { return .interrupted(destination: destination) }
        if case .cancelled? = cause as? RuntimeError { return .interrupted(destination: destination) }
        // Someone created the destination while we worked: say so plainly (exit 73).
        if case .bundleExists? = error as? EvidenceBundleError, journal.failure == nil {
            return .bundleExists(path: destination)
        }
        return .notWritten(destination: destination, cause: cause)
    }

    /// The error types this module meets, kept as they are so the exit code still fits them.
    static func sendable(_ error: any Error) -> any Error & Sendable {
        switch error {
        case let error as DockerEngineError: return error
        case let error as RuntimeError: return error
        case let error as EvidenceBundleError: return error
        case let error as InvestigationError: return error
        default: return EvidenceBundleError.writeFailed(path: "the bundle", reason: String(describing: error))
        }
    }
}

/// The executable as the bundle keeps it: the archive answer streams through the bundle's transport,
/// which extracts and hashes the file on the way; the investigation takes that digest rather than
/// hashing the same bytes again (hashing is most of the CPU a large acquisition costs).
struct BundleAcquisition: ExecutableAcquisition {
    let journal: CollectionJournal

    func acquire(_ path: String, of container: ContainerRecord, from runtime: any ContainerRuntime) async throws(RuntimeError)
        -> AcquiredFile
    {
        guard let file = try await runtime.file(of: container, path: path, into: { _ in }) else { return AcquiredFile(file: nil) }
        guard file.complete else { return AcquiredFile(file: file) }
        guard let kept = journal.archivedFile(path), kept.size == file.bytesRead else {
            throw .malformed(InvestigationError.noSharedDigest(path: path).description)
        }
        return AcquiredFile(file: file, sha256: kept.sha256, size: file.bytesRead)
    }
}
