/// Reads a plain-text Falco alert line (`<time>: <Priority> <rule output>`) as a best effort.
///
/// Plain text is ambiguous (values contain spaces and `|`, and `<NA>` may be a real value), so the alert is
/// marked lossy: `key=value` pairs are mapped to the `output_fields` names Falco's rules print them from, the rule
/// is recognised from its output text when it is a known rule, and what the text cannot tell is listed in
/// ``FalcoAlert/unreadableFields``.
enum PlainTextAlertParser {
    /// The alert in `line`, or `nil` when the line is not a plain-text Falco alert.
    static func parse(_ line: String) -> FalcoAlert? {
        var text = Substring(line)
        while let last = text.unicodeScalars.last, last == "\r" || last == "\n" {
            text = text.dropLast()
        }
        guard let separator = text.range(of: ": ") else { return nil }
        let timeText = String(text[..<separator.lowerBound])
        let afterTime = text[separator.upperBound...]
        guard let space = afterTime.firstIndex(of: " ") else { return nil }
        let priorityName = String(afterTime[..<space])
        guard FalcoPriority.known.contains(where: { $0.name == priorityName }) else { return nil }
        let rest = String(afterTime[afterTime.index(after: space)...])

        var unreadable = ["hostname", "source", "tags"]
        let time = AlertTime(timeText)
        if time == nil {
            guard isTimeOfDay(timeText) else { return nil }
            unreadable.append("time")
        }
        let (description, pairs) = split(rest)
        let rule = knownRules[description]
        if rule == nil { unreadable.append("rule") }
        let members = pairs.map { key, value in
            let name = fieldNames[key] ?? key
            return FieldMember(name: name, value: fieldValue(value, for: name))
        }
        let fields = OutputFields(members)
        if fields["container.id"]?.stringValue?.isEmpty ?? true { unreadable.append("container.id") }
        return FalcoAlert(
            rule: rule ?? description, priorityName: priorityName, time: time, output: String(text), message: rest,
            outputFields: fields, hasOutputFields: false, format: .plainText, unreadableFields: unreadable)
    }

    /// `HH:MM:SS` with an optional fraction: Falco's default `%evt.time`, local time without a date.
    private static func isTimeOfDay(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, bytes[2] == UInt8(ascii: ":"), bytes[5] == UInt8(ascii: ":") else { return false }
        let digitPositions = [0, 1, 3, 4, 6, 7]
        guard digitPositions.allSatisfy({ bytes[$0] &- UInt8(ascii: "0") <= 9 }) else { return false }
        if bytes.count == 8 { return true }
        return bytes.count <= 18 && bytes[8] == UInt8(ascii: ".")
            && bytes[9...].allSatisfy { $0 &- UInt8(ascii: "0") <= 9 } && bytes.count > 9
    }

    /// The rule output's description and its `key=value` pairs, in order.
    static func split(_ output: String) -> (description: String, pairs: [(String, String)]) {
        let scalars = Array(output.unicodeScalars)
        var keys: [(start: Int, equals: Int)] = []
        var position = 0
        while position < scalars.count {
            let isBoundary = position == 0 || scalars[position - 1] == " " || scalars[position - 1] == "("
            if isBoundary, let equals = keyEnd(scalars, from: position) {
                keys.append((position, equals))
                position = equals + 1
            } else {
                position += 1
            }
        }
        func text(_ range: Range<Int>) -> String {
            var result = ""
            result.unicodeScalars.append(contentsOf: scalars[range])
            return result
        }
        var description = text(0..<(keys.first?.start ?? scalars.count)).trimmingASCIIWhitespace()
        for marker in ["|", "("] where description.hasSuffix(marker) {
            description = String(description.dropLast()).trimmingASCIIWhitespace()
        }
        var pairs: [(String, String)] = []
        for (index, key) in keys.enumerated() {
            let end = index + 1 < keys.count ? keys[index + 1].start - 1 : scalars.count
            var value = text((key.equals + 1)..<max(key.equals + 1, end))
            if value.hasSuffix(" ") { value = value.trimmingASCIIWhitespace() }
            let opens = value.unicodeScalars.filter { $0 == "(" }.count
            let closes = value.unicodeScalars.filter { $0 == ")" }.count
            if value.hasSuffix(")"), closes > opens {
                value = String(value.dropLast())
                if value.hasSuffix(" ") { value = value.trimmingASCIIWhitespace() }
            }
            pairs.append((text(key.start..<key.equals), value))
        }
        return (description, pairs)
    }

    /// The index of the `=` ending a key that starts at `start`: a lowercase letter, then letters, digits, `_`,
    /// `.` or brackets (`proc.aname[2]`).
    private static func keyEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
        guard start < scalars.count, ("a"..."z").contains(scalars[start]) else { return nil }
        var position = start + 1
        while position < scalars.count {
            let scalar = scalars[position]
            if scalar == "=" { return position }
            let isKeyScalar =
                ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "."
                || scalar == "[" || scalar == "]"
            guard isKeyScalar else { return nil }
            position += 1
        }
        return nil
    }

    private static func fieldValue(_ text: String, for name: String) -> FieldValue {
        if text == "<NA>" { return .null }
        if numericFields.contains(name), let number = ExactNumber(text: text), number.isInteger {
            return .number(number)
        }
        return .string(text)
    }

    /// Text keys of Falco's rule outputs (every era) and the fields they print.
    static let fieldNames: [String: String] = [
        "container_id": "container.id", "container_name": "container.name",
        "container_image": "container.image.repository", "container_image_repository": "container.image.repository",
        "image": "container.image.repository", "container_image_tag": "container.image.tag",
        "container_start_ts": "container.start_ts",
        "k8s_ns": "k8s.ns.name", "k8s_ns_name": "k8s.ns.name", "k8s.ns": "k8s.ns.name",
        "k8s_pod_name": "k8s.pod.name", "k8s.pod": "k8s.pod.name",
        "proc_exepath": "proc.exepath", "proc_exe": "proc.exe", "exe": "proc.exe",
        "process": "proc.name", "parent": "proc.pname", "gparent": "proc.aname[2]", "ggparent": "proc.aname[3]",
        "gggparent": "proc.aname[4]", "command": "proc.cmdline", "cmdline": "proc.cmdline", "comm": "proc.cmdline",
        "proc_cwd": "proc.cwd", "proc_sname": "proc.sname", "proc_pcmdline": "proc.pcmdline",
        "proc_exe_ino_ctime": "proc.exe_ino.ctime", "proc_exe_ino_mtime": "proc.exe_ino.mtime",
        "proc_exe_ino_ctime_duration_proc_start": "proc.exe_ino.ctime_duration_proc_start",
        "user": "user.name", "user_uid": "user.uid", "user_loginuid": "user.loginuid",
        "user_loginname": "user.loginname", "group_gid": "group.gid", "group_name": "group.name",
        "terminal": "proc.tty", "exe_flags": "evt.arg.flags", "flags": "evt.arg.flags",
        "evt_type": "evt.type", "evt_res": "evt.res", "file": "fd.name", "fileraw": "fd.nameraw",
        "fd_type": "fd.type", "fd_proto": "fd.l4proto", "lport": "fd.lport", "rport": "fd.rport",
        "cap_effective": "thread.cap_effective",
    ]

    private static let numericFields: Set<String> = [
        "container.start_ts", "proc.exe_ino.ctime", "proc.exe_ino.mtime", "proc.exe_ino.ctime_duration_proc_start",
        "user.uid", "user.loginuid", "group.gid", "proc.tty", "fd.lport", "fd.rport", "proc.pid", "proc.ppid",
        "proc.vpid",
    ]

    /// Rule output descriptions of falcosecurity/rules' stable rules, and the rules that print them.
    static let knownRules: [String: String] = [
        "Executing binary not part of base image": "Drop and execute new binary in container",
        "Fileless execution via memfd_create": "Fileless execution via memfd_create",
        "A shell was spawned in a container with an attached terminal": "Terminal shell in container",
        "File execution detected from /dev/shm": "Execution from /dev/shm",
        "Netcat runs inside container that allows remote code execution": "Netcat Remote Code Execution in Container",
        "Packet socket was created in a container": "Packet socket created in container",
        "Redirect stdout/stdin to network connection": "Redirect STDOUT/STDIN to Network Connection in Container",
        "Detected potential PTRACE_TRACEME anti-debug attempt": "PTRACE anti-debug attempt",
        "Detected ptrace PTRACE_ATTACH attempt": "PTRACE attached to process",
        "Detect an attempt to exploit a container escape using release_agent file":
            "Detect release_agent File Container Escapes",
        "Detected AWS credentials search activity": "Find AWS Credentials",
        "Read monitored file via directory traversal": "Directory traversal monitored file read",
        "Shell spawned by untrusted binary": "Run shell untrusted",
        "Sensitive file opened for reading by trusted program after startup":
            "Read sensitive file trusted after startup",
        "Sensitive file opened for reading by non-trusted program": "Read sensitive file untrusted",
        "Bulk data has been removed from disk": "Remove Bulk Data from Disk",
        "Hardlinks created over sensitive files": "Create Hardlink Over Sensitive Files",
        "Symlinks created over sensitive files": "Create Symlink Over Sensitive Files",
        "Grep private keys or passwords activities found": "Search Private Keys or Passwords",
        "System user ran an interactive command": "System user interactive",
        "Debugfs launched started in a privileged container": "Debugfs Launched in Privileged Container",
        "Log files were tampered": "Clear Log Activities",
        "Disallowed SSH Connection": "Disallowed SSH Connection Non Standard Port",
        "File below a known binary directory opened for writing": "Write below binary dir",
    ]
}
