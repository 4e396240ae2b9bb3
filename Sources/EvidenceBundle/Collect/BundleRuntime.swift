import DockerEngine
import DockerRuntime
import Runtime

/// The collection's runtime: the engine's, telling the bundle how the container's log window is framed
/// (multiplexed, or raw for a container with a terminal) before it is asked for, so the log tap is told
/// explicitly rather than inferring it from an earlier answer.
struct BundleRuntime: ContainerRuntime {
    let base: DockerRuntime
    let journal: CollectionJournal

    var descriptor: RuntimeDescriptor { base.descriptor }

    func logs(of container: ContainerRecord, in window: TimeWindow, limit: Int, newest: Bool) async throws(RuntimeError)
        -> LogExcerpt
    {
        journal.logFraming = LogFraming(tty: container.tty)
        return try await base.logs(of: container, in: window, limit: limit, newest: newest)
    }

    func engine() async -> EngineFacts { await base.engine() }

    func container(_ reference: String) async throws(RuntimeError) -> ContainerRecord {
        try await base.container(reference)
    }

    /// The processes the runtime matched to the container, each held from here on (`ProcessHold`), so a
    /// later `/proc` recovery reads that process and not one that got its pid since.
    func processes(of container: ContainerRecord) async throws(RuntimeError) -> [RuntimeProcess] {
        let processes = try await base.processes(of: container)
        journal.hold(pids: processes.filter(\.isHostPid).map(\.pid), containerID: container.id)
        return processes
    }

    func changes(of container: ContainerRecord) async throws(RuntimeError) -> [LayerChange] {
        try await base.changes(of: container)
    }

    func file(
        of container: ContainerRecord, path: String, into sink: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void
    ) async throws(RuntimeError) -> FileRead? {
        try await base.file(of: container, path: path, into: sink)
    }

    func stat(of container: ContainerRecord, path: String) async throws(RuntimeError) -> FileRead? {
        try await base.stat(of: container, path: path)
    }

    func events(about reference: String, in window: TimeWindow) async throws(RuntimeError) -> [RuntimeEvent] {
        try await base.events(about: reference, in: window)
    }

    func image(_ reference: String) async throws(RuntimeError) -> ImageRecord { try await base.image(reference) }
}
