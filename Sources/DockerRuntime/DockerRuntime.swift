import DockerEngine
import Foundation
import Runtime

/// The Docker Engine API (Docker's, or Podman's compatible one) as a `ContainerRuntime`.
///
/// Every blocking request runs on a thread of its own (`BlockingWork`), so concurrent calls overlap;
/// every error is mapped once, by ``RuntimeError/init(_:)``, into the runtime's error type.
package struct DockerRuntime: ContainerRuntime {
    package let connection: EngineConnection
    package let descriptor: RuntimeDescriptor

    package init(_ connection: EngineConnection) {
        self.connection = connection
        let client = connection.client
        let podman = client.ping.isPodman
        let all = Set(RuntimeDescriptor.Capability.allCases)
        descriptor = RuntimeDescriptor(
            kind: podman ? .podman : .docker,
            endpoint: connection.replay.map { $0.recording.endpoint } ?? client.transport.endpoint.description,
            apiVersion: client.apiVersion.description,
            // Podman's top may run ps inside the container: its processes are found on the host instead.
            capabilities: podman ? all.subtracting([.processes]) : all,
            // Docker logs its own `top` and `archive` requests as container events.
            leavesTrace: podman ? [] : [.processes, .files],
            clock: client.ping.engineDate.map { RuntimeInstant(seconds: Int64($0.timeIntervalSince1970)) },
            missing: podman ? [.processes: "Podman's top is not asked (it may run ps inside the container)"] : [:])
    }

    var client: EngineClient { connection.client }
    var host: any HostView { connection.host }

    /// Runs a blocking engine call off the cooperative pool, its error mapped to `RuntimeError`.
    func call<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws(RuntimeError) -> Value {
        do { return try await BlockingWork.run(work) } catch { throw RuntimeError(error) }
    }

    package func engine() async -> EngineFacts {
        let client = self.client
        async let version = try? call { try client.version().value }
        async let info = try? call { try client.info().value }
        let (versionRead, infoRead) = await (version, info)
        return EngineFacts(
            serverVersion: versionRead?.version ?? infoRead?.serverVersion, storageDriver: infoRead?.driver,
            containerdImageStore: infoRead?.usesContainerdImageStore,
            isPodman: client.ping.isPodman || (versionRead?.isPodman ?? false))
    }

    package func container(_ reference: String) async throws(RuntimeError) -> ContainerRecord {
        let client = self.client
        let host = self.host
        return try await call { ContainerRecord(try client.inspectContainer(reference).value, host: host) }
    }

    package func changes(of container: ContainerRecord) async throws(RuntimeError) -> [LayerChange] {
        let client = self.client
        return try await call { try client.changes(container.id).value }.map(LayerChange.init)
    }

    package func processes(of container: ContainerRecord) async throws(RuntimeError) -> [RuntimeProcess] {
        let client = self.client
        let askTop = container.state.running && descriptor.can(.processes)
        let rows = askTop ? try await call { try client.top(container.id).value.rows } : []
        return HostProcesses(host: host).processes(of: container, rows: rows)
    }

    package func image(_ reference: String) async throws(RuntimeError) -> ImageRecord {
        let client = self.client
        async let inspected = call { try client.inspectImage(reference).value }
        async let history = call { try client.imageHistory(reference).value }
        let image: ImageInspect
        let items: [ImageHistoryItem]
        do { (image, items) = try await (inspected, history) } catch { throw RuntimeError(error) }
        let steps = items.compactMap { $0.createdBy?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return ImageRecord(id: image.id, tags: image.repoTags ?? [], layerCount: image.rootFS?.layers?.count ?? 0, history: steps)
    }
}

extension RuntimeError {
    /// The one mapping from the engine client's errors (and the transport's) to the runtime's.
    init(_ error: any Error) {
        guard let error = error as? DockerEngineError else {
            self = (error as? RuntimeError) ?? .malformed(String(describing: error))
            return
        }
        switch error {
        case .noSuchContainer: self = .notFound(error.description)
        case .cancelled: self = .cancelled(error.description)
        case _ where error.isUnreachable: self = .unreachable(error.description)
        case .methodRefused: self = .denied(error.description)
        default: self = .malformed(error.description)
        }
    }
}

extension ContainerRecord {
    /// The inspected container, its layer dirs as `host` shows them (`ContainerLayers`).
    init(_ inspect: ContainerInspect, host: any HostView) {
        let layers = ContainerLayers.find(inspect, host: host)
        let state = inspect.state
        let started = state?.startedTime
        self.init(
            id: inspect.id, name: inspect.name, configImage: inspect.config?.image, imageID: inspect.image,
            labels: inspect.config?.labels ?? [:], tty: inspect.hasTTY,
            state: .init(
                status: state?.status, running: state?.running ?? false, pid: state?.pid, startedAt: state?.startedAt,
                finishedAt: state?.finishedAt,
                startedAtNanoseconds: started.map { $0.seconds * 1_000_000_000 + Int64($0.nanoseconds) }),
            restartCount: inspect.restartCount, posture: ContainerPosture(inspect),
            storage: .init(
                driver: inspect.storageDriverName, upperDir: layers.upperDir, lowerDirs: layers.lowerDirs,
                containerdSnapshot: inspect.graphDriver == nil && inspect.storage != nil, layersFound: layers.how,
                layerNotes: layers.notes))
    }
}

extension ContainerLayers {
    /// The layers of an inspected container as `host` shows them, cross-checked with its GraphDriver data.
    package static func find(_ container: ContainerInspect, host: any HostView) -> ContainerLayers {
        find(
            pid: container.state?.pid, reportedUpper: container.upperDir, reportedLowers: container.lowerDirs,
            snapshotter: container.usesSnapshotter, host: host)
    }
}

extension ContainerPosture {
    init(_ container: ContainerInspect) {
        self.init()
        let hostConfig = container.hostConfig
        privileged = hostConfig?.privileged ?? false
        capAdd = hostConfig?.capAdd ?? []
        capDrop = hostConfig?.capDrop ?? []
        readonlyRootfs = hostConfig?.readonlyRootfs ?? false
        securityOpt = hostConfig?.securityOpt ?? []
        appArmorProfile = container.appArmorProfile
        pidMode = hostConfig?.pidMode
        ipcMode = hostConfig?.ipcMode
        networkMode = hostConfig?.networkMode
        usernsMode = hostConfig?.usernsMode
        user = container.config?.user
        mounts = (container.mounts ?? []).compactMap { mount in
            guard mount.type == "bind" || mount.type == nil, let source = mount.source, !source.isEmpty else { return nil }
            return .init(source: source, destination: mount.destination ?? "", writable: mount.rw ?? true)
        }
    }
}

extension LayerChange {
    init(_ change: ContainerChange) {
        let kind: Kind
        switch change.kind {
        case .added: kind = .added
        case .modified: kind = .modified
        case .deleted: kind = .deleted
        case .unknown(let value): kind = .unknown(value)
        }
        self.init(path: change.path, kind: kind)
    }
}
