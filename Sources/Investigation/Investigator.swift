import Crypto
import DockerEngine
import FalcoAlerts
import Foundation

/// Gathers what the engine and its host show about a container and an alert, then decides.
///
/// Requests that do not depend on each other run at once (each blocking call on its own thread), so
/// an investigation takes about as long as its slowest request rather than the sum of them.
package struct Investigator: Sendable {
    package let connection: EngineConnection
    package let settings: Settings

    package struct Settings: Sendable {
        /// Logs and events are read this far either side of the alert time.
        package var window: Double = 120
        package var maxLogLines: Int = 200
        /// How many changed files are checked for being executables.
        package var maxDriftChecks: Int = 64
        package var toolVersion: String = "0"
        /// `--since` / `--until`: the log and event window's ends, instead of ±window around the alert.
        package var since: EngineTime?
        package var until: EngineTime?
        /// `--tail N`: the newest N lines of the window (without an alert the newest are shown anyway).
        package var tail: Int?

        package init(window: Double = 120, maxLogLines: Int = 200, toolVersion: String = "0") {
            self.window = window
            self.maxLogLines = maxLogLines
            self.toolVersion = toolVersion
        }
    }

    /// The report, and whether the container was found (exit 3 when not).
    package struct Outcome: Sendable {
        package var report: InvestigationReport
        package var containerFound: Bool
    }

    package init(connection: EngineConnection, settings: Settings) {
        self.connection = connection
        self.settings = settings
    }

    private var client: EngineClient { connection.client }
    private var host: any HostView { connection.host }

    // MARK: - The run

    /// Investigates `reference` (default: the alert's container) against `alert`, if any.
    package func investigate(container reference: String?, alert: FalcoAlert?) async throws -> Outcome {
        let alertFacts = alert.map(Self.facts(of:))
        guard let target = reference ?? alertFacts?.containerID, target != "host" else {
            throw InvestigationError.noContainer(
                alertFacts?.containerID == "host"
                    ? "the alert is about a host process (container.id=host); name a container to inspect"
                    : "name a container, or give an alert that names one")
        }
        let client = self.client
        let window = timeWindow(alert: alert)
        // Inspect first, alone: it answers in a millisecond, but not while the archive endpoint
        // holds the container's lock.
        let inspected: ContainerInspect?
        do {
            inspected = try await BlockingWork.run { try client.inspectContainer(target).value }
        } catch DockerEngineError.noSuchContainer {
            inspected = nil
        }
        guard let container = inspected else {
            async let versionTask = BlockingWork.run { try? client.version().value }
            async let infoTask = BlockingWork.run { try? client.info().value }
            let version = await (try? versionTask) ?? nil
            let report = baseReport(alert: alert, version: version, info: await (try? infoTask) ?? nil, container: nil)
            return Outcome(
                report: await gone(target, alert: alert, facts: alertFacts, window: window, report: report),
                containerFound: false)
        }

        let id = container.id
        let running = container.state?.running ?? false
        let exePath = alertFacts?.isMemfd == false ? alertFacts?.exePath : nil
        let askTop = running && !client.ping.isPodman  // Podman's top may run ps inside the container
        // The archive endpoint holds the container's lock until its last byte is read, and changes,
        // top and logs each take that lock as they start: asked all at once, they waited behind the
        // archive (65 ms instead of 20 for top). So they go first, and the archive follows once
        // changes, which holds the lock longest of them, has answered.
        async let topTask = BlockingWork.run { askTop ? try client.top(id).value : nil }
        async let logsTask = BlockingWork.run { [self] in try logs(of: container, window: window) }
        async let changesTask = BlockingWork.run { try client.changes(id).value }
        async let eventsTask = BlockingWork.run { [self] in try events(container: id, window: window) }
        async let imageTask = BlockingWork.run { [image = container.image ?? ""] in try? client.inspectImage(image).value }
        async let historyTask = BlockingWork.run { [image = container.image ?? ""] in try? client.imageHistory(image).value }

        var limitations: [String] = []
        let changes: [ContainerChange]?
        do { changes = try await changesTask } catch {
            changes = nil
            limitations.append("the container's changes could not be read: \(error)")
        }
        async let fileTask = BlockingWork.run { [self] in try exePath.map { try acquire($0, in: id) } }
        // Asked last: the engine spends 7-15 ms of CPU on them, which on a small host delayed everything above.
        async let versionTask = BlockingWork.run { try? client.version().value }
        async let infoTask = BlockingWork.run { try? client.info().value }
        let info = await (try? infoTask) ?? nil
        var report = baseReport(alert: alert, version: await (try? versionTask) ?? nil, info: info, container: container)
        let processList: ProcessList?
        do { processList = try await topTask } catch {
            processList = nil
            limitations.append("the container's processes could not be listed: \(error)")
        }
        let image = await (try? imageTask) ?? nil
        let history = await (try? historyTask) ?? nil
        do { report.logs = try await logsTask } catch {
            report.logs = .init(since: window.since.iso8601, until: window.until.iso8601, truncated: false, lines: [])
            limitations.append("logs could not be read: \(error)")
        }
        do { report.events = try await eventsTask.map(\.summary) } catch {
            limitations.append("engine events could not be read: \(error)")
        }
        let file: AcquiredFile?
        do { file = try await fileTask ?? nil } catch {
            file = nil
            limitations.append("the executable could not be read through the archive endpoint: \(error)")
        }

        // Host side: overlay dirs and /proc, when this machine is the engine's host.
        let layers = ContainerLayers.find(container, host: host)
        let access = hostAccess(container: container, processes: processList, info: info, layers: layers)
        report.engine.hostAccess = access
        if !access.upperDirVisible || !access.procVisible || !layers.notes.isEmpty { limitations.append(access.detail) }
        let processes = hostProcesses(of: container, rows: processList?.rows ?? [], access: access)
        if running, processes.isEmpty {
            let why =
                !askTop ? "Podman's top is not asked (it may run ps inside the container) and host /proc is not readable here"
                : processList == nil ? "the engine's top could not be read and host /proc is not readable here"
                : "the engine's top returned no processes for a running container"
            limitations.append(why + ": process evidence is missing")
        }
        report.processes = processes.map { .init(pid: $0.pid, user: $0.user, command: $0.command) }
        report.drift = drift(changes ?? [], container: container, layers: layers)

        let posture = Self.posture(of: container)
        report.risks = PostureRisks.risks(of: posture)

        if let alertFacts {
            let evidence = executableEvidence(
                alert: alertFacts, container: container, changes: changes, file: file, processes: processes, access: access,
                layers: layers)
            let decision = ClaimChecker.decide(
                alert: alertFacts, container: Self.facts(of: container), executable: evidence,
                hostLimitation: access.upperDirVisible && access.procVisible ? nil : access.detail)
            report.claims = decision.claims
            report.verdict = decision.verdict
            report.executable = decision.executable
            if let image, let history, let index = report.claims.firstIndex(where: { $0.id == .notInImage }) {
                report.claims[index].evidence.append(Self.imageLine(image, history: history))
            }
        } else {
            report.verdict = .inconclusive
        }
        report.limitations += limitations
        report.mitigations = NextSteps.steps(for: .init(
            alert: alertFacts, imageRepository: alert?.imageRepository ?? image?.repoTags?.first.map { String($0.split(separator: ":").first ?? "") },
            containerID: container.id, containerName: container.name, containerRunning: running, verdict: report.verdict,
            executable: report.executable, risks: report.risks, procVisible: access.procVisible))
        return Outcome(report: report, containerFound: true)
    }

    /// The report for a container that does not exist (any more): what the alert says, what the
    /// engine's events still tell of how it went, and what could not be checked.
    private func gone(
        _ target: String, alert: FalcoAlert?, facts: AlertFacts?, window: TimeWindow, report base: InvestigationReport
    ) async -> InvestigationReport {
        var report = base
        report.events = (try? await BlockingWork.run { [self] in try events(container: target, window: window) })?.map(\.summary) ?? []
        if let facts {
            let decision = ClaimChecker.decide(alert: facts, container: nil, executable: nil, hostLimitation: nil)
            report.claims = decision.claims
            report.verdict = decision.verdict
            if let path = facts.exePath, !path.isEmpty {
                // The alert still names the executable; nothing more of it can be learned.
                report.executable = .init(
                    path: path, change: .unknown, sha256: nil, size: nil, mode: nil, pid: nil, running: false, source: nil)
            }
        }
        report.limitations.append(
            "container \(target) does not exist (any more): its configuration, files, processes and logs could not be checked")
        report.logs = .init(since: window.since.iso8601, until: window.until.iso8601, truncated: false, lines: [])
        report.mitigations = NextSteps.steps(for: .init(
            alert: facts, imageRepository: alert?.imageRepository, containerID: nil, containerName: nil,
            containerRunning: false, verdict: report.verdict, executable: nil, risks: [], procVisible: false))
        return report
    }

    // MARK: - Pieces of evidence

    struct TimeWindow {
        var since: EngineTime
        var until: EngineTime
        /// The `until` to send: never past the engine's now, or `/events` would wait for the future.
        var requestUntil: EngineTime
        /// Without an alert the newest log lines are shown, as `docker logs --tail` does.
        var hasAlert = true
    }

    /// ±window around the alert; without an alert, the last window up to the engine's clock.
    func timeWindow(alert: FalcoAlert?) -> TimeWindow {
        let now = client.ping.engineDate.map { EngineTime(seconds: Int64($0.timeIntervalSince1970)) }
            ?? EngineTime(seconds: Int64(Date().timeIntervalSince1970))
        let span = Int64(settings.window)
        let center = alert?.time.map { EngineTime(seconds: $0.secondsSinceEpoch, nanoseconds: Int64($0.nanoseconds)) } ?? now
        let since = settings.since ?? EngineTime(seconds: center.seconds - span, nanoseconds: Int64(center.nanoseconds))
        let until = settings.until
            ?? (alert == nil ? now : EngineTime(seconds: center.seconds + span, nanoseconds: Int64(center.nanoseconds)))
        return TimeWindow(since: since, until: until, requestUntil: min(until, now), hasAlert: alert != nil)
    }

    func logs(of container: ContainerInspect, window: TimeWindow) throws -> InvestigationReport.Logs {
        let request = EngineClient.logsRequest(container.id, since: window.since, until: window.until)
        var decoder = LogDecoder(tty: container.hasTTY, timestamps: true, request: request.description)
        var truncated = false
        // Around an alert the report shows the window's first lines; the rest is read only when it is being
        // kept (an evidence bundle, --record). Otherwise a chatty container's window (hundreds of MB) would
        // be read to the end for nothing. The newest lines (--tail, or no alert) need the whole window.
        let newest = settings.tail != nil || !window.hasAlert
        var selection = LogSelection<InvestigationReport.LogLine>(
            limit: settings.tail ?? settings.maxLogLines, keep: newest ? .newest : .oldest)
        struct Enough: Error {}
        let readsWholeWindow = connection.recorder != nil
        func keep(_ line: LogLine) throws {
            let wanted = selection.offer(.init(
                time: line.time, stream: line.stream.rawValue, text: line.text,
                base64: line.isValidUTF8 ? nil : Data(line.bytes).base64EncodedString()))
            if !wanted && !readsWholeWindow { throw Enough() }
        }
        do {
            _ = try client.stream(request, about: container.id) { chunk in try decoder.feed(chunk, keep) }
            do { try decoder.finish(keep) } catch DockerEngineError.truncated { truncated = true }
        } catch is Enough {}
        return .init(
            since: window.since.iso8601, until: window.until.iso8601, truncated: truncated || selection.truncated,
            lines: selection.ordered)
    }

    /// Engine events about `container` (an id, id prefix or name prefix: the engine's filter is fuzzy).
    func events(container: String, window: TimeWindow) throws -> [EngineEvent] {
        guard window.since < window.requestUntil else { return [] }
        let request = EngineClient.eventsRequest(container: container, since: window.since, until: window.requestUntil)
        var splitter = JSONLineSplitter()
        var events: [EngineEvent] = []
        func keep(_ line: UnsafeRawBufferPointer) throws {
            guard events.count < 1000, let event = try? EngineEvent(jsonLine: line, request: request.description) else { return }
            events.append(event)
        }
        _ = try client.stream(request) { chunk in try splitter.feed(chunk, keep) }
        try splitter.finish(keep)
        return events
    }

    /// The executable as the archive endpoint gives it: stat, then (for a regular file) its content hashed as it streams.
    struct AcquiredFile: Sendable {
        var stat: PathStat?
        var sha256: String?
        var size: Int64?
    }

    /// One GET: the stat comes in the answer's header, so a directory or link is not streamed at all.
    func acquire(_ path: String, in reference: String) throws -> AcquiredFile {
        struct NotARegularFile: Error {}
        var stat: PathStat?
        var reader = TarReader(request: "GET archive \(path)")
        // Under a collection the bundle hashes the file as it extracts it; the bytes are not hashed twice.
        let sharedDigest = connection.archivedFileDigest
        var hasher = SHA256()
        var size: Int64 = 0
        var inFile = false
        var done = false
        let name = EngineClient.archiveMemberName(path)
        do {
            _ = try client.stream(
                EngineClient.archiveRequest(reference, path: path), about: reference,
                head: { head in
                    stat = try head.header(PathStat.headerName).map {
                        try PathStat(headerValue: $0, request: "the \(PathStat.headerName) header of \(path)")
                    }
                    guard stat?.fileType == .regular else { throw NotARegularFile() }
                }
            ) { chunk in
                try reader.feed(chunk) { event in
                    switch event {
                    case .entry(let entry):
                        // The engine names the member after the path's last component; any other
                        // member (`../x`, `/etc/x`, a second file) is not the file asked for.
                        inFile = !done && entry.isRegularFile && entry.name.isSafe && entry.name.components == [name]
                    case .content(let bytes) where inFile:
                        if sharedDigest == nil { hasher.update(bufferPointer: bytes) }
                        size += Int64(bytes.count)
                    case .entryEnd:
                        if inFile { done = true }
                        inFile = false
                    default:
                        break
                    }
                }
            }
            try reader.finish()
        } catch is NotARegularFile {
            return AcquiredFile(stat: stat)
        } catch DockerEngineError.engine(status: 404, _, _) {
            return AcquiredFile(stat: nil)
        }
        guard done else { return AcquiredFile(stat: stat) }
        guard let sharedDigest else { return AcquiredFile(stat: stat, sha256: hasher.finalize().hexString, size: size) }
        guard let shared = sharedDigest(path), shared.size == size else {
            throw InvestigationError.noSharedDigest(path: path)
        }
        return AcquiredFile(stat: stat, sha256: shared.sha256, size: size)
    }

    func hostAccess(container: ContainerInspect, processes: ProcessList?, info: SystemInfo?, layers: ContainerLayers)
        -> InvestigationReport.HostAccess
    {
        let containerd = info?.usesContainerdImageStore ?? (container.graphDriver == nil && container.storage != nil)
        let upperVisible = layers.upperDir.flatMap { host.fileInfo($0) }?.kind == .directory
        // State.Pid is a host pid with every engine (top's pids are not, with Podman).
        let pid = container.state?.pid ?? 0
        let procVisible = pid > 0 && host.linkTarget("/proc/\(pid)/exe") != nil
        var notes: [String] = layers.notes
        if layers.upperDir == nil, containerd {
            notes.append("the engine keeps containers in containerd's image store, which exposes no overlay paths: the writable layer is judged from /changes only")
        } else if layers.upperDir == nil {
            notes.append("the engine reports no overlay upper dir for this container (storage driver \(container.storageDriverName ?? "unknown"))")
        } else if !upperVisible {
            notes.append("the overlay upper dir is not readable from here (run as root on the engine's host to see it)")
        }
        if pid > 0 && !procVisible {
            notes.append("host /proc of the container's processes is not readable from here (run as root on the engine's host): memfd and deleted executables cannot be examined")
        }
        return .init(
            upperDirVisible: upperVisible, procVisible: procVisible, containerdImageStore: containerd,
            detail: notes.isEmpty ? "overlay upper dir (found \(layers.how)) and host /proc are readable" : notes.joined(separator: "; "))
    }

    /// The container's processes with their host pids and executables.
    ///
    /// Docker's top reports host pids; Podman's reports the container's own. A pid is trusted as a host
    /// pid only when the host's `/proc/<pid>/cgroup` names the container; otherwise the container's
    /// processes are found on the host by cgroup and matched by their in-container pid (`NSpid`).
    func hostProcesses(of container: ContainerInspect, rows: [ProcessList.Row], access: InvestigationReport.HostAccess)
        -> [ProcessFacts]
    {
        let id = container.id
        func belongs(_ pid: Int) -> Bool { host.text("/proc/\(pid)/cgroup", limit: 64 << 10)?.contains(id) ?? false }
        let listed = rows.compactMap { row in row.pid.map { (pid: $0, row: row) } }
        guard access.procVisible else {
            return listed.map { ProcessFacts(pid: $0.pid, user: $0.row.user, command: $0.row.command ?? "", exeLink: nil) }
        }
        // Each pid's cgroup is read once: the reads are host I/O, and recorded in a recording.
        let members = Set(listed.map(\.pid).filter(belongs))
        if !members.isEmpty {
            return listed.map { item in
                ProcessFacts(
                    pid: item.pid, user: item.row.user, command: item.row.command ?? "",
                    exeLink: members.contains(item.pid) ? host.linkTarget("/proc/\(item.pid)/exe") : nil)
            }
        }
        // Not host pids (or no top at all): find the container's processes on the host by cgroup.
        var found: [(pid: Int, inner: Int?, uid: String?)] = []
        for name in host.entries("/proc") ?? [] {
            guard let pid = Int(name), belongs(pid), let status = host.text("/proc/\(pid)/status", limit: 16 << 10) else { continue }
            let fields = Self.statusFields(status)
            found.append((pid, fields["NSpid"]?.split(separator: " ").last.flatMap { Int($0) }, fields["Uid"]?.split(separator: " ").first.map(String.init)))
        }
        if listed.isEmpty {
            return found.map { process in
                let argv = host.text("/proc/\(process.pid)/cmdline", limit: 4096) ?? ""
                let command = argv.split(separator: "\0").joined(separator: " ")
                return ProcessFacts(
                    pid: process.pid, user: process.uid.map { $0 == "0" ? "root" : "uid \($0)" }, command: command,
                    exeLink: host.linkTarget("/proc/\(process.pid)/exe"))
            }
        }
        let hostPid = Dictionary(found.compactMap { process in process.inner.map { ($0, process.pid) } }, uniquingKeysWith: { first, _ in first })
        return listed.map { item in
            guard let pid = hostPid[item.pid] else {
                return ProcessFacts(pid: item.pid, user: item.row.user, command: item.row.command ?? "", exeLink: nil)
            }
            return ProcessFacts(pid: pid, user: item.row.user, command: item.row.command ?? "", exeLink: host.linkTarget("/proc/\(pid)/exe"))
        }
    }

    /// `Name:\tvalue` lines of `/proc/<pid>/status`, values with runs of whitespace made single spaces.
    static func statusFields(_ status: String) -> [String: String] {
        var fields: [String: String] = [:]
        for line in status.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let value = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
            fields[String(line[..<colon])] = value
        }
        return fields
    }

    func executableEvidence(
        alert: AlertFacts, container: ContainerInspect, changes: [ContainerChange]?, file: AcquiredFile?,
        processes: [ProcessFacts], access: InvestigationReport.HostAccess, layers: ContainerLayers
    ) -> ExecutableEvidence? {
        guard let path = alert.exePath, !path.isEmpty else { return nil }
        var evidence = ExecutableEvidence(path: path)
        evidence.changesAvailable = changes != nil
        if let entry = changes?.first(where: { $0.path == path }) {
            switch entry.kind {
            case .added: evidence.listedChange = .added
            case .modified: evidence.listedChange = .modified
            case .deleted: evidence.listedChange = .deleted
            case .unknown: break
            }
        }
        evidence.procVisible = access.procVisible
        evidence.upperDirVisible = access.upperDirVisible
        evidence.upperDir = access.upperDirVisible ? layers.upperDir : nil
        evidence.layersFound = layers.how
        if alert.isMemfd {
            evidence.processes = processes.filter(\.isMemfd)
        } else {
            evidence.existsInContainer = file.map { $0.stat != nil }
            // The bytes hashed, when they were; the engine's stat is only a claim about them.
            evidence.size = file?.size ?? file?.stat?.size
            evidence.mode = file?.stat?.mode.lsString
            if let sha = file?.sha256 {
                evidence.sha256 = sha
                evidence.digestSource = "GET /containers/\(container.shortID)/archive"
            }
            evidence.processes = processes.filter { process in
                if let exe = process.exePath { return exe == path }
                return process.command.split(separator: " ").first.map(String.init) == path
            }
            if access.upperDirVisible, let upper = layers.upperDir,
                let hostPath = HostPath.resolve(path, in: upper, host: host)
            {
                evidence.upperFile = host.fileInfo(hostPath)
            }
            let lowers = layers.lowerDirs.filter { !$0.hasSuffix("-init/diff") }
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

    func drift(_ changes: [ContainerChange], container: ContainerInspect, layers: ContainerLayers) -> [InvestigationReport.Drift] {
        let upper = connection.host is NoHostView ? nil : layers.upperDir
        var checked = 0
        return changes.sorted { $0.path < $1.path }.map { change in
            var executable: Bool?
            if change.kind != .deleted, let upper, checked < settings.maxDriftChecks,
                let hostPath = HostPath.resolve(change.path, in: upper, host: host)
            {
                checked += 1
                if let info = host.fileInfo(hostPath), info.kind == .file { executable = info.permissions & 0o111 != 0 }
                else if host.fileInfo(hostPath) != nil { executable = false }
            }
            return .init(path: change.path, kind: change.kind.description, executable: executable)
        }
    }

    // MARK: - Building the report

    private func baseReport(
        alert: FalcoAlert?, version: SystemVersion?, info: SystemInfo?, container: ContainerInspect?
    ) -> InvestigationReport {
        let endpoint = connection.replay.map { $0.recording.endpoint } ?? client.transport.endpoint.description
        return InvestigationReport(
            generatedAt: EngineTime(unixNanoseconds: Int64(Date().timeIntervalSince1970 * 1e9)).description,
            tool: .init(name: "alert-inspect", version: settings.toolVersion),
            engine: .init(
                endpoint: endpoint, apiVersion: client.apiVersion.description,
                serverVersion: version?.version ?? info?.serverVersion, storageDriver: info?.driver ?? container?.storageDriverName,
                hostAccess: .init(upperDirVisible: false, procVisible: false, containerdImageStore: info?.usesContainerdImageStore ?? false, detail: "not examined"),
                isPodman: client.ping.isPodman || (version?.isPodman ?? false)),
            alert: alert.map(Self.summary(of:)),
            container: container.map(Self.summary(of:)),
            claims: [], verdict: .inconclusive, executable: nil, risks: [],
            logs: .init(since: nil, until: nil, truncated: false, lines: []),
            events: [], mitigations: [], drift: [], processes: [], limitations: [])
    }

    static func facts(of alert: FalcoAlert) -> AlertFacts {
        AlertFacts(
            rule: alert.rule, containerID: alert.containerID, containerName: alert.containerName, image: alert.image,
            containerStartNanoseconds: alert.containerStartTimestamp?.int64Value, exePath: alert.exePath,
            cmdline: alert.cmdline, flags: Set(alert.execFlags.isExecFlags ? alert.execFlags.names : []),
            exeChangeTimeNanoseconds: alert.exeInodeCtime?.int64Value, timeNanoseconds: alert.time?.nanosecondsSinceEpoch)
    }

    static func facts(of container: ContainerInspect) -> ContainerFacts {
        let started = container.state?.startedTime
        return ContainerFacts(
            id: container.id, name: container.name, image: container.config?.image ?? container.image ?? "",
            imageID: container.image ?? "",
            startedAtNanoseconds: started.map { $0.seconds * 1_000_000_000 + Int64($0.nanoseconds) },
            startedAt: container.state?.startedAt, running: container.state?.running ?? false,
            restartCount: container.restartCount ?? 0)
    }

    static func posture(of container: ContainerInspect) -> ContainerPosture {
        var posture = ContainerPosture()
        let hostConfig = container.hostConfig
        posture.privileged = hostConfig?.privileged ?? false
        posture.capAdd = hostConfig?.capAdd ?? []
        posture.capDrop = hostConfig?.capDrop ?? []
        posture.readonlyRootfs = hostConfig?.readonlyRootfs ?? false
        posture.securityOpt = hostConfig?.securityOpt ?? []
        posture.appArmorProfile = container.appArmorProfile
        posture.pidMode = hostConfig?.pidMode
        posture.ipcMode = hostConfig?.ipcMode
        posture.networkMode = hostConfig?.networkMode
        posture.usernsMode = hostConfig?.usernsMode
        posture.user = container.config?.user
        posture.mounts = (container.mounts ?? []).compactMap { mount in
            guard mount.type == "bind" || mount.type == nil, let source = mount.source, !source.isEmpty else { return nil }
            return .init(source: source, destination: mount.destination ?? "", writable: mount.rw ?? true)
        }
        return posture
    }

    static func summary(of alert: FalcoAlert) -> InvestigationReport.Alert {
        var fields: [String: ExactJSON] = [:]
        for member in alert.outputFields { fields[member.name] = ExactJSON(member.value) }
        return .init(
            rule: alert.rule, priority: alert.priorityName, time: alert.time?.text, source: alert.source,
            hostname: alert.hostname, containerId: alert.containerID, containerName: alert.containerName,
            image: alert.image, exePath: alert.exePath, cmdline: alert.cmdline,
            flags: alert.execFlags.isExecFlags ? alert.execFlags.names : [], fields: fields,
            unreadable: alert.isLossy ? alert.unreadableFields : nil)
    }

    static func summary(of container: ContainerInspect) -> InvestigationReport.Container {
        let state = container.state
        return .init(
            id: container.id, name: container.name, image: container.config?.image ?? "", imageId: container.image ?? "",
            labels: Redaction.redacted(container.config?.labels ?? [:]),
            state: .init(
                status: state?.status ?? "unknown", running: state?.running ?? false, pid: state?.pid ?? 0,
                startedAt: state?.startedAt, finishedAt: state?.finishedAt, restartCount: container.restartCount))
    }

    /// The image's layers and how they were made: context for "is this the image's own file".
    static func imageLine(_ image: ImageInspect, history: [ImageHistoryItem]) -> String {
        let layers = image.rootFS?.layers?.count ?? 0
        let steps = history.compactMap { $0.createdBy?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let made = steps.isEmpty ? "no build history (imported)" : "built by: " + steps.prefix(5).joined(separator: " | ")
        return "image \(image.repoTags?.first ?? image.id): \(layers) layer(s), \(made)"
    }

    static func summaryOf(_ event: EngineEvent) -> InvestigationReport.Event {
        let time = event.instant.map(\.iso8601) ?? ""
        var detail = event.execCommand.map { "command: \($0)" } ?? event.actionDetail ?? ""
        if let name = event.containerName { detail = detail.isEmpty ? "container \(name)" : "\(detail) (container \(name))" }
        if let exit = event.attribute("exitCode") { detail += detail.isEmpty ? "exit code \(exit)" : ", exit code \(exit)" }
        return .init(time: time, action: event.baseAction, detail: detail)
    }
}

extension EngineEvent {
    var summary: InvestigationReport.Event { Investigator.summaryOf(self) }
}

/// Errors of the investigation itself (the engine's own are `DockerEngineError`).
package enum InvestigationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing says which container to look at.
    case noContainer(String)
    /// The connection's `archivedFileDigest` had no whole copy of the file the archive answer carried.
    case noSharedDigest(path: String)

    package var description: String {
        switch self {
        case .noContainer(let why): return why
        case .noSharedDigest(let path):
            return "the evidence bundle kept no whole copy of \(path) from the archive answer, so there is no digest of it"
        }
    }
}

extension ExactJSON {
    /// The alert's field value, digit for digit.
    init(_ value: FieldValue) {
        switch value {
        case .string(let text): self = .string(text)
        case .number(let number): self = .number(number.text)
        case .bool(let flag): self = .bool(flag)
        case .null: self = .null
        case .array(let values): self = .array(values.map(ExactJSON.init))
        case .object(let members):
            self = .object(Dictionary(members.map { ($0.name, ExactJSON($0.value)) }, uniquingKeysWith: { _, last in last }))
        }
    }
}

extension EngineTime {
    /// RFC 3339 with nine fractional digits, UTC.
    var iso8601: String { description }
}

/// Secret-looking values are not printed (SPEC: `*PASSWORD*`, `*TOKEN*`, `*SECRET*`, `*KEY*`).
package enum Redaction {
    package static let marker = "<redacted>"

    package static func looksSecret(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["PASSWORD", "PASSWD", "TOKEN", "SECRET", "KEY", "CREDENTIAL", "PRIVATE"].contains { upper.contains($0) }
    }

    package static func redacted(_ values: [String: String]) -> [String: String] {
        values.reduce(into: [:]) { result, entry in
            result[entry.key] = looksSecret(entry.key) ? marker : entry.value
        }
    }
}
