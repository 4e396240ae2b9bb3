import Foundation

/// What an investigation found: the `alert-inspect/report/v1` document (docs/report.md).
///
/// Field names are the JSON keys scripts rely on; renderers for people read the same values.
package struct InvestigationReport: Sendable, Hashable, Codable {
    package static let schemaName = "alert-inspect/report/v1"

    package var schema: String = Self.schemaName
    /// When the report was made (ISO 8601). The only field that differs between a run and its replay.
    package var generatedAt: String
    package var tool: Tool
    package var engine: Engine
    package var alert: Alert?
    package var container: Container?
    package var claims: [Claim]
    package var verdict: Verdict
    package var executable: Executable?
    package var risks: [Risk]
    package var logs: Logs
    package var events: [Event]
    package var mitigations: [NextStep]
    /// The container's writable-layer changes (what drifted from the image), executables marked.
    package var drift: [Drift]
    /// The container's processes as the engine's `top` reported them (host pids).
    package var processes: [Process]
    /// What could not be checked, and why: said plainly rather than guessed.
    package var limitations: [String]

    private enum CodingKeys: String, CodingKey {
        case schema, generatedAt, tool, engine, alert, container, claims, verdict, executable, risks, logs, events
        case mitigations, drift, processes, limitations
    }

    /// Written by hand only so that an absent alert, container or executable is `null`, not a missing
    /// key: docs/report.md promises those keys to scripts.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(schema, forKey: .schema)
        try container.encode(generatedAt, forKey: .generatedAt)
        try container.encode(tool, forKey: .tool)
        try container.encode(engine, forKey: .engine)
        try container.encode(alert, forKey: .alert)
        try container.encode(self.container, forKey: .container)
        try container.encode(claims, forKey: .claims)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(executable, forKey: .executable)
        try container.encode(risks, forKey: .risks)
        try container.encode(logs, forKey: .logs)
        try container.encode(events, forKey: .events)
        try container.encode(mitigations, forKey: .mitigations)
        try container.encode(drift, forKey: .drift)
        try container.encode(processes, forKey: .processes)
        try container.encode(limitations, forKey: .limitations)
    }

    package struct Tool: Sendable, Hashable, Codable {
        package var name: String
        package var version: String
    }

    package struct Engine: Sendable, Hashable, Codable {
        package var endpoint: String
        package var apiVersion: String
        package var serverVersion: String?
        package var storageDriver: String?
        /// What of the engine's host this run can see (overlay dirs, `/proc`).
        package var hostAccess: HostAccess
        package var isPodman: Bool
    }

    package struct HostAccess: Sendable, Hashable, Codable {
        /// The container's overlay upper dir is readable from here.
        package var upperDirVisible: Bool
        /// `/proc/<pid>/exe` of the container's processes is readable from here.
        package var procVisible: Bool
        /// The engine keeps images in containerd's store: no overlay paths are exposed.
        package var containerdImageStore: Bool
        package var detail: String
    }

    package struct Alert: Sendable, Hashable, Codable {
        package var rule: String
        package var priority: String
        package var time: String?
        package var source: String?
        package var hostname: String?
        package var containerId: String?
        package var containerName: String?
        package var image: String?
        package var exePath: String?
        package var cmdline: String?
        package var flags: [String]
        /// Every `output_fields` entry exactly as the alert carried it (big integers included).
        package var fields: [String: ExactJSON]
        /// Fields a plain-text alert did not let us read.
        package var unreadable: [String]?
        /// falcosidekick's id for the alert, to find it again in its outputs.
        package var uuid: String?
        /// The priority as the alert wrote it, where that differs from ``priority`` (`warning`, `info`).
        package var priorityAsWritten: String?
        /// A time written without a zone (older plain-text Falco), exactly as written; ``time`` is then null.
        package var timeWithoutZone: String?
        /// The log line the alert came in, where it came wrapped in one (journald, syslog, kubectl).
        package var provenance: AlertProvenance?
    }

    /// Where a log wrapped the alert: the alert itself is unchanged by it.
    package struct AlertProvenance: Sendable, Hashable, Codable {
        /// `syslog`, `kubectlTimestamps` or `journalExport`.
        package var kind: String
        package var host: String?
        /// The log's own time, as written.
        package var time: String?
        package var identifier: String?
        package var pid: String?
    }

    package struct Container: Sendable, Hashable, Codable {
        package var id: String
        package var name: String
        package var image: String
        package var imageId: String
        package var labels: [String: String]
        package var state: State
    }

    package struct State: Sendable, Hashable, Codable {
        package var status: String
        package var running: Bool
        package var pid: Int
        package var startedAt: String?
        package var finishedAt: String?
        package var restartCount: Int?
    }

    package struct Claim: Sendable, Hashable, Codable {
        package var id: ClaimID
        package var statement: String
        package var verdict: ClaimVerdict
        package var reason: String
        package var evidence: [String]
    }

    package struct Executable: Sendable, Hashable, Codable {
        package var path: String
        package var change: ExecutableChange
        package var sha256: String?
        package var size: Int64?
        package var mode: String?
        package var pid: Int?
        package var running: Bool
        /// Where the hash came from: the engine's archive endpoint, or the host's `/proc/<pid>/exe`.
        package var source: String?
    }

    package struct Risk: Sendable, Hashable, Codable {
        package var id: String
        package var severity: Severity
        package var detail: String
    }

    package struct Logs: Sendable, Hashable, Codable {
        package var since: String?
        package var until: String?
        package var truncated: Bool
        package var lines: [LogLine]
    }

    package struct LogLine: Sendable, Hashable, Codable {
        package var time: String?
        package var stream: String
        /// The line as text; bytes that are not UTF-8 show as U+FFFD, and `base64` then has them all.
        package var text: String
        /// The line's exact bytes, base64, only when they are not valid UTF-8 (container output
        /// need not be), so the JSON report keeps what `text` cannot.
        package var base64: String? = nil
    }

    package struct Event: Sendable, Hashable, Codable {
        package var time: String
        package var action: String
        package var detail: String
    }

    package struct Drift: Sendable, Hashable, Codable {
        package var path: String
        package var kind: DriftKind
        package var executable: Bool?
    }

    package struct Process: Sendable, Hashable, Codable {
        package var pid: Int
        package var user: String?
        package var command: String
    }
}

package enum ClaimID: String, Sendable, Hashable, Codable, CaseIterable {
    case containerIdentity = "container-identity"
    case upperLayer = "upper-layer"
    case notInImage = "not-in-image"
    case lowerLayer = "lower-layer"
    case fileless
}

package enum ClaimVerdict: String, Sendable, Hashable, Codable {
    case corroborated, contradicted, unverifiable
}

package enum Verdict: String, Sendable, Hashable, Codable, CaseIterable {
    case confirmed, disputed, inconclusive
}

package enum ExecutableChange: String, Sendable, Hashable, Codable {
    case added, modified, unchanged, deleted, absent, memfd, unknown
}

package enum Severity: String, Sendable, Hashable, Codable, Comparable {
    case high, medium, low

    private var rank: Int {
        switch self {
        case .high: return 0
        case .medium: return 1
        case .low: return 2
        }
    }
    package static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A JSON value kept exactly: numbers as their original text (nanosecond times exceed a Double's
/// precision and some exceed Int64), `null` distinct from `""`.
package indirect enum ExactJSON: Sendable, Hashable, Codable {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array([ExactJSON])
    case object([String: ExactJSON])

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Decimal.self) {
            self = .number(value.description)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([ExactJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: ExactJSON].self))
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        // Decimal holds 38 digits exactly and JSONEncoder writes it digit for digit.
        case .number(let text):
            // No locale: "." is the separator, and making a Locale loads ICU (half a millisecond a run).
            if let decimal = Decimal(string: text) {
                try container.encode(decimal)
            } else {
                try container.encode(text)
            }
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        case .array(let values): try container.encode(values)
        case .object(let values): try container.encode(values)
        }
    }
}
