import Foundation

/// What to do next, specific to this alert, this verdict and this container's configuration.
///
/// Each step is a sentence, with the command or YAML block that carries it out as typed code.
package enum NextSteps {
    package struct Context: Sendable {
        package var alert: AlertFacts?
        /// The Falco rule's image repository (`container.image.repository`), for the exception.
        package var imageRepository: String?
        package var containerID: String?
        package var containerName: String?
        package var containerRunning: Bool
        package var verdict: Verdict
        package var executable: InvestigationReport.Executable?
        package var risks: [InvestigationReport.Risk]
        /// The tool runs on the engine's host and can read /proc.
        package var procVisible: Bool

        package init(
            alert: AlertFacts?, imageRepository: String?, containerID: String?, containerName: String?,
            containerRunning: Bool, verdict: Verdict, executable: InvestigationReport.Executable?,
            risks: [InvestigationReport.Risk], procVisible: Bool
        ) {
            self.alert = alert
            self.imageRepository = imageRepository
            self.containerID = containerID
            self.containerName = containerName
            self.containerRunning = containerRunning
            self.verdict = verdict
            self.executable = executable
            self.risks = risks
            self.procVisible = procVisible
        }
    }

    package static func steps(for context: Context) -> [NextStep] {
        var steps: [NextStep] = []
        let target = context.containerName ?? context.containerID.map { String($0.prefix(12)) } ?? "<container>"

        guard let containerID = context.containerID else {
            steps.append(.init(
                sentence: "The container is gone: look for its logs and Falco's other alerts in your log store, and check the host for the same image running elsewhere:",
                code: "alert-inspect triage /var/log/falco/events.json", language: .shell))
            return steps
        }
        let shortID = String(containerID.prefix(12))

        if context.verdict == .disputed {
            steps.append(.init(
                sentence: "The alert does not fit this container: confirm the engine is the one on the alerting host (`alert-inspect doctor`) and that Falco's container metadata is current; then treat the alert on its own merits."))
        }

        if context.verdict != .disputed {
            steps.append(.init(
                sentence: "Keep the evidence before anything changes (the archive of the binary, logs, engine answers, all hashed):",
                code: "alert-inspect collect \(shortID) --alert alert.json --out evidence-\(shortID)", language: .shell))
        }

        if let executable = context.executable, executable.running, let pid = executable.pid,
            executable.change == .deleted || executable.change == .memfd
        {
            steps.append(.init(
                sentence: "The binary exists only in the memory of pid \(pid) now: copy it off the host before the process ends (collect does this as root and hashes it):",
                code: "cp /proc/\(pid)/exe recovered-\(pid).bin && sha256sum recovered-\(pid).bin", language: .shell))
        }

        if let sha = context.executable?.sha256, context.verdict != .disputed {
            steps.append(.init(sentence: "Look up sha256 \(sha) in your threat intelligence; never run the acquired file."))
        }

        if context.containerRunning && context.verdict == .confirmed {
            steps.append(.init(
                sentence: "Contain without destroying memory evidence: cut the network and freeze the processes (a stop or restart loses them):",
                code: "docker network disconnect <network> \(target)   # for each network it is on\n" + "docker pause \(target)",
                language: .shell))
        }

        steps += hardening(for: context.risks, target: target, exePath: context.alert?.exePath)

        if let alert = context.alert, let exception = falcoException(alert: alert, repository: context.imageRepository) {
            steps.append(.init(
                sentence: "Only if you establish that this binary is legitimate, silence this case in Falco (rules file loaded after falco_rules.yaml, e.g. /etc/falco/rules.d/):",
                code: exception, language: .yaml))
        }

        if context.alert != nil {
            steps.append(.init(
                sentence: "Make the next alert easier to tie to a process: add the pid and the full container id to Falco's JSON output (falco.yaml):",
                code: "append_output:\n  - match:\n      source: syscall\n    extra_fields: [proc.pid, proc.vpid, container.full_id, proc.exe_ino]",
                language: .yaml))
        }
        return steps
    }

    /// A Falco rule exception in the `override: exceptions: append` form (Falco 0.36+).
    package static func falcoException(alert: AlertFacts, repository: String?) -> String? {
        guard let exePath = alert.exePath, !exePath.isEmpty, !alert.rule.isEmpty else { return nil }
        let repo = repository.flatMap { $0.isEmpty ? nil : $0 }
        let fields = repo == nil ? "[proc.exepath]" : "[container.image.repository, proc.exepath]"
        let comps = repo == nil ? "[=]" : "[=, =]"
        let values = repo.map { "[\(yamlQuoted($0)), \(yamlQuoted(exePath))]" } ?? "[\(yamlQuoted(exePath))]"
        return """
            - rule: \(yamlQuoted(alert.rule))
              exceptions:
                - name: alert_inspect_reviewed_binaries
                  fields: \(fields)
                  comps: \(comps)
                  values:
                    - \(values)
              override:
                exceptions: append
            """
    }

    /// Hardening this container lacks, from its risks.
    static func hardening(for risks: [InvestigationReport.Risk], target: String, exePath: String?) -> [NextStep] {
        let ids = Set(risks.map(\.id))
        var flags: [String] = []
        var removals: [String] = []
        if ids.contains("writable-rootfs") {
            let scratch = exePath.map { ($0 as NSString).deletingLastPathComponent } ?? "/tmp"
            flags.append("--read-only --tmpfs \(scratch.isEmpty ? "/tmp" : scratch):rw,noexec,nosuid")
        }
        if ids.contains("privileged") { removals.append("--privileged") }
        if ids.contains("engine-socket") { removals.append("the engine socket mount") }
        if ids.contains("host-pid") { removals.append("--pid host") }
        if ids.contains("host-network") { removals.append("--network host") }
        if ids.contains("host-ipc") { removals.append("--ipc host") }
        if ids.contains(where: { $0.hasPrefix("cap-") }) {
            flags.append("--cap-drop ALL")  // then add back only what the service needs
        }
        if ids.contains("seccomp-unconfined") { removals.append("seccomp=unconfined") }
        if ids.contains("apparmor-unconfined") { removals.append("apparmor=unconfined") }
        if ids.contains("sensitive-mount") { removals.append("the host-path mounts flagged above") }
        if ids.contains("no-new-privileges-off") { flags.append("--security-opt no-new-privileges") }
        if ids.contains("root-user") { flags.append("--user 10001:10001") }
        guard !flags.isEmpty || !removals.isEmpty else { return [] }
        var text = "Redeploy \(target) hardened"
        if !removals.isEmpty { text += ", without " + removals.joined(separator: ", ") }
        text += ":"
        let command = flags.isEmpty ? nil : "docker run " + flags.joined(separator: " ") + " ..."
        return [.init(sentence: text, code: command, language: .shell)]
    }

    /// A YAML double-quoted scalar.
    static func yamlQuoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += String(format: "\\x%02x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
