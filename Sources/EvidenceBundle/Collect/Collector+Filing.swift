import DockerEngine
import Foundation
import Investigation
import SafeText

extension Collector {
    /// Enters every recorded body in the manifest and gives the ones docs/bundle.md names their names
    /// (`engine/container.json`, `logs/window.raw`, `files/<name>.tar`...) as hard links: the
    /// recording stays whole for `--replay`, and no body is stored twice.
    func fileRecording(_ staging: StagingFolder, journal: CollectionJournal) throws {
        let indexPath = try staging.path("\(BundleLayout.recording)/\(Recording.indexName)")
        let recording: Recording
        do {
            recording = try JSONDecoder().decode(
                Recording.self, from: Data(contentsOf: URL(fileURLWithPath: indexPath)))
        } catch {
            throw EvidenceBundleError.cannotRead(path: indexPath, reason: "the recording's index: \(error)")
        }
        let transfers = journal.transfers.filter { $0.connection == .recorded }
        var named: Set<String> = []
        let exchanges = recording.exchanges.sorted {
            ($0.target, $0.method, $0.occurrence) < ($1.target, $1.method, $1.occurrence)
        }
        for exchange in exchanges {
            guard let body = exchange.body else {
                try fileEmptyAnswer(exchange, staging: staging, journal: journal, named: &named)
                continue
            }
            let recordedPath = "\(BundleLayout.recording)/\(body)"
            let transfer = transfers.first {
                $0.method == exchange.method && $0.target == exchange.target && $0.occurrence == exchange.occurrence
            }
            // The digest taken as the bytes streamed, unless the record does not line up with the file.
            let digest: FileDigest
            if let streamed = transfer?.digest, streamed.size == Int64(exchange.bytes) {
                digest = streamed
            } else {
                digest = try FileDigest.ofFile(atPath: try staging.path(recordedPath), isCancelled: isCancelled)
            }
            let producer = "\(exchange.method) \(exchange.target)"
            let received = transfer.map { $0.started.addingTimeInterval($0.seconds) } ?? Date()
            let isCut = transfer?.cappedAt != nil
            journal.add(
                .init(
                    path: recordedPath, digest: digest, kind: .recording, producer: producer, acquiredAt: received,
                    detail: "a recorded answer's body, byte for byte as received", truncated: isCut))

            guard let spec = Self.specName(method: exchange.method, target: exchange.target) else { continue }
            guard (200..<300).contains(exchange.status) else {
                journal.note(
                    "\(spec.displayName) not kept: the engine answered \(exchange.status) to \(producer) (its answer is in \(BundleLayout.recording))"
                )
                continue
            }
            let name: String
            switch spec {
            case .engine(let file), .logs(let file):
                name = file
            case .archive(let containerPath):
                name =
                    "\(BundleLayout.files)/"
                    + journal.fileNames.claim(SafeName.make(containerPath, fallback: "file") + ".tar")
            }
            guard named.insert(name).inserted else { continue }
            if case .logs = spec { try staging.makeFolder(BundleLayout.logs) }
            try staging.link(recordedPath, as: name)
            journal.add(
                .init(
                    path: name, digest: digest, kind: spec.kind, producer: producer, acquiredAt: received,
                    detail: "the recorded answer under its bundle name", truncated: isCut, sameFileAs: recordedPath))
        }
    }

    /// An answer with no body has no file in the recording; under its bundle name it is an empty
    /// file (`/events` with no event in the window): an empty answer is still an answer.
    private func fileEmptyAnswer(
        _ exchange: Recording.Exchange, staging: StagingFolder, journal: CollectionJournal, named: inout Set<String>
    ) throws {
        guard (200..<300).contains(exchange.status),
            let spec = Self.specName(method: exchange.method, target: exchange.target)
        else { return }
        let name: String
        switch spec {
        case .engine(let file), .logs(let file): name = file
        case .archive: return
        }
        guard named.insert(name).inserted else { return }
        if case .logs = spec { try staging.makeFolder(BundleLayout.logs) }
        let digest = try staging.write(name, Data())
        journal.add(
            .init(
                path: name, digest: digest, kind: spec.kind, producer: "\(exchange.method) \(exchange.target)",
                acquiredAt: Date(),
                detail: "the engine answered \(exchange.status) with an empty body"))
    }

    /// What docs/bundle.md calls a recorded answer.
    enum SpecName: Equatable {
        case engine(String)
        case logs(String)
        case archive(containerPath: String)

        var kind: BundleManifest.Kind {
            switch self {
            case .engine: return .engineResponse
            case .logs: return .log
            case .archive: return .archive
            }
        }

        var displayName: String {
            switch self {
            case .engine(let name), .logs(let name): return name
            case .archive(let path): return "the archive of '\(TerminalText.escaped(path, limit: 200))'"
            }
        }
    }

    /// The docs/bundle.md name for an answer to `method target`, or nil for answers it does not name.
    static func specName(method: String, target: String) -> SpecName? {
        guard method == "GET" else { return nil }
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        var segments = (parts.first ?? "").split(separator: "/").map(String.init)
        if let first = segments.first, first.hasPrefix("v"), first.dropFirst().allSatisfy({ $0.isNumber || $0 == "." })
        {
            segments.removeFirst()
        }
        let engine = BundleLayout.engine
        switch (segments.count, segments.first, segments.last) {
        case (1, "version", _): return .engine("\(engine)/version.json")
        case (1, "info", _): return .engine("\(engine)/info.json")
        case (1, "events", _): return .engine("\(engine)/events.json")
        case (3, "containers", "json"): return .engine("\(engine)/container.json")
        case (3, "containers", "changes"): return .engine("\(engine)/changes.json")
        case (3, "containers", "top"): return .engine("\(engine)/top.json")
        case (3, "images", "json"): return .engine("\(engine)/image.json")
        case (3, "images", "history"): return .engine("\(engine)/history.json")
        case (3, "containers", "logs"): return .logs(BundleLayout.rawLogs)
        case (3, "containers", "archive"):
            let query = parts.count > 1 ? String(parts[1]) : ""
            let path = query.split(separator: "&").lazy.compactMap { item -> String? in
                let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2, pair[0] == "path" else { return nil }
                return String(pair[1]).removingPercentEncoding
            }.first
            return .archive(containerPath: path ?? "")
        default: return nil
        }
    }

    // MARK: - Executables besides the alert's

    /// Acquires the regular executables among the container's added and modified paths (up to
    /// `maxFiles`), through the archive endpoint like the alert's own: each stat'ed first (`HEAD`),
    /// fetched only when it is a regular file with an execute bit.
    func acquireChangedExecutables(
        _ report: InvestigationReport, containerID: String, client: EngineClient, journal: CollectionJournal
    ) async throws {
        let suspect = report.executable?.path
        // `executable == false` is the host's own answer from the upper dir: no need to ask the engine.
        let candidates = report.drift.filter {
            ($0.kind == .added || $0.kind == .modified) && $0.path != suspect && $0.executable != false
        }
        var checked = 0
        var acquired = 0
        var skipped = 0
        for change in candidates {
            try checkpoint(journal)
            guard checked < settings.maxExecutableChecks else {
                journal.note(
                    "only the first \(settings.maxExecutableChecks) of \(candidates.count) changed paths were checked for executables"
                )
                break
            }
            checked += 1
            let path = change.path
            let stat: PathStat?
            do {
                stat = try await BlockingWork.run { try client.pathStat(containerID, path: path) }
            } catch {
                try checkpoint(journal)
                journal.note("'\(TerminalText.escaped(path, limit: 200))' could not be examined: \(error)")
                continue
            }
            guard let stat, stat.fileType == .regular, stat.mode.posix.isExecutable else { continue }
            guard acquired < settings.maxFiles else {
                skipped += 1
                continue
            }
            acquired += 1
            do {
                _ = try await BlockingWork.run {
                    try client.stream(EngineClient.archiveRequest(containerID, path: path), about: containerID) { _ in }
                }
            } catch {
                try checkpoint(journal)
                journal.note("'\(TerminalText.escaped(path, limit: 200))' could not be acquired: \(error)")
            }
        }
        if skipped > 0 {
            journal.capReached("--max-files \(settings.maxFiles): \(skipped) more changed executable(s) not acquired")
        }
    }

    // MARK: - /proc recovery

    /// For an executable deleted after it ran, or run from a memfd, the host still holds its bytes
    /// behind the running process: `/proc/<host pid>/exe` reads them (as root on the engine's host).
    func recoverFromProc(_ report: InvestigationReport, staging: StagingFolder, journal: CollectionJournal) throws {
        guard let executable = report.executable, executable.change == .deleted || executable.change == .memfd else {
            return
        }
        guard let pid = executable.pid, pid > 0, executable.running else {
            journal.note(
                "the executable is \(executable.change.rawValue) and no process of it runs: nothing to recover from /proc"
            )
            return
        }
        guard report.engine.hostAccess.procVisible else {
            journal.note(
                "the executable is \(executable.change.rawValue) but /proc/\(pid)/exe is not readable from here (run as root on the engine's host)"
            )
            return
        }
        journal.step("recovering the executable from /proc/\(pid)/exe")
        let hostPath = "/proc/\(pid)/exe"
        let before = Self.readLink(hostPath)
        let started = Date()
        // Held by its /proc folder since the investigation matched it to the container, checked again
        // (cgroup, start time) and read through that folder (ProcessHold).
        let containerID = report.container?.id ?? ""
        let descriptor: Int32
        let hold: ProcessHold
        do throws(ProcessHold.Refusal) {
            hold = try Self.held(pid, containerID: containerID, journal: journal)
            descriptor = try hold.openExecutable()
        } catch {
            journal.record(.init(path: hostPath, started: started, seconds: 0, bytes: 0, error: error.description))
            journal.note("\(hostPath) was not read: \(error)")
            return
        }
        defer { close(descriptor) }
        let name = journal.fileNames.claim("proc-\(pid)-exe")
        let writer = try staging.createFile("\(BundleLayout.files)/\(name)", mode: 0o400)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var isCut = false
        var readError: String?
        while true {
            try checkpoint(journal)
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                readError = lastError()
                break
            }
            if count == 0 { break }
            let room = settings.maxFileBytes - writer.size
            if Int64(count) > room {
                try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(max(room, 0))]))
                isCut = true
                break
            }
            try writer.write(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            journal.received(count)
        }
        let digest = try writer.finish()
        let after = Self.readLink(hostPath)
        journal.record(
            .init(
                path: hostPath, started: started, seconds: Date().timeIntervalSince(started), bytes: digest.size,
                error: readError))
        if isCut {
            journal.capReached("\(writer.relativePath): first \(settings.maxFileBytes) bytes kept (--max-file-bytes)")
        }
        if let readError { journal.note("\(hostPath) could not be read to the end: \(readError)") }
        if before != after || !hold.isStill(containerID: containerID) {
            journal.note(
                "\(hostPath) pointed elsewhere after the read (the process may have ended and its pid been reused)")
        }
        var detail =
            "the executable of host pid \(pid) (a process of container \(report.container?.id.prefix(12) ?? "?"))"
        detail += ", which points at '\(TerminalText.escaped(before ?? "?", limit: 200))'; read through the engine host's /proc"
        if let expected = executable.sha256 {
            detail +=
                expected == digest.sha256
                ? "; its sha256 is the report's" : "; its sha256 differs from the report's \(expected)"
        }
        journal.add(
            .init(
                path: writer.relativePath, digest: digest, kind: .hostRecovery, producer: "host \(hostPath)",
                acquiredAt: Date(),
                detail: detail, truncated: isCut || readError != nil))
    }

    /// The process held when the investigation matched it, if it is still that process of the container.
    static func held(_ pid: Int, containerID: String, journal: CollectionJournal) throws(ProcessHold.Refusal) -> ProcessHold {
        guard let hold = journal.heldProcess(pid) else {
            throw .init(description: "host pid \(pid) was not held when the investigation matched it to the container")
        }
        guard hold.isStill(containerID: containerID) else {
            throw .init(description: "host pid \(pid) is no longer the process matched (it ended or left the container's cgroup)")
        }
        return hold
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
