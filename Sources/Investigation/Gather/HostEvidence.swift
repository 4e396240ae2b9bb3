import Runtime

/// What the runtime's host shows beyond the runtime: the overlay dirs and `/proc`. Every path read is
/// built from runtime data, and container paths are joined onto host folders only through `HostPath`.
struct HostEvidence: Sendable {
    let host: any HostView

    /// Which of the host's views of this container this run can read, and what that leaves out.
    func access(container: ContainerRecord, engine: EngineFacts) -> InvestigationReport.HostAccess {
        let storage = container.storage
        let containerd = engine.containerdImageStore ?? storage.containerdSnapshot
        let upperVisible = storage.upperDir.flatMap { host.fileInfo($0) }?.kind == .directory
        // The main process's pid is a host pid with every runtime (top's pids are not, with Podman).
        let pid = container.state.pid ?? 0
        let procVisible = pid > 0 && host.linkTarget("/proc/\(pid)/exe") != nil
        var notes = storage.layerNotes
        if storage.upperDir == nil, containerd {
            notes.append("the engine keeps containers in containerd's image store, which exposes no overlay paths: the writable layer is judged from /changes only")
        } else if storage.upperDir == nil {
            notes.append("the engine reports no overlay upper dir for this container (storage driver \(storage.driver ?? "unknown"))")
        } else if !upperVisible {
            notes.append("the overlay upper dir is not readable from here (run as root on the engine's host to see it)")
        }
        if pid > 0 && !procVisible {
            notes.append("host /proc of the container's processes is not readable from here (run as root on the engine's host): memfd and deleted executables cannot be examined")
        }
        return .init(
            upperDirVisible: upperVisible, procVisible: procVisible, containerdImageStore: containerd,
            detail: notes.isEmpty
                ? "overlay upper dir\(storage.layersFound.map { " (found \($0))" } ?? "") and host /proc are readable"
                : notes.joined(separator: "; "))
    }

    /// The alert's executable: what the changes, the acquired file, the processes and the host's
    /// layers say of it.
    func executable(
        alert: AlertFacts, container: ContainerRecord, changes: [LayerChange]?, file: AcquiredFile?,
        processes: [RuntimeProcess], access: InvestigationReport.HostAccess
    ) -> ExecutableEvidence? {
        guard let path = alert.exePath, !path.isEmpty else { return nil }
        let processes = processes.map { ProcessFacts(pid: $0.pid, user: $0.user, command: $0.command, exeLink: $0.exeLink) }
        var evidence = ExecutableEvidence(path: path)
        evidence.changesAvailable = changes != nil
        switch changes?.first(where: { $0.path == path })?.kind {
        case .added?: evidence.listedChange = .added
        case .modified?: evidence.listedChange = .modified
        case .deleted?: evidence.listedChange = .deleted
        case .unknown?, nil: break
        }
        evidence.procVisible = access.procVisible
        evidence.upperDirVisible = access.upperDirVisible
        evidence.upperDir = access.upperDirVisible ? container.storage.upperDir : nil
        evidence.layersFound = container.storage.layersFound
        if alert.isMemfd {
            evidence.processes = processes.filter(\.isMemfd)
        } else {
            evidence.existsInContainer = file.map { $0.file != nil }
            // The bytes hashed, when they were; the runtime's stat is only a claim about them.
            evidence.size = file?.size ?? file?.file?.size
            evidence.mode = file?.file?.mode
            if let sha = file?.sha256 {
                evidence.sha256 = sha
                evidence.digestSource = file?.file?.source
            }
            evidence.processes = processes.filter { Grounds.runs(path, $0) }
            if access.upperDirVisible, let upper = container.storage.upperDir,
                let hostPath = HostPath.resolve(path, in: upper, host: host)
            {
                evidence.upperFile = host.fileInfo(hostPath)
            }
            let lowers = container.storage.lowerDirs.filter { !$0.hasSuffix("-init/diff") }
            if !lowers.isEmpty, lowers.allSatisfy({ host.fileInfo($0)?.kind == .directory }) {
                evidence.inImageLayers = lowers.contains { lower in
                    guard let hostPath = HostPath.resolve(path, in: lower, host: host), let info = host.fileInfo(hostPath) else { return false }
                    return !info.isWhiteout
                }
            }
        }
        // Deleted or memfd: the host still holds the bytes behind the running process.
        if evidence.sha256 == nil, access.procVisible, let process = evidence.processes.first,
            process.exeDeleted || process.isMemfd, let digest = host.digest("/proc/\(process.pid)/exe")
        {
            evidence.sha256 = digest.sha256
            evidence.size = evidence.size ?? digest.size
            evidence.digestSource = "host /proc/\(process.pid)/exe"
        }
        return evidence
    }

    /// The changes sorted by path, the first `maxChecks` that the host shows marked executable or not.
    func drift(_ changes: [LayerChange], container: ContainerRecord, maxChecks: Int) -> [InvestigationReport.Drift] {
        let upper = host is NoHostView ? nil : container.storage.upperDir
        var checked = 0
        return changes.sorted { $0.path < $1.path }.map { change in
            var executable: Bool?
            if change.kind != .deleted, let upper, checked < maxChecks,
                let hostPath = HostPath.resolve(change.path, in: upper, host: host)
            {
                checked += 1
                if let info = host.fileInfo(hostPath), info.kind == .file { executable = info.permissions & 0o111 != 0 }
                else if host.fileInfo(hostPath) != nil { executable = false }
            }
            return .init(path: change.path, kind: DriftKind(change.kind), executable: executable)
        }
    }
}

extension DriftKind {
    init(_ kind: LayerChange.Kind) {
        switch kind {
        case .added: self = .added
        case .modified: self = .modified
        case .deleted: self = .deleted
        case .unknown(let value): self = .unknown(value)
        }
    }
}
