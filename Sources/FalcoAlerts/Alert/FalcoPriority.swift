/// A Falco rule priority, ordered: `emergency` is the highest, `debug` the lowest, `unknown` below all.
package enum FalcoPriority: Sendable, Hashable, Comparable, CaseIterable {
    case unknown
    case debug
    case informational
    case notice
    case warning
    case error
    case critical
    case alert
    case emergency

    /// The priority for a name as Falco (`Critical`), a rule file (`CRITICAL`, `INFO`), falcosidekick
    /// (`warning`) or syslog (`warn`, `crit`, `emerg`, `err`) writes it, in any case; `.unknown` for anything else.
    ///
    /// Falco itself accepts every long name case-insensitively and `info` for Informational; the short forms are
    /// syslog's level names, which a relayed alert may carry.
    package init(name: String) {
        // Falco's own spelling first: no lowercased copy for the names every alert carries.
        if let exact = Self.known.first(where: { $0.name == name }) {
            self = exact
            return
        }
        switch name.lowercased() {
        case "emergency", "emerg", "panic": self = .emergency
        case "alert": self = .alert
        case "critical", "crit": self = .critical
        case "error", "err": self = .error
        case "warning", "warn": self = .warning
        case "notice": self = .notice
        case "informational", "info": self = .informational
        case "debug": self = .debug
        default: self = .unknown
        }
    }

    /// The long name Falco writes in alerts (`Informational`, not `Info`); `unknown` for `.unknown`.
    package var name: String {
        switch self {
        case .emergency: "Emergency"
        case .alert: "Alert"
        case .critical: "Critical"
        case .error: "Error"
        case .warning: "Warning"
        case .notice: "Notice"
        case .informational: "Informational"
        case .debug: "Debug"
        case .unknown: "unknown"
        }
    }

    /// The priorities Falco knows, highest first.
    package static let known: [FalcoPriority] = allCases.filter { $0 != .unknown }.reversed()
}
