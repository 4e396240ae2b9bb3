import Runtime

/// What the evidence means: the claims and verdict, the risks, what to do next and what could not be
/// checked. A pure function of ``Evidence``: no runtime, no host, no clock.
package struct Decision: Sendable, Hashable {
    package var claims: [InvestigationReport.Claim]
    package var verdict: Verdict
    package var executable: InvestigationReport.Executable?
    package var risks: [InvestigationReport.Risk]
    package var nextSteps: [NextStep]
    package var limitations: [String]

    package static func decide(_ evidence: Evidence) -> Decision {
        guard let container = evidence.container else { return containerGone(evidence) }
        let access = evidence.hostAccess
        var decision = Decision(
            claims: [], verdict: .inconclusive, executable: nil, risks: PostureRisks.risks(of: container.posture),
            nextSteps: [], limitations: limitations(evidence))
        if let alert = evidence.alert {
            let checked = ClaimChecker.decide(
                alert: alert, container: facts(of: container), executable: evidence.executable,
                hostLimitation: access.upperDirVisible && access.procVisible ? nil : access.detail)
            decision.claims = checked.claims
            decision.verdict = checked.verdict
            decision.executable = checked.executable
            if let image = evidence.image.value, let index = decision.claims.firstIndex(where: { $0.id == .notInImage }) {
                decision.claims[index].evidence.append(imageLine(image))
            }
        }
        let image = evidence.image.value
        decision.nextSteps = NextSteps.steps(for: .init(
            alert: evidence.alert,
            imageRepository: evidence.alertImageRepository ?? image?.tags.first.map { String($0.split(separator: ":").first ?? "") },
            containerID: container.id, containerName: container.name, containerRunning: container.state.running,
            verdict: decision.verdict, executable: decision.executable, risks: decision.risks, procVisible: access.procVisible))
        return decision
    }

    /// The container does not exist (any more): only the alert's own claims, all unverifiable.
    static func containerGone(_ evidence: Evidence) -> Decision {
        var decision = Decision(claims: [], verdict: .inconclusive, executable: nil, risks: [], nextSteps: [], limitations: [])
        if let alert = evidence.alert {
            let checked = ClaimChecker.decide(alert: alert, container: nil, executable: nil, hostLimitation: nil)
            decision.claims = checked.claims
            decision.verdict = checked.verdict
            if let path = alert.exePath, !path.isEmpty {
                // The alert still names the executable; nothing more of it can be learned.
                decision.executable = .init(
                    path: path, change: .unknown, sha256: nil, size: nil, mode: nil, pid: nil, running: false, source: nil)
            }
        }
        decision.limitations = [
            "container \(evidence.reference) does not exist (any more): its configuration, files, processes and logs could not be checked"
        ]
        decision.nextSteps = NextSteps.steps(for: .init(
            alert: evidence.alert, imageRepository: evidence.alertImageRepository, containerID: nil, containerName: nil,
            containerRunning: false, verdict: decision.verdict, executable: nil, risks: [], procVisible: false))
        return decision
    }

    /// What could not be checked, in the order the report lists it.
    static func limitations(_ evidence: Evidence) -> [String] {
        var limitations: [String] = []
        if let reason = evidence.changes.reason { limitations.append("the container's changes could not be read: \(reason)") }
        if let reason = evidence.processes.reason { limitations.append("the container's processes could not be listed: \(reason)") }
        if let reason = evidence.logs.reason { limitations.append("logs could not be read: \(reason)") }
        if let reason = evidence.events.reason { limitations.append("engine events could not be read: \(reason)") }
        if let reason = evidence.file?.reason {
            limitations.append("the executable could not be read through the archive endpoint: \(reason)")
        }
        if let reason = evidence.file?.value?.declined { limitations.append("the executable was not acquired: \(reason)") }
        let access = evidence.hostAccess
        let layerNotes = evidence.container?.storage.layerNotes ?? []
        if !access.upperDirVisible || !access.procVisible || !layerNotes.isEmpty { limitations.append(access.detail) }
        if evidence.container?.state.running == true, evidence.processes.value?.isEmpty ?? true {
            let why =
                evidence.runtime.missing[.processes].map { "\($0) and host /proc is not readable here" }
                ?? (evidence.processes.value == nil
                    ? "the engine's top could not be read and host /proc is not readable here"
                    : "the engine's top returned no processes for a running container")
            limitations.append(why + ": process evidence is missing")
        }
        return limitations
    }

    static func facts(of container: ContainerRecord) -> ContainerFacts {
        ContainerFacts(
            id: container.id, name: container.name, image: container.configImage ?? container.imageID ?? "",
            imageID: container.imageID ?? "", startedAtNanoseconds: container.state.startedAtNanoseconds,
            startedAt: container.state.startedAt, running: container.state.running,
            restartCount: container.restartCount ?? 0)
    }

    /// The image's layers and how they were made: context for "is this the image's own file".
    static func imageLine(_ image: ImageRecord) -> String {
        let made = image.history.isEmpty ? "no build history (imported)" : "built by: " + image.history.prefix(5).joined(separator: " | ")
        return "image \(image.tags.first ?? image.id): \(image.layerCount) layer(s), \(made)"
    }
}
