import Foundation

/// One message of `GET /events`.
///
/// Docker appends details to some actions (`exec_create: sh -c id`, `health_status: healthy`);
/// Podman reports execs as `exec` and `exec_died` without the command. Attributes start from the
/// event's own values and then get the container's labels copied over them, so `execID` and
/// `exitCode` can be spoofed by whoever labelled the container; `name` and `image` are set last by
/// the engine and can be trusted.
package struct EngineEvent: Codable, Sendable, Hashable {
    package struct Actor: Codable, Sendable, Hashable {
        package var id: String?
        package var attributes: [String: String]?

        package init(id: String? = nil, attributes: [String: String]? = nil) {
            self.id = id
            self.attributes = attributes
        }

        enum CodingKeys: String, CodingKey { case id = "ID", attributes = "Attributes" }
    }

    /// `container`, `image`, `volume`, `network`, `daemon`, …
    package var type: String?
    package var action: String?
    package var actor: Actor?
    /// `local` or `swarm`.
    package var scope: String?
    /// Unix seconds.
    package var time: Int64?
    /// Unix nanoseconds.
    package var timeNano: Int64?
    /// Deprecated (dropped at API 1.52): the action again.
    package var status: String?
    /// Deprecated (dropped at API 1.52): the actor's ID.
    package var id: String?
    /// Deprecated (dropped at API 1.52): the image.
    package var from: String?

    package init(
        type: String? = nil, action: String? = nil, actor: Actor? = nil, scope: String? = nil, time: Int64? = nil,
        timeNano: Int64? = nil
    ) {
        self.type = type
        self.action = action
        self.actor = actor
        self.scope = scope
        self.time = time
        self.timeNano = timeNano
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type", action = "Action", actor = "Actor", scope = "scope", time, timeNano
        case status, id, from
    }

    /// Decodes one line of the event stream (as `JSONLineSplitter` delivers it).
    ///
    /// - Throws: `DockerEngineError.malformedResponse`.
    package init(jsonLine: UnsafeRawBufferPointer, request: String = "GET /events") throws {
        self = try EngineJSON.decode(EngineEvent.self, from: Data(jsonLine), request: request)
    }

    // MARK: Helpers

    /// The action without its details: `exec_start: sh -c id` gives `exec_start`.
    package var baseAction: String {
        let action = self.action ?? status ?? ""
        guard let colon = action.firstIndex(of: ":") else { return action }
        return String(action[..<colon])
    }

    /// What Docker appended to the action after `": "`, e.g. the command of `exec_start: sh -c id`.
    package var actionDetail: String? {
        guard let action = self.action ?? status, let colon = action.firstIndex(of: ":") else { return nil }
        // Docker joins the command's words with a trailing space: `exec_create: true `.
        let detail = action[action.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        return detail.isEmpty ? nil : detail
    }

    /// The exec'd command line of Docker's `exec_create` / `exec_start` events; Podman's don't carry it.
    package var execCommand: String? {
        switch baseAction {
        case "exec_create", "exec_start": return actionDetail
        default: return nil
        }
    }

    /// Whether this is an exec event on either engine (`exec_create`, `exec_start`, `exec_die`,
    /// `exec_detach`; Podman's `exec`, `exec_died`).
    package var isExec: Bool {
        ["exec_create", "exec_start", "exec_die", "exec_detach", "exec", "exec_died"].contains(baseAction)
    }

    /// The exec's ID, when the attributes have one (spoofable by a container label of the same name).
    package var execID: String? { attribute("execID") }

    /// The container, image, volume … the event is about.
    package var actorID: String? { actor?.id ?? id }

    /// The container name (without `/`) for container events.
    package var containerName: String? { attribute("name") }

    /// The image reference for container events.
    package var image: String? { attribute("image") ?? from }

    /// A non-empty attribute value.
    package func attribute(_ name: String) -> String? {
        guard let value = actor?.attributes?[name], !value.isEmpty else { return nil }
        return value
    }

    /// When it happened: `timeNano` when present, else `time`.
    package var instant: EngineTime? {
        if let timeNano, timeNano != 0 { return EngineTime(unixNanoseconds: timeNano) }
        return time.map { EngineTime(seconds: $0) }
    }
}
