import Foundation
import Runtime

/// A container runtime held in memory: containers, their processes, changes, files, logs and events as
/// values, per-call errors to inject, and a capability table per kind. It drives whole investigations in
/// tests with no engine and no recording, through the same seam the Docker runtime implements.
package struct InMemoryRuntime: ContainerRuntime {
    package enum Call: String, Sendable, Hashable, CaseIterable {
        case engine, container, processes, changes, file, stat, logs, events, image
    }

    /// One container and everything the runtime knows of it.
    package struct Entry: Sendable {
        package var record: ContainerRecord
        package var processes: [RuntimeProcess] = []
        package var changes: [LayerChange] = []
        /// Container path → content; a path absent here is not in the container.
        package var files: [String: [UInt8]] = [:]
        package var logs: [LogExcerpt.Line] = []
        package var events: [RuntimeEvent] = []

        package init(record: ContainerRecord) {
            self.record = record
        }
    }

    package var descriptor: RuntimeDescriptor
    package var engineFacts = EngineFacts(serverVersion: "test", storageDriver: "overlay2", containerdImageStore: false)
    package var containers: [Entry]
    package var images: [String: ImageRecord] = [:]
    /// An error a call throws instead of answering.
    package var failures: [Call: RuntimeError] = [:]
    /// How long a call takes before it answers (and is journaled).
    package var delays: [Call: Duration] = [:]
    /// Every call in the order answered (a delayed call is journaled when its delay is over).
    package let journal = CallJournal()

    package init(kind: RuntimeDescriptor.Kind = .docker, containers: [Entry], clock: RuntimeInstant? = nil) {
        let all = Set(RuntimeDescriptor.Capability.allCases)
        descriptor = RuntimeDescriptor(
            kind: kind, endpoint: "memory://\(kind.rawValue)", apiVersion: "test",
            capabilities: kind == .podman ? all.subtracting([.processes]) : all,
            leavesTrace: kind == .docker ? [.processes, .files] : [], clock: clock,
            missing: kind == .podman ? [.processes: "Podman's top is not asked (it may run ps inside the container)"] : [:])
        self.containers = containers
    }

    /// Records the call, then throws its injected error or refuses one the descriptor says is missing.
    private func answer(_ call: Call, needs capability: RuntimeDescriptor.Capability? = nil) async throws(RuntimeError) {
        if let delay = delays[call] { try? await Task.sleep(for: delay) }
        journal.append(call)
        if let failure = failures[call] { throw failure }
        if let capability, !descriptor.can(capability) {
            throw .unsupported("\(descriptor.kind.rawValue) has no \(capability.rawValue)")
        }
    }

    private func entry(_ container: ContainerRecord) throws(RuntimeError) -> Entry {
        guard let entry = containers.first(where: { $0.record.id == container.id }) else {
            throw .notFound("no such container: \(container.id)")
        }
        return entry
    }

    package func engine() async -> EngineFacts {
        journal.append(.engine)
        return engineFacts
    }

    package func container(_ reference: String) async throws(RuntimeError) -> ContainerRecord {
        try await answer(.container)
        let matches = containers.filter { $0.record.id.hasPrefix(reference) || $0.record.name == reference }
        guard matches.count == 1, let match = matches.first else {
            throw matches.isEmpty ? .notFound("no such container: \(reference)") : .malformed("\(reference) is ambiguous")
        }
        return match.record
    }

    package func processes(of container: ContainerRecord) async throws(RuntimeError) -> [RuntimeProcess] {
        try await answer(.processes)
        return try entry(container).processes
    }

    package func changes(of container: ContainerRecord) async throws(RuntimeError) -> [LayerChange] {
        try await answer(.changes, needs: .changes)
        return try entry(container).changes
    }

    package func file(
        of container: ContainerRecord, path: String, into sink: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void
    ) async throws(RuntimeError) -> FileRead? {
        try await answer(.file, needs: .files)
        guard let bytes = try entry(container).files[path] else { return nil }
        do { try bytes.withUnsafeBytes { try sink($0) } } catch { throw .malformed("the sink refused \(path): \(error)") }
        return FileRead(
            size: Int64(bytes.count), mode: "-rwxr-xr-x", isRegular: true, complete: true, bytesRead: Int64(bytes.count),
            source: "memory \(container.shortID):\(path)")
    }

    package func stat(of container: ContainerRecord, path: String) async throws(RuntimeError) -> FileRead? {
        try await answer(.stat, needs: .files)
        guard let bytes = try entry(container).files[path] else { return nil }
        return FileRead(
            size: Int64(bytes.count), mode: "-rwxr-xr-x", isRegular: true, complete: false, bytesRead: 0,
            source: "memory stat \(container.shortID):\(path)")
    }

    package func logs(of container: ContainerRecord, in window: TimeWindow, limit: Int, newest: Bool) async throws(RuntimeError)
        -> LogExcerpt
    {
        try await answer(.logs, needs: .logs)
        var selection = LogSelection<LogExcerpt.Line>(limit: limit, keep: newest ? .newest : .oldest)
        for line in try entry(container).logs { selection.offer(line) }
        return LogExcerpt(lines: selection.ordered, truncated: selection.truncated)
    }

    package func events(about reference: String, in window: TimeWindow) async throws(RuntimeError) -> [RuntimeEvent] {
        try await answer(.events, needs: .pastEvents)
        return containers.filter { $0.record.id.hasPrefix(reference) || $0.record.name == reference }.flatMap(\.events)
    }

    package func image(_ reference: String) async throws(RuntimeError) -> ImageRecord {
        try await answer(.image, needs: .imageHistory)
        guard let image = images[reference] else { throw .notFound("no such image: \(reference)") }
        return image
    }
}

/// The calls a runtime received, in order; shared by copies of the runtime.
package final class CallJournal: @unchecked Sendable {
    // @unchecked: `calls` is only touched under `lock`.
    private let lock = NSLock()
    private var calls: [InMemoryRuntime.Call] = []

    func append(_ call: InMemoryRuntime.Call) {
        lock.lock()
        defer { lock.unlock() }
        calls.append(call)
    }

    package var recorded: [InMemoryRuntime.Call] {
        lock.lock()
        defer { lock.unlock() }
        return calls
    }
}

/// A host view held in memory: the files, links and folders of the runtime's host a test sets up.
package struct InMemoryHost: HostView {
    package var files: [String: HostFileInfo] = [:]
    package var links: [String: String] = [:]
    package var digests: [String: HostDigest] = [:]
    package var texts: [String: String] = [:]
    package var folders: [String: [String]] = [:]

    package init() {}

    package func fileInfo(_ path: String) -> HostFileInfo? { files[path] }
    package func linkTarget(_ path: String) -> String? { links[path] }
    package func digest(_ path: String) -> HostDigest? { digests[path] }
    package func text(_ path: String, limit: Int) -> String? { texts[path].map { String($0.prefix(limit)) } }
    package func entries(_ path: String) -> [String]? { folders[path] }
}
