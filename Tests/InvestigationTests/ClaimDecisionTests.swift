import Runtime
import Testing

@testable import Investigation

/// Every verdict of every claim, decided from facts alone: no runtime, no recording.
@Suite struct ClaimDecisionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var alert: AlertFacts
        var container: ContainerFacts?
        var evidence: ExecutableEvidence?
        var claim: ClaimID
        var expected: ClaimVerdict
        var testDescription: String { "\(claim.rawValue) \(expected.rawValue): \(name)" }
    }

    static let id = "3f2a1b9c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
    static let started: Int64 = 1_775_000_000_000_000_000
    static let container = ContainerFacts(
        id: id, name: "web", image: "nginx:1.27", imageID: "sha256:abc", startedAtNanoseconds: started,
        startedAt: "2026-04-01T00:00:00Z", running: true, restartCount: 0)

    static func alert(
        flags: Set<String> = ["EXE_UPPER_LAYER"], exe: String? = "/tmp/x", containerID: String? = "3f2a1b9c4d5e",
        name: String? = "web", image: String? = "nginx:1.27", start: Int64? = started,
        rule: String = "Drop and execute new binary in container"
    ) -> AlertFacts {
        AlertFacts(
            rule: rule, containerID: containerID, containerName: name, image: image, containerStartNanoseconds: start,
            exePath: exe, flags: flags)
    }

    static func evidence(
        _ change: ExecutableEvidence.ChangeKind? = nil, changes: Bool = true, exists: Bool? = true,
        inImage: Bool? = nil, processes: [ProcessFacts] = [], proc: Bool = true, path: String = "/tmp/x"
    ) -> ExecutableEvidence {
        var evidence = ExecutableEvidence(path: path)
        evidence.listedChange = change
        evidence.changesAvailable = changes
        evidence.existsInContainer = exists
        evidence.inImageLayers = inImage
        evidence.processes = processes
        evidence.procVisible = proc
        evidence.upperDirVisible = true
        return evidence
    }

    static let deletedRun = ProcessFacts(pid: 42, user: "root", command: "/tmp/x", exeLink: "/tmp/x (deleted)")
    static let memfdRun = ProcessFacts(pid: 43, user: "root", command: "x", exeLink: "/memfd:x (deleted)")

    static let cases: [Case] = [
        // container-identity
        Case(name: "id, name, image and start agree", alert: alert(), container: container, evidence: nil, claim: .containerIdentity, expected: .corroborated),
        Case(name: "restarted since the alert", alert: alert(start: started - 60_000_000_000), container: container, evidence: nil, claim: .containerIdentity, expected: .corroborated),
        Case(name: "start within the tolerance", alert: alert(start: started + 999_999_999), container: container, evidence: nil, claim: .containerIdentity, expected: .corroborated),
        Case(name: "started before the alert's container", alert: alert(start: started + 1_000_000_001), container: container, evidence: nil, claim: .containerIdentity, expected: .contradicted),
        Case(name: "another id", alert: alert(containerID: "ffffffffffff"), container: container, evidence: nil, claim: .containerIdentity, expected: .contradicted),
        Case(name: "another name", alert: alert(name: "db"), container: container, evidence: nil, claim: .containerIdentity, expected: .contradicted),
        Case(name: "another image", alert: alert(image: "nginx:1.26"), container: container, evidence: nil, claim: .containerIdentity, expected: .contradicted),
        Case(name: "a host process", alert: alert(containerID: "host", name: nil, image: nil, start: nil), container: container, evidence: nil, claim: .containerIdentity, expected: .contradicted),
        Case(name: "the alert names nothing", alert: alert(containerID: nil, name: nil, image: nil, start: nil), container: container, evidence: nil, claim: .containerIdentity, expected: .unverifiable),
        Case(name: "the container is gone", alert: alert(), container: nil, evidence: nil, claim: .containerIdentity, expected: .unverifiable),
        // upper-layer
        Case(name: "listed as added", alert: alert(), container: container, evidence: evidence(.added), claim: .upperLayer, expected: .corroborated),
        Case(name: "listed as modified", alert: alert(), container: container, evidence: evidence(.modified), claim: .upperLayer, expected: .corroborated),
        Case(name: "deleted while it runs", alert: alert(), container: container, evidence: evidence(exists: false, processes: [deletedRun]), claim: .upperLayer, expected: .corroborated),
        Case(name: "the image's own unchanged file", alert: alert(), container: container, evidence: evidence(), claim: .upperLayer, expected: .contradicted),
        Case(name: "absent and not running", alert: alert(), container: container, evidence: evidence(exists: false), claim: .upperLayer, expected: .unverifiable),
        Case(name: "changes unavailable", alert: alert(), container: container, evidence: evidence(changes: false, exists: nil), claim: .upperLayer, expected: .unverifiable),
        Case(name: "no executable named", alert: alert(), container: container, evidence: nil, claim: .upperLayer, expected: .unverifiable),
        Case(name: "the container is gone", alert: alert(), container: nil, evidence: nil, claim: .upperLayer, expected: .unverifiable),
        // not-in-image
        Case(name: "added", alert: alert(), container: container, evidence: evidence(.added), claim: .notInImage, expected: .corroborated),
        Case(name: "modified", alert: alert(), container: container, evidence: evidence(.modified), claim: .notInImage, expected: .corroborated),
        Case(name: "deleted while it runs, no layer has it", alert: alert(), container: container, evidence: evidence(exists: false, inImage: false, processes: [deletedRun]), claim: .notInImage, expected: .corroborated),
        Case(name: "deleted while it runs, layers unseen", alert: alert(), container: container, evidence: evidence(exists: false, processes: [deletedRun]), claim: .notInImage, expected: .corroborated),
        Case(name: "absent, no layer has it", alert: alert(), container: container, evidence: evidence(exists: false, inImage: false), claim: .notInImage, expected: .corroborated),
        Case(name: "unchanged", alert: alert(), container: container, evidence: evidence(), claim: .notInImage, expected: .contradicted),
        Case(name: "absent, layers unseen", alert: alert(), container: container, evidence: evidence(exists: false), claim: .notInImage, expected: .unverifiable),
        Case(name: "the container is gone", alert: alert(), container: nil, evidence: nil, claim: .notInImage, expected: .unverifiable),
        // lower-layer
        Case(name: "unchanged", alert: alert(flags: ["EXE_LOWER_LAYER"], rule: "r"), container: container, evidence: evidence(), claim: .lowerLayer, expected: .corroborated),
        Case(name: "listed as added", alert: alert(flags: ["EXE_LOWER_LAYER"], rule: "r"), container: container, evidence: evidence(.added), claim: .lowerLayer, expected: .contradicted),
        Case(name: "not found", alert: alert(flags: ["EXE_LOWER_LAYER"], rule: "r"), container: container, evidence: evidence(exists: false), claim: .lowerLayer, expected: .unverifiable),
        Case(name: "no executable named", alert: alert(flags: ["EXE_LOWER_LAYER"], rule: "r"), container: container, evidence: nil, claim: .lowerLayer, expected: .unverifiable),
        // fileless
        Case(name: "a process runs from a memfd", alert: alert(flags: ["EXE_FROM_MEMFD"], exe: "memfd:x", rule: "r"), container: container, evidence: evidence(exists: nil, processes: [memfdRun], path: "memfd:x"), claim: .fileless, expected: .corroborated),
        Case(name: "no memfd process now", alert: alert(flags: ["EXE_FROM_MEMFD"], exe: "memfd:x", rule: "r"), container: container, evidence: evidence(exists: nil, path: "memfd:x"), claim: .fileless, expected: .unverifiable),
        Case(name: "host /proc not readable", alert: alert(flags: ["EXE_FROM_MEMFD"], exe: "memfd:x", rule: "r"), container: container, evidence: evidence(exists: nil, processes: [memfdRun], proc: false, path: "memfd:x"), claim: .fileless, expected: .unverifiable),
        Case(name: "the container is gone", alert: alert(flags: ["EXE_FROM_MEMFD"], exe: "memfd:x", rule: "r"), container: nil, evidence: nil, claim: .fileless, expected: .unverifiable),
    ]

    @Test(arguments: cases)
    func `a claim's verdict follows from the facts`(_ row: Case) throws {
        let decision = ClaimChecker.decide(alert: row.alert, container: row.container, executable: row.evidence, hostLimitation: nil)
        let claim = try #require(decision.claims.first { $0.id == row.claim }, "\(decision.claims.map(\.id))")
        #expect(claim.verdict == row.expected, "\(claim.reason)")
    }

    @Test func `every verdict of every claim has a row`() {
        let covered = Set(Self.cases.map { "\($0.claim.rawValue) \($0.expected.rawValue)" })
        let possible: [ClaimID: [ClaimVerdict]] = [
            .containerIdentity: [.corroborated, .contradicted, .unverifiable],
            .upperLayer: [.corroborated, .contradicted, .unverifiable],
            .notInImage: [.corroborated, .contradicted, .unverifiable],
            .lowerLayer: [.corroborated, .contradicted, .unverifiable],
            .fileless: [.corroborated, .unverifiable],
        ]
        #expect(Set(possible.keys) == Set(ClaimID.allCases))
        for (claim, verdicts) in possible {
            for verdict in verdicts { #expect(covered.contains("\(claim.rawValue) \(verdict.rawValue)")) }
        }
    }

    struct VerdictCase: Sendable, CustomTestStringConvertible {
        var name: String
        var claims: [ClaimVerdict]
        var expected: Verdict
        var testDescription: String { "\(expected.rawValue): \(name)" }
    }

    @Test(arguments: [
        VerdictCase(name: "all corroborated", claims: [.corroborated, .corroborated], expected: .confirmed),
        VerdictCase(name: "one contradicted among corroborated", claims: [.corroborated, .contradicted], expected: .disputed),
        VerdictCase(name: "a contradiction outweighs an open claim", claims: [.unverifiable, .contradicted], expected: .disputed),
        VerdictCase(name: "one unverifiable", claims: [.corroborated, .unverifiable], expected: .inconclusive),
        VerdictCase(name: "no claims", claims: [], expected: .inconclusive),
    ])
    func `the alert's verdict follows from its claims`(_ row: VerdictCase) {
        let claims = row.claims.map {
            InvestigationReport.Claim(id: .upperLayer, statement: "s", verdict: $0, reason: "r", evidence: [])
        }
        #expect(ClaimChecker.verdict(for: claims) == row.expected)
    }
}
