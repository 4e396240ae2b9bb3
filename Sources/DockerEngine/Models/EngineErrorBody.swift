import Foundation

/// The body of an engine error: `{"message": …}`; Podman adds `cause` and `response` (the status).
package struct EngineErrorBody: Codable, Sendable, Hashable {
    package var message: String?
    package var cause: String?
    package var response: Int?

    package init(message: String?, cause: String? = nil, response: Int? = nil) {
        self.message = message
        self.cause = cause
        self.response = response
    }

    /// The engine's message from an error body: the JSON `message`, or the text itself (its first
    /// 512 bytes) for the plain-text errors of old API versions; `nil` for an empty body.
    package static func message(in data: Data) -> String? {
        if let message = jsonMessage(in: data), !message.isEmpty { return message }
        let text = String(decoding: data.prefix(512), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The JSON `message`, if the body is an error body at all.
    package static func jsonMessage(in data: Data) -> String? {
        (try? JSONDecoder().decode(EngineErrorBody.self, from: data))?.message
    }
}
