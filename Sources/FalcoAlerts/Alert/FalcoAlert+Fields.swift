/// Typed access to the `output_fields` an investigation needs. Every accessor returns `nil` when the field is
/// absent or `null` (`<NA>`); ``FalcoAlert/field(_:)`` tells those two apart.
extension FalcoAlert {
    /// The value of an `output_fields` member, exactly as received; `nil` when absent, `.null` when `<NA>`.
    package func field(_ name: String) -> FieldValue? {
        outputFields[name]
    }

    /// The string value of a field; `nil` when absent, `null` or not a string.
    package func string(_ name: String) -> String? {
        outputFields[name]?.stringValue
    }

    /// The numeric value of a field, exact; `nil` when absent, `null` or not a number. Numbers written as
    /// strings (Falco's internal counters, plain-text values) are read too.
    package func number(_ name: String) -> ExactNumber? {
        switch outputFields[name] {
        case .number(let number): number
        case .string(let text): ExactNumber(text: text)
        default: nil
        }
    }

    // MARK: - Container

    /// The container's 12-character short id, or `host` for a host process (see ``isHostEvent``). `nil` when
    /// the alert has none or an empty one (seen on some Kubernetes nodes): unknown, not the host. Falls back to
    /// the first 12 characters of `container.full_id`.
    package var containerID: String? {
        if let id = string("container.id"), !id.isEmpty { return id }
        guard let full = string("container.full_id"), !full.isEmpty else { return nil }
        return full == "host" ? full : String(full.prefix(12))
    }

    /// `container.full_id`, the 64-hex-digit id, when the rule output or `append_output` added it.
    package var containerFullID: String? { string("container.full_id") }

    /// Whether the event came from a process on the host, not in a container (`container.id` is `host`).
    package var isHostEvent: Bool { containerID == "host" }

    /// `container.name`, without Docker's leading `/`.
    package var containerName: String? { string("container.name") }

    /// `container.image.repository` (`""` on host events).
    package var imageRepository: String? { string("container.image.repository") }

    /// `container.image.tag`.
    package var imageTag: String? { string("container.image.tag") }

    /// `container.image` when present, else `repository:tag` (or the repository alone).
    package var image: String? {
        if let image = string("container.image"), !image.isEmpty { return image }
        guard let repository = imageRepository, !repository.isEmpty else { return nil }
        guard let tag = imageTag, !tag.isEmpty else { return repository }
        return repository + ":" + tag
    }

    /// `container.start_ts`: epoch nanoseconds of the container's PID namespace start, exact.
    package var containerStartTimestamp: ExactNumber? { number("container.start_ts") }

    /// ``containerStartTimestamp`` as a time.
    package var containerStartTime: AlertTime? {
        containerStartTimestamp?.int64Value.map { AlertTime(nanosecondsSinceEpoch: $0) }
    }

    /// The Kubernetes parts of a dockershim/cri-dockerd container name (`k8s_<ctr>_<pod>_<ns>_<uid>_<n>`).
    package var kubernetesContainerName: KubernetesContainerName? {
        containerName.flatMap(KubernetesContainerName.init)
    }

    /// `k8s.pod.name`, else the pod named in a Kubernetes runtime container name.
    package var k8sPodName: String? {
        string("k8s.pod.name") ?? kubernetesContainerName?.pod
    }

    /// `k8s.ns.name`, else the namespace named in a Kubernetes runtime container name.
    package var k8sNamespace: String? {
        string("k8s.ns.name") ?? kubernetesContainerName?.namespace
    }

    // MARK: - Process

    /// The executable's path: `proc.exepath` (resolved by the kernel), else `proc.exe` (argv[0] as typed).
    package var exePath: String? {
        if let path = string("proc.exepath"), !path.isEmpty { return path }
        guard let exe = string("proc.exe"), !exe.isEmpty else { return nil }
        return exe
    }

    /// `proc.cmdline`: the process name and its arguments.
    package var cmdline: String? { string("proc.cmdline") }

    /// `proc.name`, the kernel's 15-character `comm`.
    package var processName: String? { string("proc.name") }

    /// `proc.pname`, the parent's name.
    package var parentName: String? { string("proc.pname") }

    /// `user.name`.
    package var userName: String? { string("user.name") }

    /// `proc.pid` (host pid), when `append_output` added it; Falco's rules do not print it.
    package var pid: Int64? { number("proc.pid")?.int64Value }

    /// `evt.type` (`execve`, `openat`, …).
    package var eventType: String? { string("evt.type") }

    /// `proc.exe_ino.ctime`: the executable inode's change time, epoch nanoseconds, exact.
    package var exeInodeCtime: ExactNumber? { number("proc.exe_ino.ctime") }

    /// `proc.exe_ino.mtime`: the executable inode's modification time, exact. Not to be trusted: values far in
    /// the future are seen in real alerts.
    package var exeInodeMtime: ExactNumber? { number("proc.exe_ino.mtime") }

    /// The event time in `output_fields` (`evt.time`, or `evt.time.iso8601` when Falco's ISO time is on):
    /// integer epoch nanoseconds, exact.
    package var eventTimestamp: ExactNumber? {
        number("evt.time") ?? number("evt.time.iso8601")
    }

    // MARK: - Flags

    /// `evt.arg.flags` exactly as written.
    package var flagsText: String? {
        switch outputFields["evt.arg.flags"] {
        case .string(let text): text
        case .number(let number): number.text
        default: nil
        }
    }

    /// The execve flags (`EXE_WRITABLE|EXE_UPPER_LAYER`), read with `evt.type` when the alert has it. An alert
    /// without `evt.arg.flags`, or with open flags there, has none and `isExecFlags` false.
    package var execFlags: ExecFlags {
        guard let text = flagsText else { return ExecFlags(bits: [], isExecFlags: false) }
        return ExecFlags(parsing: text, eventType: eventType)
    }
}
