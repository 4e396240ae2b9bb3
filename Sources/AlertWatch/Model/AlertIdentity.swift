import FalcoAlerts
import Foundation

/// The short identification of one alert that `watch` writes in every outcome line, journal record and
/// merged-alerts file: where it came from (a stream's source and line, or an HTTP request's number and
/// falcosidekick's `uuid`) and what it says (rule, container, time).
///
/// As JSON, every key is always present, `null` when it does not apply, so scripts can rely on the shape:
/// `{"containerId":"0a8f2c69d33f","line":3,"request":null,"rule":"Drop and execute new binary in container",
/// "source":"<stdin>","time":"2026-11-29T11:24:13.352372868Z","uuid":null}`.
package struct AlertIdentity: Sendable, Hashable, Codable {
    /// `<stdin>`, the followed file's path as given, or `http` for a webhook POST.
    package var source: String
    /// The 1-based line in `source`, for a stream.
    package var line: Int?
    /// The 1-based number of the POST since the listener started, for HTTP.
    package var request: Int?
    /// The `uuid` falcosidekick adds to every alert it forwards (Falco itself never writes one).
    package var uuid: String?
    package var rule: String?
    /// The container id exactly as the alert gives it (usually the 12-character short id, `host` for the host).
    package var containerId: String?
    /// The alert's `time`, exactly as written.
    package var time: String?

    package init(
        source: String, line: Int? = nil, request: Int? = nil, uuid: String? = nil, rule: String? = nil,
        containerId: String? = nil, time: String? = nil
    ) {
        self.source = source
        self.line = line
        self.request = request
        self.uuid = uuid
        self.rule = rule
        self.containerId = containerId
        self.time = time
    }

    /// The identity of a line or body before it is read: where it came from only.
    package static func stream(_ source: String, line: Int) -> AlertIdentity {
        AlertIdentity(source: source, line: line)
    }

    /// The same place, with what `alert` says about itself.
    package func describing(_ alert: FalcoAlert) -> AlertIdentity {
        var identity = self
        identity.uuid = alert.uuid
        identity.rule = alert.rule
        identity.containerId = alert.containerID
        identity.time = alert.time?.text
        return identity
    }

    /// The identity as a JSON object, every key present, text escaped so no control character is written raw.
    package var json: FieldValue {
        func text(_ value: String?) -> FieldValue { value.map(FieldValue.string) ?? .null }
        func number(_ value: Int?) -> FieldValue { value.map { .number(ExactNumber(Int64($0))) } ?? .null }
        return .object([
            FieldMember(name: "containerId", value: text(containerId)),
            FieldMember(name: "line", value: number(line)),
            FieldMember(name: "request", value: number(request)),
            FieldMember(name: "rule", value: text(rule)),
            FieldMember(name: "source", value: .string(source)),
            FieldMember(name: "time", value: text(time)),
            FieldMember(name: "uuid", value: text(uuid)),
        ])
    }

    /// A few words for messages: `<stdin> line 3`, `http request 7 (uuid …)`.
    package var place: String {
        var text = source
        if let line { text += " line \(line)" }
        if let request { text += " request \(request)" }
        if let uuid { text += " (uuid \(uuid))" }
        return text
    }
}
