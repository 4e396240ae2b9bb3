import DockerEngine
import Foundation
import Investigation

/// Builds an evidence bundle: investigates through a connection that records into the bundle,
/// files the engine's answers under their SPEC names, acquires the executables (archive endpoint,
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

        package init(
            toolVersion: String, maxFileBytes: Int64 = 1 << 30, maxLogBytes: Int64 = 256 << 20, maxFiles: Int = 20,
            maxExecutableChecks: Int = 256, arguments: [String] = []
        ) {
            self.toolVersion = toolVersion
            self.maxFileBytes = maxFileBytes
            self.maxLogBytes = maxLogBytes
            self.maxFiles = maxFiles
            self.maxExecutableChecks = maxExecutableChecks
            self.arguments = arguments
        }
    }

    /// The investigation to run over the connection the collector opens (which records into the bundle).
    package typealias Investigation = @Sendable (EngineConnection) async throws -> Investigator.Outcome

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

    /// Collects into `destination`, which must not exist.
    ///
    /// - Parameters:
    ///   - reference: the container the investigation is about (name, id or prefix, as the
    ///     investigation will ask for it), named in the manifest's replay command.
    ///   - alert: the alert's bytes exactly as received, kept as `alert.json`.
    /// - Throws: `EvidenceBundleError.bundleExists`/`.cannotCreate` before anything is written;
    ///   `.interrupted` or `.notWritten` after the staging folder was removed.
    package func collect(
        container reference: String?, alert: [UInt8]?, into destination: URL, investigate: Investigation
    ) async throws -> Result {
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
        investigate: Investigation
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
        let outcome = try await investigate(connection)
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
        if connection == .recorded {
            options.archivedFileDigest = { path in journal.archivedFile(path).map { ($0.sha256, $0.size) } }
        }
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
        case let error as EvidenceBundleError: return error
        case let error as InvestigationError: return error
        default: return EvidenceBundleError.writeFailed(path: "the bundle", reason: String(describing: error))
        }
    }
}
