import Foundation
import Runtime

/// Finds the settings that make a compromise of this container worse (the risk ids of docs/report.md).
package enum PostureRisks {
    /// Capabilities that open a way out of the container or into the host, with why.
    static let dangerousCapabilities: [String: (Severity, String)] = [
        "SYS_ADMIN": (.high, "mount, namespaces, cgroups and BPF: the usual first step of a container escape"),
        "SYS_PTRACE": (.high, "trace and inject into other processes (with host-pid: the host's)"),
        "SYS_MODULE": (.high, "load kernel modules into the host kernel"),
        "SYS_RAWIO": (.high, "raw access to devices and I/O ports"),
        "DAC_READ_SEARCH": (.high, "open host files by handle (the 'shocker' escape)"),
        "BPF": (.high, "load BPF programs into the host kernel"),
        "PERFMON": (.medium, "observe other processes through perf events"),
        "NET_ADMIN": (.medium, "reconfigure networking, sniff or redirect traffic"),
        "SYS_BOOT": (.medium, "reboot the host"),
        "SYS_TIME": (.medium, "change the host clock, which skews every log"),
        "DAC_OVERRIDE": (.medium, "ignore file permission checks"),
        "MKNOD": (.low, "create device nodes"),
        "NET_RAW": (.low, "craft raw packets (spoofing, ARP poisoning)"),
    ]

    /// Host paths whose presence inside a container hands over the host.
    static let sensitivePaths = [
        "/", "/etc", "/proc", "/sys", "/dev", "/root", "/boot", "/home", "/var/run", "/run", "/var/lib/docker",
        "/var/lib/containerd", "/var/lib/kubelet", "/var/log", "/usr", "/lib", "/bin", "/sbin",
    ]

    package static func risks(of posture: ContainerPosture) -> [InvestigationReport.Risk] {
        var risks: [InvestigationReport.Risk] = []
        func add(_ id: String, _ severity: Severity, _ detail: String) {
            risks.append(InvestigationReport.Risk(id: id, severity: severity, detail: detail))
        }

        if posture.privileged {
            add("privileged", .high, "runs --privileged: every capability, every device, no seccomp or AppArmor; root in it is root on the host")
        }
        for mount in posture.mounts where isEngineSocket(mount.source) || isEngineSocket(mount.destination) {
            add("engine-socket", .high, "the engine's socket \(mount.source) is mounted at \(mount.destination): whoever holds it can start a privileged container on the host")
        }
        if posture.pidMode == "host" {
            add("host-pid", .high, "shares the host's process namespace (--pid host): sees and can signal every host process")
        }
        if posture.networkMode == "host" {
            add("host-network", .medium, "shares the host's network stack (--network host): reaches host-only services and can listen on host ports")
        }
        if posture.ipcMode == "host" {
            add("host-ipc", .medium, "shares the host's IPC namespace (--ipc host): reads other processes' shared memory")
        }
        let added = Set(posture.capAdd.map(normalizedCapability))
        if added.contains("ALL") {
            add("cap-all", .high, "--cap-add ALL: every capability, equivalent to --privileged for escapes")
        }
        for capability in added.sorted() {
            guard let (severity, why) = dangerousCapabilities[capability] else { continue }
            add("cap-" + capability.lowercased().replacingOccurrences(of: "_", with: "-"), severity, "CAP_\(capability) added: \(why)")
        }
        let options = posture.securityOpt.map { $0.replacingOccurrences(of: ":", with: "=") }
        if options.contains("seccomp=unconfined") && !posture.privileged {
            add("seccomp-unconfined", .medium, "seccomp=unconfined: every system call is allowed, including those most escapes use")
        }
        if (options.contains("apparmor=unconfined") || posture.appArmorProfile == "unconfined") && !posture.privileged {
            add("apparmor-unconfined", .medium, "apparmor=unconfined: no mandatory access control around the container")
        }
        for mount in posture.mounts where !isEngineSocket(mount.source) {
            let source = normalizedPath(mount.source)
            guard sensitivePaths.contains(source) else { continue }
            let access = mount.writable ? "read-write" : "read-only"
            add("sensitive-mount", mount.writable || source == "/" ? .high : .medium,
                "host \(source) is mounted \(access) at \(mount.destination)")
        }
        if !posture.readonlyRootfs {
            add("writable-rootfs", .low, "the root filesystem is writable: a dropped binary can land anywhere (run with --read-only and a noexec tmpfs for scratch)")
        }
        if isRoot(posture.user) && posture.usernsMode != "host" {
            add("root-user", .medium, "runs as root (User is \(posture.user.map { $0.isEmpty ? "unset" : "'\($0)'" } ?? "unset")): a kernel or runtime bug becomes root on the host")
        }
        if !options.contains(where: { $0 == "no-new-privileges" || $0 == "no-new-privileges=true" }) {
            add("no-new-privileges-off", .low, "no-new-privileges is not set: setuid binaries inside can still raise privileges")
        }
        return risks.sorted { ($0.severity, $0.id) < ($1.severity, $1.id) }
    }

    private static func isEngineSocket(_ path: String) -> Bool {
        let name = (path as NSString).lastPathComponent
        return ["docker.sock", "podman.sock", "containerd.sock", "crio.sock", "dockershim.sock"].contains(name)
            || normalizedPath(path) == "/var/run/docker" || normalizedPath(path) == "/run/docker"
    }

    private static func normalizedPath(_ path: String) -> String {
        var text = path
        while text.count > 1 && text.hasSuffix("/") { text.removeLast() }
        return text
    }

    private static func normalizedCapability(_ name: String) -> String {
        let upper = name.uppercased()
        return upper.hasPrefix("CAP_") ? String(upper.dropFirst(4)) : upper
    }

    private static func isRoot(_ user: String?) -> Bool {
        guard let user, !user.isEmpty else { return true }
        let name = user.split(separator: ":").first.map(String.init) ?? user
        return name == "root" || name == "0"
    }
}
