import Foundation

/// Decides each claim of an alert from gathered facts. Pure: no I/O, so every branch is testable.
package enum ClaimChecker {
    /// Container start times within this distance are the same start (Falco and the engine round differently).
    static let startTolerance: Int64 = 1_000_000_000

    package struct Decision: Sendable, Hashable {
        package var claims: [InvestigationReport.Claim]
        package var verdict: Verdict
        package var executable: InvestigationReport.Executable?
    }

    package static func decide(
        alert: AlertFacts, container: ContainerFacts?, executable: ExecutableEvidence?, hostLimitation: String?
    ) -> Decision {
        var claims = [identity(alert: alert, container: container)]
        let facts = executable
        if alert.isMemfd {
            claims.append(fileless(alert: alert, container: container, evidence: facts, hostLimitation: hostLimitation))
        } else {
            if alert.claimsUpperLayer {
                claims.append(upperLayer(alert: alert, container: container, evidence: facts, hostLimitation: hostLimitation))
                claims.append(notInImage(alert: alert, container: container, evidence: facts))
            }
            if alert.flags.contains("EXE_LOWER_LAYER") {
                claims.append(lowerLayer(alert: alert, container: container, evidence: facts))
            }
        }
        return Decision(claims: claims, verdict: verdict(for: claims), executable: facts.map(executableFacts))
    }

    /// Any contradiction disputes the alert; every claim corroborated confirms it; anything else is open.
    package static func verdict(for claims: [InvestigationReport.Claim]) -> Verdict {
        if claims.contains(where: { $0.verdict == .contradicted }) { return .disputed }
        if !claims.isEmpty, claims.allSatisfy({ $0.verdict == .corroborated }) { return .confirmed }
        return .inconclusive
    }

    /// The change kind reported for the executable, from the strongest evidence available.
    package static func change(of evidence: ExecutableEvidence) -> ExecutableChange {
        if evidence.path.hasPrefix("memfd:") || evidence.processes.contains(where: \.isMemfd) && evidence.existsInContainer != true {
            return .memfd
        }
        switch evidence.listedChange {
        case .added: return .added
        case .modified: return .modified
        case .deleted: return .deleted
        case nil: break
        }
        if evidence.existsInContainer == false {
            return evidence.processes.contains(where: \.exeDeleted) ? .deleted : .absent
        }
        if evidence.existsInContainer == true, evidence.changesAvailable { return .unchanged }
        return .unknown
    }

    // MARK: - container-identity

    static func identity(alert: AlertFacts, container: ContainerFacts?) -> InvestigationReport.Claim {
        let statement = "the alert's container (\(describe(alert))) is this container"
        guard let container else {
            return claim(.containerIdentity, statement, .unverifiable, "the container no longer exists; nothing of it can be checked", [])
        }
        var evidence: [String] = []
        var mismatches: [String] = []
        if let id = alert.containerID {
            if id == "host" {
                mismatches.append("the alert is about a host process (container.id=host), not a container")
            } else if container.id.hasPrefix(id.lowercased()) {
                evidence.append("id \(container.id) starts with the alert's \(id)")
            } else {
                mismatches.append("id \(container.id) does not start with the alert's \(id)")
            }
        }
        if let name = alert.containerName, name != "host" {
            if name == container.name {
                evidence.append("name \(container.name) matches")
            } else {
                mismatches.append("name is \(container.name), the alert says \(name)")
            }
        }
        if let image = alert.image, !image.isEmpty {
            if imagesMatch(alert: image, container: container.image) {
                evidence.append("image \(container.image) matches the alert's \(image)")
            } else {
                mismatches.append("image is \(container.image), the alert says \(image)")
            }
        }
        var restarted = false
        if let alertStart = alert.containerStartNanoseconds, let started = container.startedAtNanoseconds {
            let started_ = container.startedAt ?? String(started)
            if abs(started - alertStart) <= startTolerance {
                evidence.append("started at \(started_), as the alert's container.start_ts=\(alertStart)")
            } else if started > alertStart {
                restarted = true
                evidence.append(
                    "started at \(started_), after the alert's container.start_ts=\(alertStart): restarted since the alert (restart count \(container.restartCount)); processes from then may be gone"
                )
            } else {
                mismatches.append("started at \(started_), before the alert's container.start_ts=\(alertStart)")
            }
        }
        if !mismatches.isEmpty {
            return claim(.containerIdentity, statement, .contradicted, mismatches.joined(separator: "; "), mismatches + evidence)
        }
        if evidence.isEmpty {
            return claim(.containerIdentity, statement, .unverifiable, "the alert names no container id, name or image", [])
        }
        let reason = restarted ? "same container, restarted since the alert" : "id, name, image and start time agree"
        return claim(.containerIdentity, statement, .corroborated, reason, evidence)
    }

    /// `nginx` matches `nginx:latest`; `repo:tag` must match exactly; digests compare by prefix.
    static func imagesMatch(alert: String, container: String) -> Bool {
        func normalized(_ reference: String) -> String {
            var text = reference
            for prefix in ["docker.io/library/", "docker.io/", "localhost/"] where text.hasPrefix(prefix) {
                text = String(text.dropFirst(prefix.count))
            }
            let lastSlash = text.lastIndex(of: "/") ?? text.startIndex
            return text[lastSlash...].contains(":") || text.contains("@") ? text : text + ":latest"
        }
        return normalized(alert) == normalized(container)
    }

    // MARK: - upper-layer

    static func upperLayer(
        alert: AlertFacts, container: ContainerFacts?, evidence: ExecutableEvidence?, hostLimitation: String?
    ) -> InvestigationReport.Claim {
        let path = alert.exePath ?? "?"
        let statement = "\(path) lives in the container's writable layer (EXE_UPPER_LAYER)"
        guard container != nil else {
            return claim(.upperLayer, statement, .unverifiable, "the container no longer exists", [])
        }
        guard let evidence else {
            return claim(.upperLayer, statement, .unverifiable, "the alert names no executable", [])
        }
        var lines = changesLines(evidence) + upperLines(evidence, alert: alert, hostLimitation: hostLimitation)
        lines += processLines(evidence)
        switch change(of: evidence) {
        case .added, .modified:
            let kind = evidence.listedChange?.rawValue ?? "changed"
            return claim(.upperLayer, statement, .corroborated, "the writable layer lists \(path) as \(kind)", lines)
        case .deleted:
            return claim(
                .upperLayer, statement, .corroborated,
                "\(path) was deleted after it ran, yet a process from it still runs: a strong sign of an intruder covering tracks",
                lines)
        case .unchanged:
            return claim(
                .upperLayer, statement, .contradicted,
                "\(path) is the image's own file, unchanged: the writable layer has no entry for it", lines)
        case .absent:
            return claim(
                .upperLayer, statement, .unverifiable,
                "\(path) is not in the container now and no process from it runs; it may have been created, run and deleted",
                lines)
        case .memfd, .unknown:
            return claim(.upperLayer, statement, .unverifiable, "the container's changes could not be read", lines)
        }
    }

    // MARK: - not-in-image / lower-layer

    static func notInImage(alert: AlertFacts, container: ContainerFacts?, evidence: ExecutableEvidence?) -> InvestigationReport.Claim {
        let path = alert.exePath ?? "?"
        let statement = "\(path) is not the image's own file"
        guard container != nil, let evidence else {
            return claim(.notInImage, statement, .unverifiable, container == nil ? "the container no longer exists" : "the alert names no executable", [])
        }
        var lines = changesLines(evidence)
        if let inImage = evidence.inImageLayers {
            lines.append(inImage ? "an image layer (lower dir) holds \(path)" : "no image layer (lower dir) holds \(path)")
        }
        switch (change(of: evidence), evidence.inImageLayers) {
        case (.added, _), (.deleted, false), (.absent, false):
            return claim(.notInImage, statement, .corroborated, "\(path) was added to the container; the image does not have it", lines)
        case (.modified, _):
            return claim(.notInImage, statement, .corroborated, "the image has a file at \(path), but the container's copy was replaced", lines)
        case (.unchanged, _):
            return claim(.notInImage, statement, .contradicted, "\(path) is the image's file, unchanged", lines)
        case (.deleted, _):
            return claim(.notInImage, statement, .corroborated, "\(path) is gone from the container while a process from it runs; the writable layer held it", lines)
        default:
            return claim(.notInImage, statement, .unverifiable, "the image's layers and the container's changes do not settle it", lines)
        }
    }

    static func lowerLayer(alert: AlertFacts, container: ContainerFacts?, evidence: ExecutableEvidence?) -> InvestigationReport.Claim {
        let path = alert.exePath ?? "?"
        let statement = "\(path) is the image's own, unchanged file (EXE_LOWER_LAYER)"
        guard container != nil, let evidence else {
            return claim(.lowerLayer, statement, .unverifiable, container == nil ? "the container no longer exists" : "the alert names no executable", [])
        }
        let lines = changesLines(evidence)
        switch change(of: evidence) {
        case .unchanged:
            return claim(.lowerLayer, statement, .corroborated, "\(path) exists and the writable layer has no entry for it", lines)
        case .added, .modified:
            return claim(.lowerLayer, statement, .contradicted, "the writable layer lists \(path) as \(evidence.listedChange?.rawValue ?? "changed")", lines)
        default:
            return claim(.lowerLayer, statement, .unverifiable, "\(path) could not be found in the container", lines)
        }
    }

    // MARK: - fileless

    static func fileless(
        alert: AlertFacts, container: ContainerFacts?, evidence: ExecutableEvidence?, hostLimitation: String?
    ) -> InvestigationReport.Claim {
        let statement = "the process ran from memory, not a file (EXE_FROM_MEMFD)"
        guard container != nil else {
            return claim(.fileless, statement, .unverifiable, "the container no longer exists", [])
        }
        guard let evidence, evidence.procVisible else {
            return claim(.fileless, statement, .unverifiable, hostLimitation ?? "host /proc is not readable from here", [])
        }
        let memfd = evidence.processes.filter(\.isMemfd)
        let lines = evidence.processes.map { "pid \($0.pid) executable \($0.exeLink ?? "unreadable"): \($0.command)" }
        if !memfd.isEmpty {
            let pids = memfd.map { String($0.pid) }.joined(separator: ", ")
            return claim(.fileless, statement, .corroborated, "process \(pids) runs from a memfd", lines)
        }
        return claim(
            .fileless, statement, .unverifiable,
            "no process of the container runs from a memfd now; the one the alert saw may have exited", lines)
    }

    // MARK: - Evidence lines

    private static func changesLines(_ evidence: ExecutableEvidence) -> [String] {
        var lines: [String] = []
        if evidence.changesAvailable {
            lines.append(
                evidence.listedChange.map { "/changes lists \(evidence.path) as \($0.rawValue)" }
                    ?? "/changes has no entry for \(evidence.path)")
        }
        switch evidence.existsInContainer {
        case true?:
            var text = "the archive endpoint finds \(evidence.path)"
            if let size = evidence.size { text += ", \(size) bytes" }
            if let mode = evidence.mode { text += ", mode \(mode)" }
            lines.append(text)
        case false?:
            lines.append("the archive endpoint finds no \(evidence.path) in the container")
        case nil:
            break
        }
        if let sha = evidence.sha256 { lines.append("sha256 \(sha) (\(evidence.digestSource ?? "acquired"))") }
        return lines
    }

    private static func upperLines(_ evidence: ExecutableEvidence, alert: AlertFacts, hostLimitation: String?) -> [String] {
        guard evidence.upperDirVisible else {
            return ["the overlay upper dir is not visible from here: \(hostLimitation ?? "no host access")"]
        }
        var lines: [String] = []
        if let upper = evidence.upperDir {
            lines.append("the overlay upper dir is \(upper)" + (evidence.layersFound.map { " (found \($0))" } ?? ""))
        }
        guard let file = evidence.upperFile else {
            return lines + ["the overlay upper dir has no \(evidence.path)"]
        }
        if file.isWhiteout { return lines + ["the overlay upper dir holds a whiteout for \(evidence.path): deleted in the container"] }
        var line = "the overlay upper dir holds \(evidence.path) (inode \(file.inode), ctime \(file.changeTimeNanoseconds))"
        if let alertCtime = alert.exeChangeTimeNanoseconds {
            line += alertCtime == file.changeTimeNanoseconds
                ? "; its ctime equals the alert's proc.exe_ino.ctime"
                : "; its ctime differs from the alert's proc.exe_ino.ctime=\(alertCtime) (changed again since?)"
        }
        return lines + [line]
    }

    private static func processLines(_ evidence: ExecutableEvidence) -> [String] {
        evidence.processes.map { process in
            let state = process.exeDeleted ? "running from a deleted file" : "running"
            return "pid \(process.pid) \(state): \(process.command)"
        }
    }

    private static func executableFacts(_ evidence: ExecutableEvidence) -> InvestigationReport.Executable {
        let process = evidence.processes.first
        return InvestigationReport.Executable(
            path: evidence.path, change: change(of: evidence), sha256: evidence.sha256, size: evidence.size,
            mode: evidence.mode, pid: process?.pid, running: process != nil, source: evidence.digestSource)
    }

    private static func describe(_ alert: AlertFacts) -> String {
        [alert.containerID, alert.containerName, alert.image].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: ", ")
    }

    private static func claim(
        _ id: ClaimID, _ statement: String, _ verdict: ClaimVerdict, _ reason: String, _ evidence: [String]
    ) -> InvestigationReport.Claim {
        InvestigationReport.Claim(id: id, statement: statement, verdict: verdict, reason: reason, evidence: evidence)
    }
}
