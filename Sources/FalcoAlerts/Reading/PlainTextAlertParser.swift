/// Reads a plain-text Falco alert line (`<time>: <Priority> <rule output>`) as a best effort.
///
/// Plain text is ambiguous (values contain spaces and `|`, and `<NA>` may be a real value), so the alert is
/// marked lossy: `key=value` pairs are mapped to the `output_fields` names Falco's rules print them from, the rule
/// is recognised from its output text when it is a known rule, and what the text cannot tell is listed in
/// ``FalcoAlert/unreadableFields``.
enum PlainTextAlertParser {
    /// The rule reported when the text does not say which rule fired; the text stays the alert's message.
    static let unknownRule = "unknown"

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
        guard FalcoPriority(name: priorityName) != .unknown else { return nil }
        let rest = String(afterTime[afterTime.index(after: space)...])

        var unreadable = ["hostname", "source", "tags"]
        let time = AlertTime(timeText)
        var unzoned: UnzonedTime?
        if time == nil {
            guard let parsed = UnzonedTime(timeText) else { return nil }
            unzoned = parsed
            unreadable.append("time zone")
        }
        let (description, pairs) = split(rest)
        let rule = knownRules[description] ?? internalRule(description)
        if rule == nil { unreadable.append("rule") }
        let fields = OutputFields(containerMembers(pairs))
        if fields["container.id"]?.stringValue?.isEmpty ?? true { unreadable.append("container.id") }
        return FalcoAlert(
            rule: rule ?? unknownRule, priorityName: priorityName, time: time, source: rule.flatMap(internalSource),
            output: String(text), message: rest, outputFields: fields, hasOutputFields: false, format: .plainText,
            unreadableFields: unreadable, unzonedTime: unzoned)
    }

    /// `Falco internal: syscall event drop` for `Falco internal: syscall event drop. 9 system calls dropped…`:
    /// Falco's own alerts name themselves before the first `.` or `:` of their message, whatever follows.
    static func internalRule(_ description: String) -> String? {
        let prefix = "Falco internal: "
        guard description.hasPrefix(prefix) else { return nil }
        let name = description.dropFirst(prefix.count).prefix { $0 != "." && $0 != ":" && $0 != "(" }
        let trimmed = String(name).trimmingASCIIWhitespace()
        return trimmed.isEmpty ? nil : prefix + trimmed
    }

    private static func internalSource(_ rule: String) -> String? {
        rule.hasPrefix("Falco internal: ") ? "internal" : nil
    }

    /// The members for `pairs`, with the container read from every form `%container.info`, `-pc` and `-pk`
    /// printed: `name (id=…)` (≤0.35 default), `container=name (id=…)` (≤0.35 `-pc`),
    /// `k8s.ns=… k8s.pod=… container=<id>` (≤0.35 `-pk`), and the `container_id=… container_name=…` keys of
    /// 0.36 and later.
    static func containerMembers(_ pairs: [TextPair]) -> [FieldMember] {
        var pairs = pairs
        let hasKubernetesPrefix = pairs.contains { $0.key == "k8s.pod" }
        var members: [FieldMember] = []
        var index = 0
        while index < pairs.count {
            let pair = pairs[index]
            var name = fieldNames[pair.key] ?? pair.key
            if pair.key == "id", pair.afterParenthesis {
                name = "container.id"
                if index > 0, pairs[index - 1].key != "container", let cut = lastWord(pairs[index - 1].value) {
                    // `user=root shell (id=…)`: the container's name is the word before the parenthesis.
                    pairs[index - 1].value = cut.rest
                    members[members.count - 1] = member(pairs[index - 1], named: members[members.count - 1].name)
                    members.append(FieldMember(name: "container.name", value: fieldValue(cut.word, for: "")))
                }
            } else if pair.key == "container" {
                let followedByID = index + 1 < pairs.count && pairs[index + 1].key == "id"
                    && pairs[index + 1].afterParenthesis
                name = !followedByID && (hasKubernetesPrefix || looksLikeContainerID(pair.value))
                    ? "container.id" : "container.name"
            }
            if members.contains(where: { $0.name == name }) {
                name = pair.key
            }
            members.append(member(pair, named: name))
            index += 1
        }
        return members
    }

    private static func member(_ pair: TextPair, named name: String) -> FieldMember {
        FieldMember(name: name, value: fieldValue(pair.value, for: name))
    }

    private static func lastWord(_ value: String) -> (rest: String, word: String)? {
        guard let space = value.lastIndex(of: " ") else { return nil }
        let word = String(value[value.index(after: space)...])
        return word.isEmpty ? nil : (String(value[..<space]), word)
    }

    /// A 12- or 64-character hex id, or `host`.
    private static func looksLikeContainerID(_ value: String) -> Bool {
        if value == "host" { return true }
        let utf8 = value.utf8
        return (utf8.count == 12 || utf8.count == 64)
            && utf8.allSatisfy { ($0 &- UInt8(ascii: "0") <= 9) || ($0 &- UInt8(ascii: "a") < 6) }
    }

    /// One `key=value` of a rule output, and whether it opened a parenthesis (`(id=…)`).
    struct TextPair {
        var key: String
        var value: String
        var afterParenthesis: Bool
    }

    /// Keys whose value is free text (a command line): inside it, only a key this reader knows ends the value,
    /// so `mount -o size=39001` stays one command and invents no `size`.
    private static let freeTextKeys: Set<String> = ["command", "cmdline", "comm", "proc_pcmdline", "pcmdline"]

    /// The rule output's description and its `key=value` pairs, in order.
    static func split(_ output: String) -> (description: String, pairs: [TextPair]) {
        let scalars = Array(output.unicodeScalars)
        func text(_ range: Range<Int>) -> String {
            var result = ""
            result.unicodeScalars.append(contentsOf: scalars[range])
            return result
        }
        var keys: [(start: Int, equals: Int)] = []
        var inFreeText = false
        var position = 0
        while position < scalars.count {
            let isBoundary = position == 0 || scalars[position - 1] == " " || scalars[position - 1] == "("
            if isBoundary, let equals = keyEnd(scalars, from: position) {
                let key = text(position..<equals)
                let afterParenthesis = position > 0 && scalars[position - 1] == "("
                if !inFreeText || fieldNames[key] != nil || key == "container" || (key == "id" && afterParenthesis) {
                    keys.append((position, equals))
                    inFreeText = freeTextKeys.contains(key)
                }
                position = equals + 1
            } else {
                position += 1
            }
        }
        var description = text(0..<(keys.first?.start ?? scalars.count)).trimmingASCIIWhitespace()
        for marker in ["|", "("] where description.hasSuffix(marker) {
            description = String(description.dropLast()).trimmingASCIIWhitespace()
        }
        var pairs: [TextPair] = []
        for (index, key) in keys.enumerated() {
            let end = index + 1 < keys.count ? keys[index + 1].start - 1 : scalars.count
            var value = text((key.equals + 1)..<max(key.equals + 1, end))
            if value.hasSuffix(" ") { value = value.trimmingASCIIWhitespace() }
            let afterParenthesis = key.start > 0 && scalars[key.start - 1] == "("
            var opens = value.unicodeScalars.filter { $0 == "(" }.count + (afterParenthesis ? 1 : 0)
            var closes = value.unicodeScalars.filter { $0 == ")" }.count
            while value.hasSuffix(")"), closes > opens {
                value = String(value.dropLast())
                closes -= 1
                if afterParenthesis, opens > 0 { opens -= 1 }
                if value.hasSuffix(" ") { value = value.trimmingASCIIWhitespace() }
            }
            if afterParenthesis, value.hasSuffix(" (") || value.hasSuffix("(") {
                value = String(value.dropLast(value.hasSuffix(" (") ? 2 : 1))
            }
            if index + 1 < keys.count, scalars[keys[index + 1].start - 1] == "(", value.hasSuffix("(") {
                value = String(value.dropLast()).trimmingASCIIWhitespace()
            }
            pairs.append(TextPair(key: text(key.start..<key.equals), value: value, afterParenthesis: afterParenthesis))
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
        "container_image_tag": "container.image.tag",
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
        "terminal": "proc.tty", "shell": "proc.name", "pcmdline": "proc.pcmdline",
        "connection": "fd.name", "proc.name": "proc.name", "proc.pname": "proc.pname", "proc.cmdline": "proc.cmdline",
        "proc.exepath": "proc.exepath", "proc.exe": "proc.exe", "container.id": "container.id",
        "container.name": "container.name", "evt.type": "evt.type", "fd.name": "fd.name", "user.name": "user.name",
        "user.uid": "user.uid", "user.loginuid": "user.loginuid", "proc.tty": "proc.tty",
        "proc.aname[2]": "proc.aname[2]", "evt.arg.flags": "evt.arg.flags", "k8s.ns.name": "k8s.ns.name",
        "k8s.pod.name": "k8s.pod.name", "image": "container.image.repository", "exe_flags": "evt.arg.flags",
        "flags": "evt.arg.flags",
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
