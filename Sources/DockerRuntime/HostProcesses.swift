import DockerEngine
import Runtime

/// The container's processes with their host pids and executables.
///
/// Docker's top reports host pids; Podman's reports the container's own. A pid is trusted as a host
/// pid only when the host's `/proc/<pid>/cgroup` names the container; otherwise the container's
/// processes are found on the host by cgroup and matched by their in-container pid (`NSpid`).
struct HostProcesses {
    let host: any HostView

    func processes(of container: ContainerRecord, rows: [ProcessList.Row]) -> [RuntimeProcess] {
        let id = container.id
        func belongs(_ pid: Int) -> Bool { host.text("/proc/\(pid)/cgroup", limit: 64 << 10)?.contains(id) ?? false }
        func exe(_ pid: Int) -> String? { host.linkTarget("/proc/\(pid)/exe") }
        let listed = rows.compactMap { row in row.pid.map { (pid: $0, row: row) } }
        func unmapped(_ item: (pid: Int, row: ProcessList.Row)) -> RuntimeProcess {
            RuntimeProcess(pid: item.pid, isHostPid: false, user: item.row.user, command: item.row.command ?? "")
        }
        // State.Pid is a host pid with every engine: its /proc tells whether this host's /proc is readable.
        let pid = container.state.pid ?? 0
        guard pid > 0, exe(pid) != nil else { return listed.map(unmapped) }
        // Each pid's cgroup is read once: the reads are host I/O, and recorded in a recording.
        let members = Set(listed.map(\.pid).filter(belongs))
        if !members.isEmpty {
            return listed.map { item in
                let member = members.contains(item.pid)
                return RuntimeProcess(
                    pid: item.pid, isHostPid: member, user: item.row.user, command: item.row.command ?? "",
                    exeLink: member ? exe(item.pid) : nil)
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
                return RuntimeProcess(
                    pid: process.pid, isHostPid: true, user: process.uid.map { $0 == "0" ? "root" : "uid \($0)" },
                    command: argv.split(separator: "\0").joined(separator: " "), exeLink: exe(process.pid))
            }
        }
        let hostPid = Dictionary(found.compactMap { process in process.inner.map { ($0, process.pid) } }, uniquingKeysWith: { first, _ in first })
        return listed.map { item in
            guard let pid = hostPid[item.pid] else { return unmapped(item) }
            return RuntimeProcess(pid: pid, isHostPid: true, user: item.row.user, command: item.row.command ?? "", exeLink: exe(pid))
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
}
