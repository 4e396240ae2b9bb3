import FalcoAlerts

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which accepted alerts are investigated: `--rule` (any pattern matches), `--min-priority` and `--flag` (every
/// flag is set). An empty filter keeps every alert.
package struct AlertFilter: Sendable, Hashable {
    package var rules: [RulePattern]
    package var minimumPriority: FalcoPriority?
    /// Execve flag names (`EXE_UPPER_LAYER`), upper case; the alert must carry all of them.
    package var flags: [String]

    package init(rules: [RulePattern] = [], minimumPriority: FalcoPriority? = nil, flags: [String] = []) {
        self.rules = rules
        self.minimumPriority = minimumPriority
        self.flags = flags.map { $0.uppercased() }
    }

    /// Why `alert` is not investigated, or `nil` when it passes.
    package func rejection(of alert: FalcoAlert) -> String? {
        if !rules.isEmpty, !rules.contains(where: { $0.matches(alert.rule) }) {
            return "filtered out: the rule matches no --rule pattern"
        }
        if let minimumPriority, alert.priority < minimumPriority {
            return "filtered out: priority \(alert.priorityName) is below --min-priority \(minimumPriority.name)"
        }
        if !flags.isEmpty {
            let names = Set(alert.execFlags.names)
            let missing = flags.filter { !names.contains($0) }
            if !missing.isEmpty {
                return "filtered out: evt.arg.flags lacks " + missing.joined(separator: ", ")
            }
        }
        return nil
    }
}

/// A `--rule` value: a rule name, matched exactly, or a shell glob (`*`, `?`, `[…]`) over the whole name.
///
/// Rule names hold spaces, parentheses and sometimes brackets, so a name is first compared exactly: a literal
/// `Read sensitive file [untrusted]` still matches itself.
package struct RulePattern: Sendable, Hashable, CustomStringConvertible {
    package let text: String

    package init(_ text: String) {
        self.text = text
    }

    /// Whether the pattern has glob characters at all.
    package var isGlob: Bool { text.contains { $0 == "*" || $0 == "?" || $0 == "[" } }

    package func matches(_ rule: String) -> Bool {
        if rule == text { return true }
        guard isGlob else { return false }
        // No FNM_PATHNAME: a `/` in a rule name is an ordinary character; no FNM_PERIOD for the same reason.
        return fnmatch(text, rule, 0) == 0
    }

    package var description: String { text }
}
