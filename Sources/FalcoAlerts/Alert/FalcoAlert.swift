/// One Falco alert, in whatever shape it arrived: Falco JSON of any version, falcosidekick's re-post, or a
/// plain-text line read as a best effort.
///
/// Every `output_fields` member is kept verbatim in ``outputFields``; typed accessors for what investigations need
/// are in `FalcoAlert+Fields.swift`.
package struct FalcoAlert: Sendable, Hashable {
    /// How an alert was written.
    package enum Format: String, Sendable, Hashable {
        /// A JSON object (Falco `json_output`, or falcosidekick).
        case json
        /// A plain-text Falco line: read as a best effort, see ``FalcoAlert/isLossy``.
        case plainText
    }

    /// The rule name. For a plain-text alert, the rule whose output the text matches, or the text's description.
    package var rule: String
    /// The priority, ordered; `.unknown` when ``priorityName`` is not a Falco priority.
    package var priority: FalcoPriority
    /// The priority's name as Falco writes it (`Warning` for `warning`, `WARN`, `warn`), or the text as written
    /// when it is not a Falco priority.
    package var priorityName: String
    /// The priority exactly as the alert wrote it (`warning`, `INFO`).
    package var originalPriority: String
    /// The event source (`syscall`, `internal`, a plugin's source; falcosidekick may write `syscalls`).
    package var source: String?
    /// The rule's tags (Falco writes them sorted); empty when the alert has none.
    package var tags: [String]
    /// Falco's hostname (in a container, usually the Falco container's id).
    package var hostname: String?
    /// The alert time; `nil` only for a plain-text line whose time has no zone (see ``unzonedTime``).
    package var time: AlertTime?
    /// A plain-text line's time when it names no zone (Falco's default `%evt.time` is a local time of day):
    /// kept exactly as written, never taken for an instant.
    package var unzonedTime: UnzonedTime?
    /// The full output line (`<time>: <Priority> <rule output>`).
    package var output: String?
    /// The rule output without the time and priority prefix (`json_include_message_property`, Falco 0.39+).
    package var message: String?
    /// The event id falcosidekick adds; Falco never writes one.
    package var uuid: String?
    /// Where the line came from when a log wrapped it (journald, syslog, `kubectl logs --timestamps`):
    /// the log's host and time, kept beside the alert and never mixed into it.
    package var provenance: LogProvenance?
    /// `output_fields`, verbatim. Empty when the alert has none (see ``hasOutputFields``).
    package var outputFields: OutputFields
    /// Whether the alert carried `output_fields` (Falco 0.41+ can leave it out).
    package var hasOutputFields: Bool
    /// Top-level members this reader does not interpret, kept verbatim.
    package var otherMembers: [FieldMember]
    /// How the alert was written.
    package var format: Format
    /// Whether the alert was read from plain text, so names and values are a best effort.
    package var isLossy: Bool
    /// For a lossy alert, what could not be read from the text (`hostname`, `source`, `tags`, `time`, `rule`,
    /// `container.id`).
    package var unreadableFields: [String]

    package init(
        rule: String,
        priorityName: String,
        time: AlertTime?,
        source: String? = nil,
        tags: [String] = [],
        hostname: String? = nil,
        output: String? = nil,
        message: String? = nil,
        uuid: String? = nil,
        outputFields: OutputFields = OutputFields(),
        hasOutputFields: Bool = true,
        otherMembers: [FieldMember] = [],
        format: Format = .json,
        unreadableFields: [String] = [],
        unzonedTime: UnzonedTime? = nil,
        provenance: LogProvenance? = nil
    ) {
        self.rule = rule
        let priority = FalcoPriority(name: priorityName)
        self.priority = priority
        self.priorityName = priority == .unknown ? priorityName : priority.name
        self.originalPriority = priorityName
        self.time = time
        self.source = source
        self.tags = tags
        self.hostname = hostname
        self.output = output
        self.message = message
        self.uuid = uuid
        self.outputFields = outputFields
        self.hasOutputFields = hasOutputFields
        self.otherMembers = otherMembers
        self.format = format
        self.isLossy = format == .plainText
        self.unreadableFields = unreadableFields
        self.unzonedTime = unzonedTime
        self.provenance = provenance
    }
}
