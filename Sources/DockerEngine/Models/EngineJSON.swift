import Foundation

/// Decodes engine answers into the models, with errors that say which field broke.
///
/// The models ignore fields they do not know and treat every field an engine may omit or send as
/// `null` as optional, so Docker 20.10 through 29 and Podman's compat API decode alike; what is
/// left to fail is a real type mismatch, reported with its coding path.
package enum EngineJSON {
    /// Decodes `data` as `type`.
    ///
    /// - Parameter request: names the request in errors, e.g. `GET /containers/web/json`.
    /// - Throws: `DockerEngineError.malformedResponse`.
    package static func decode<Value: Decodable>(_ type: Value.Type, from data: Data, request: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw DockerEngineError.malformedResponse(request: request, detail: describe(error))
        }
    }

    /// A one-line account of a decoding error: where, and what.
    package static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            let text = codingPath.map { key in key.intValue.map { "[\($0)]" } ?? "." + key.stringValue }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "\(path(context.codingPath)) is not \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "\(path(context.codingPath)) is null, expected \(type)"
        case .keyNotFound(let key, let context):
            return "\(path(context.codingPath + [key])) is missing"
        case .dataCorrupted(let context):
            return "not valid JSON at \(path(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return String(describing: error)
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes a list of strings that may also come as one string (Go's `strslice` accepts both and
    /// some engines send `Cmd`/`Entrypoint` that way) or as `null`.
    func decodeStringListIfPresent(forKey key: Key) throws -> [String]? {
        if let list = try? decodeIfPresent([String].self, forKey: key) { return list }
        // An empty string means "none" (Podman's compat inspect sends `"Entrypoint": ""`).
        if let single = try? decodeIfPresent(String.self, forKey: key) { return single.isEmpty ? [] : [single] }
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        throw DecodingError.typeMismatch(
            [String].self,
            DecodingError.Context(codingPath: codingPath + [key], debugDescription: "expected a string or a list of strings"))
    }
}
