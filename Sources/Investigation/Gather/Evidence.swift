import Runtime

/// A piece of evidence: what the runtime answered, or why it could not. Unavailable is not empty: an
/// empty answer is a finding, an unavailable one makes what rests on it unverifiable.
package enum Gathered<Value: Sendable>: Sendable {
    case collected(Value)
    case unavailable(String)

    /// Runs one runtime call, its failure kept as the reason.
    package static func from(_ work: () async throws(RuntimeError) -> Value) async -> Gathered {
        do { return .collected(try await work()) } catch { return .unavailable(error.description) }
    }

    package var value: Value? {
        if case .collected(let value) = self { return value }
        return nil
    }

    package var reason: String? {
        if case .unavailable(let reason) = self { return reason }
        return nil
    }
}

/// The executable as acquired from the container: nil `file` when the path does not exist there.
package struct AcquiredFile: Sendable, Hashable {
    package var file: FileRead?
    /// SHA-256 (hex) of the whole file, when every byte was read.
    package var sha256: String?
    package var size: Int64?
    /// Why the bytes were not acquired, only stat'ed: nothing of the container stands behind the path.
    package var declined: String?

    package init(file: FileRead?, sha256: String? = nil, size: Int64? = nil, declined: String? = nil) {
        self.file = file
        self.sha256 = sha256
        self.size = size
        self.declined = declined
    }
}

/// Everything gathered about an alert and its container, typed; deciding reads only this.
package struct Evidence: Sendable {
    package var alert: AlertFacts?
    /// The alert's `container.image.repository`, for a Falco exception.
    package var alertImageRepository: String?
    /// The container asked for (a name, id or prefix).
    package var reference: String
    package var window: TimeWindow
    package var runtime: RuntimeDescriptor
    package var engine: EngineFacts
    /// nil: the runtime has no such container (any more).
    package var container: ContainerRecord?
    package var events: Gathered<[RuntimeEvent]>
    package var changes: Gathered<[LayerChange]>
    package var processes: Gathered<[RuntimeProcess]>
    package var logs: Gathered<LogExcerpt>
    package var image: Gathered<ImageRecord>
    /// nil when there was no file to acquire (no alert, a memfd alert, or no container).
    package var file: Gathered<AcquiredFile>?
    /// What of the runtime's host this run can see.
    package var hostAccess: InvestigationReport.HostAccess
    /// The alert's executable, weighed from all of the above and the host.
    package var executable: ExecutableEvidence?
    /// The writable layer's changes, executables marked where the host shows them.
    package var drift: [InvestigationReport.Drift]

    package init(
        alert: AlertFacts?, alertImageRepository: String?, reference: String, window: TimeWindow,
        runtime: RuntimeDescriptor, engine: EngineFacts, container: ContainerRecord?,
        events: Gathered<[RuntimeEvent]>, changes: Gathered<[LayerChange]> = .unavailable("not asked"),
        processes: Gathered<[RuntimeProcess]> = .unavailable("not asked"),
        logs: Gathered<LogExcerpt> = .unavailable("not asked"), image: Gathered<ImageRecord> = .unavailable("not asked"),
        file: Gathered<AcquiredFile>? = nil,
        hostAccess: InvestigationReport.HostAccess = .init(
            upperDirVisible: false, procVisible: false, containerdImageStore: false, detail: "not examined"),
        executable: ExecutableEvidence? = nil, drift: [InvestigationReport.Drift] = []
    ) {
        self.alert = alert
        self.alertImageRepository = alertImageRepository
        self.reference = reference
        self.window = window
        self.runtime = runtime
        self.engine = engine
        self.container = container
        self.events = events
        self.changes = changes
        self.processes = processes
        self.logs = logs
        self.image = image
        self.file = file
        self.hostAccess = hostAccess
        self.executable = executable
        self.drift = drift
    }
}
