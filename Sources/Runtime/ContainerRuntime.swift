/// What an investigation needs from a container runtime, and nothing more: reads only.
///
/// One implementation per kind of runtime (the Docker Engine API, Docker's or Podman's, is the first:
/// `DockerRuntime`). An investigation takes one per run (no global), with the `HostView` of the
/// runtime's host beside it. Every call answers for one container the caller already resolved with
/// ``container(_:)``; streams are read inside the call and come back bounded (``logs(of:in:limit:newest:)``)
/// or are handed to the caller's sink as they arrive (``file(of:path:into:)``).
///
/// Errors: every call throws only ``RuntimeError``, mapped once by the implementation. A call the
/// runtime cannot answer throws ``RuntimeError/unsupported(_:)``; ``RuntimeDescriptor/capabilities``
/// says so beforehand, so gathering records it as unavailable rather than asking.
package protocol ContainerRuntime: Sendable {
    /// What this runtime is and can do, known once connected.
    var descriptor: RuntimeDescriptor { get }

    /// The engine's version, storage and whether it is Podman; unknown parts are nil (never throws).
    func engine() async -> EngineFacts

    /// Resolves an id, unique id prefix or name to one container, with its configuration and state.
    /// Throws ``RuntimeError/notFound(_:)`` when there is no such container (any more).
    func container(_ reference: String) async throws(RuntimeError) -> ContainerRecord

    /// The container's processes, with host pids where the runtime can tell them.
    func processes(of container: ContainerRecord) async throws(RuntimeError) -> [RuntimeProcess]

    /// The container's writable-layer changes against its image.
    func changes(of container: ContainerRecord) async throws(RuntimeError) -> [LayerChange]

    /// One file of the container: its stat (nil when there is no such path), and for a regular file its
    /// bytes, handed to `sink` in order as they arrive, never all held at once.
    func file(
        of container: ContainerRecord, path: String, into sink: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void
    ) async throws(RuntimeError) -> FileRead?

    /// One path's stat alone, no bytes read (nil when there is no such path): what an investigation
    /// learns of a file it does not stand behind acquiring.
    func stat(of container: ContainerRecord, path: String) async throws(RuntimeError) -> FileRead?

    /// The container's log lines in `window`: at most `limit` kept, the first ones or the `newest`, with
    /// whether there were more.
    func logs(of container: ContainerRecord, in window: TimeWindow, limit: Int, newest: Bool) async throws(RuntimeError)
        -> LogExcerpt

    /// The runtime's events about `reference` (an id, prefix or name) in `window`, oldest first.
    func events(about reference: String, in window: TimeWindow) async throws(RuntimeError) -> [RuntimeEvent]

    /// The image: its layers and how it was built.
    func image(_ reference: String) async throws(RuntimeError) -> ImageRecord
}

/// A runtime's kind, where it is, and what it can answer: capabilities as data, not probing.
package struct RuntimeDescriptor: Sendable, Hashable {
    package enum Kind: String, Sendable, Hashable {
        case docker, podman, containerd, cri
    }

    /// The calls a runtime may be unable to answer.
    package enum Capability: String, Sendable, Hashable, CaseIterable {
        /// ``ContainerRuntime/processes(of:)`` answers from the runtime itself (not only from host `/proc`).
        case processes
        /// ``ContainerRuntime/changes(of:)``.
        case changes
        /// ``ContainerRuntime/file(of:path:into:)``.
        case files
        /// ``ContainerRuntime/logs(of:in:limit:newest:)``.
        case logs
        /// ``ContainerRuntime/events(about:in:)`` over a past window (not live only).
        case pastEvents
        /// ``ContainerRuntime/image(_:)`` with layers and history.
        case imageHistory
    }

    package var kind: Kind
    /// Where the runtime answers (`unix:///run/docker.sock`); for a replay, where it was recorded.
    package var endpoint: String
    /// The protocol version in use (`1.41`).
    package var apiVersion: String
    package var capabilities: Set<Capability>
    /// Calls that leave an entry in the runtime's own event history (Docker's `top` and `archive` each
    /// add one): gathering reads the events before making them.
    package var leavesTrace: Set<Capability>
    /// The runtime's clock when connected, if it said; the time window of an alert-less run ends there.
    package var clock: RuntimeInstant?
    /// Why a capability is missing, said in the report's limitations (e.g. Podman's `top`).
    package var missing: [Capability: String]

    package init(
        kind: Kind, endpoint: String, apiVersion: String, capabilities: Set<Capability>,
        leavesTrace: Set<Capability> = [], clock: RuntimeInstant? = nil, missing: [Capability: String] = [:]
    ) {
        self.kind = kind
        self.endpoint = endpoint
        self.apiVersion = apiVersion
        self.capabilities = capabilities
        self.leavesTrace = leavesTrace
        self.clock = clock
        self.missing = missing
    }

    package func can(_ capability: Capability) -> Bool { capabilities.contains(capability) }
}

/// Everything a runtime call can fail with. Messages are the runtime's own, ready for a person.
package enum RuntimeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No such container, image or path.
    case notFound(String)
    /// The runtime cannot be reached (socket missing, refused, timed out, cut off): exit 69.
    case unreachable(String)
    /// The runtime refused (permission).
    case denied(String)
    /// This runtime has no such call (see ``RuntimeDescriptor/capabilities``).
    case unsupported(String)
    /// The answer could not be read (malformed, truncated, an engine error status).
    case malformed(String)
    /// The run was interrupted.
    case cancelled(String)

    package var description: String {
        switch self {
        case .notFound(let message), .unreachable(let message), .denied(let message), .unsupported(let message),
            .malformed(let message), .cancelled(let message):
            return message
        }
    }
}
