import FalcoAlerts

/// What `watch` did with one alert: the line it prints on stdout, one per alert, keys sorted:
/// `{"action":"merged","alert":{…},"bundle":"/out/0a8f2c69d33f-20261129T112413.352372868Z","error":null,
/// "verdict":"confirmed"}`.
package struct Outcome: Sendable, Hashable {
    package enum Action: String, Sendable, Hashable, CaseIterable {
        /// The first alert of its kind: its investigation made `bundle`.
        case investigated
        /// A repeat within the dedupe window: recorded beside the first alert's bundle, which answers for it.
        case merged
        /// Not investigated by choice: not an alert, a host event, filtered out, or refused while full.
        case skipped
        /// Accepted, but no bundle answers for it: the investigation failed or was interrupted.
        case failed
    }

    package var alert: AlertIdentity
    package var action: Action
    /// The bundle folder that answers for the alert (for `merged`, the first alert's bundle).
    package var bundle: String?
    /// The investigation's overall verdict (`confirmed`, `disputed`, `inconclusive`).
    package var verdict: String?
    /// Why the alert was skipped or failed.
    package var error: String?

    package init(
        alert: AlertIdentity, action: Action, bundle: String? = nil, verdict: String? = nil, error: String? = nil
    ) {
        self.alert = alert
        self.action = action
        self.bundle = bundle
        self.verdict = verdict
        self.error = error
    }

    /// The outcome as one line of JSON, newline included.
    package var jsonLine: String {
        Self.line(identity: alert.json.jsonText(), action: action, bundle: bundle, verdict: verdict, error: error)
    }

    /// An outcome line around an identity already written as JSON (read back from a merged-alerts file).
    static func line(identity: String, action: Action, bundle: String?, verdict: String?, error: String?) -> String {
        func text(_ value: String?) -> String { value.map(JSONText.quoted) ?? "null" }
        return "{\"action\":\"\(action.rawValue)\",\"alert\":\(identity),\"bundle\":\(text(bundle)),"
            + "\"error\":\(text(error)),\"verdict\":\(text(verdict))}\n"
    }
}
