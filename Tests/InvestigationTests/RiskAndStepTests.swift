import Runtime
import Testing

@testable import Investigation

/// Every posture risk id and every next step, from facts alone.
@Suite struct RiskAndStepTests {
    struct RiskCase: Sendable, CustomTestStringConvertible {
        var id: String
        var severity: Severity
        var change: @Sendable (inout ContainerPosture) -> Void
        var testDescription: String { id }
    }

    /// A posture with none of the risks: read-only, an unprivileged user, no-new-privileges.
    static var hardened: ContainerPosture {
        var posture = ContainerPosture()
        posture.readonlyRootfs = true
        posture.user = "10001:10001"
        posture.securityOpt = ["no-new-privileges:true"]
        return posture
    }

    static let riskCases: [RiskCase] = [
        RiskCase(id: "privileged", severity: .high) { $0.privileged = true },
        RiskCase(id: "engine-socket", severity: .high) {
            $0.mounts = [.init(source: "/var/run/docker.sock", destination: "/var/run/docker.sock", writable: true)]
        },
        RiskCase(id: "host-pid", severity: .high) { $0.pidMode = "host" },
        RiskCase(id: "host-network", severity: .medium) { $0.networkMode = "host" },
        RiskCase(id: "host-ipc", severity: .medium) { $0.ipcMode = "host" },
        RiskCase(id: "cap-all", severity: .high) { $0.capAdd = ["ALL"] },
        RiskCase(id: "cap-sys-admin", severity: .high) { $0.capAdd = ["CAP_SYS_ADMIN"] },
        RiskCase(id: "cap-net-raw", severity: .low) { $0.capAdd = ["net_raw"] },
        RiskCase(id: "cap-net-admin", severity: .medium) { $0.capAdd = ["NET_ADMIN"] },
        RiskCase(id: "seccomp-unconfined", severity: .medium) { $0.securityOpt.append("seccomp:unconfined") },
        RiskCase(id: "apparmor-unconfined", severity: .medium) { $0.appArmorProfile = "unconfined" },
        RiskCase(id: "sensitive-mount", severity: .high) { $0.mounts = [.init(source: "/etc/", destination: "/host/etc", writable: true)] },
        RiskCase(id: "sensitive-mount", severity: .medium) { $0.mounts = [.init(source: "/etc", destination: "/host/etc", writable: false)] },
        RiskCase(id: "writable-rootfs", severity: .low) { $0.readonlyRootfs = false },
        RiskCase(id: "root-user", severity: .medium) { $0.user = "" },
        RiskCase(id: "root-user", severity: .medium) { $0.user = "0:0" },
        RiskCase(id: "no-new-privileges-off", severity: .low) { $0.securityOpt = [] },
    ]

    @Test func `a hardened container has no risks`() {
        #expect(PostureRisks.risks(of: Self.hardened).isEmpty)
    }

    @Test(arguments: riskCases)
    func `each risk is found with its severity`(_ row: RiskCase) {
        var posture = Self.hardened
        row.change(&posture)
        let risks = PostureRisks.risks(of: posture)
        #expect(risks.map(\.id) == [row.id], "\(risks)")
        #expect(risks.first?.severity == row.severity)
    }

    @Test func `privileged hides the seccomp and AppArmor risks it implies`() {
        var posture = Self.hardened
        posture.privileged = true
        posture.securityOpt += ["seccomp=unconfined", "apparmor=unconfined"]
        #expect(PostureRisks.risks(of: posture).map(\.id) == ["privileged"])
    }

    // MARK: Next steps

    struct StepCase: Sendable, CustomTestStringConvertible {
        var name: String
        var context: NextSteps.Context
        /// A phrase of the step's sentence that must be there, or absent when `present` is false.
        var sentence: String
        var present: Bool = true
        var code: String? = nil
        var language: NextStep.Language? = nil
        var testDescription: String { (present ? "" : "no ") + name }
    }

    static let alert = AlertFacts(rule: "Drop and execute new binary in container", containerID: "3f2a1b9c4d5e", exePath: "/tmp/x")
    static let executable = InvestigationReport.Executable(
        path: "/tmp/x", change: .deleted, sha256: "ab12", size: 10, mode: nil, pid: 42, running: true, source: "host")

    static func context(
        verdict: Verdict = .confirmed, id: String? = "3f2a1b9c4d5e6f70", running: Bool = true,
        executable: InvestigationReport.Executable? = nil, risks: [String] = [], alert: AlertFacts? = alert,
        repository: String? = "nginx"
    ) -> NextSteps.Context {
        .init(
            alert: alert, imageRepository: repository, containerID: id, containerName: id == nil ? nil : "web",
            containerRunning: running, verdict: verdict, executable: executable,
            risks: risks.map { .init(id: $0, severity: .low, detail: "") }, procVisible: true)
    }

    static let stepCases: [StepCase] = [
        StepCase(name: "gone container: look elsewhere", context: context(id: nil), sentence: "The container is gone", code: "alert-inspect triage /var/log/falco/events.json", language: .shell),
        StepCase(name: "disputed: check the engine", context: context(verdict: .disputed), sentence: "does not fit this container"),
        StepCase(name: "disputed: no evidence keeping", context: context(verdict: .disputed), sentence: "Keep the evidence", present: false),
        StepCase(name: "keep the evidence", context: context(), sentence: "Keep the evidence", code: "alert-inspect collect 3f2a1b9c4d5e --alert alert.json --out evidence-3f2a1b9c4d5e", language: .shell),
        StepCase(name: "recover a deleted binary from memory", context: context(executable: executable), sentence: "only in the memory of pid 42", code: "cp /proc/42/exe recovered-42.bin && sha256sum recovered-42.bin", language: .shell),
        StepCase(name: "look the hash up", context: context(executable: executable), sentence: "Look up sha256 ab12"),
        StepCase(name: "disputed: no hash lookup", context: context(verdict: .disputed, executable: executable), sentence: "Look up sha256", present: false),
        StepCase(name: "contain a confirmed running container", context: context(), sentence: "Contain without destroying memory evidence", code: "docker network disconnect <network> web   # for each network it is on\ndocker pause web", language: .shell),
        StepCase(name: "not running: no containment", context: context(running: false), sentence: "Contain without", present: false),
        StepCase(name: "inconclusive: no containment", context: context(verdict: .inconclusive), sentence: "Contain without", present: false),
        StepCase(name: "redeploy hardened", context: context(risks: ["writable-rootfs", "privileged", "cap-sys-admin"]), sentence: "Redeploy web hardened, without --privileged:", code: "docker run --read-only --tmpfs /tmp:rw,noexec,nosuid --cap-drop ALL ...", language: .shell),
        StepCase(name: "removals only: no command", context: context(risks: ["host-pid"]), sentence: "Redeploy web hardened, without --pid host:"),
        StepCase(name: "a Falco exception", context: context(), sentence: "silence this case in Falco", language: .yaml),
        StepCase(name: "no alert: no exception", context: context(alert: nil), sentence: "silence this case", present: false),
        StepCase(name: "richer alerts next time", context: context(), sentence: "add the pid and the full container id", code: "append_output:\n  - match:\n      source: syscall\n    extra_fields: [proc.pid, proc.vpid, container.full_id, proc.exe_ino]", language: .yaml),
    ]

    @Test(arguments: stepCases)
    func `each next step appears when it applies, typed`(_ row: StepCase) throws {
        let steps = NextSteps.steps(for: row.context)
        let step = steps.first { $0.sentence.contains(row.sentence) }
        guard row.present else {
            #expect(step == nil, "\(steps.map(\.sentence))")
            return
        }
        let found = try #require(step, "\(steps.map(\.sentence))")
        if let code = row.code { #expect(found.code == code) }
        if row.code == nil, row.language == nil { #expect(found.code == nil) }
        if let language = row.language { #expect(found.language == language) }
    }

    @Test func `the Falco exception names the rule, the repository and the path, quoted`() {
        let exception = NextSteps.falcoException(alert: Self.alert, repository: "nginx")
        #expect(exception?.contains(#"- rule: "Drop and execute new binary in container""#) == true)
        #expect(exception?.contains(#"- ["nginx", "/tmp/x"]"#) == true)
        #expect(NextSteps.falcoException(alert: Self.alert, repository: nil)?.contains("fields: [proc.exepath]") == true)
        #expect(NextSteps.yamlQuoted("a\"b\\c\nd\u{1}") == #""a\"b\\c\nd\x01""#)
    }

    @Test(arguments: [
        NextStep(sentence: "Do this:", code: "- rule: x", language: .yaml),
        NextStep(sentence: "Run:", code: "docker pause web", language: .shell),
        NextStep(sentence: "Only a sentence."),
    ])
    func `a next step reads back from its JSON string as it was`(step: NextStep) {
        #expect(NextStep(text: step.text) == step)
    }
}
