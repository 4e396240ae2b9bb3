import Foundation

/// One entry of `GET /containers/{id}/changes`: a path that differs between the container's
/// writable layer and its image. Volumes, binds and tmpfs are never part of it.
package struct ContainerChange: Codable, Sendable, Hashable {
    /// How the path changed. Unknown values are kept, not rejected, so a newer engine cannot make
    /// the whole list unreadable.
    package enum Kind: Codable, Sendable, Hashable, CustomStringConvertible {
        case modified
        case added
        case deleted
        case unknown(Int)

        package init(rawValue: Int) {
            switch rawValue {
            case 0: self = .modified
            case 1: self = .added
            case 2: self = .deleted
            default: self = .unknown(rawValue)
            }
        }

        package var rawValue: Int {
            switch self {
            case .modified: return 0
            case .added: return 1
            case .deleted: return 2
            case .unknown(let value): return value
            }
        }

        /// The letter `docker diff` prints: `C`, `A`, `D` (`?` for unknown).
        package var symbol: Character {
            switch self {
            case .modified: return "C"
            case .added: return "A"
            case .deleted: return "D"
            case .unknown: return "?"
            }
        }

        package var description: String {
            switch self {
            case .modified: return "modified"
            case .added: return "added"
            case .deleted: return "deleted"
            case .unknown(let value): return "unknown(\(value))"
            }
        }

        package init(from decoder: any Decoder) throws {
            self.init(rawValue: try decoder.singleValueContainer().decode(Int.self))
        }

        package func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// Absolute path inside the container.
    package var path: String
    package var kind: Kind

    package init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey { case path = "Path", kind = "Kind" }

    /// Decodes a `/changes` body. The engine answers `null`, not `[]`, when nothing changed.
    ///
    /// An empty body is an error, not "no changes": a verdict must not rest on a missing answer.
    /// - Throws: `DockerEngineError.malformedResponse`.
    package static func decodeList(from data: Data, request: String = "GET /containers/{id}/changes") throws
        -> [ContainerChange]
    {
        try EngineJSON.decode([ContainerChange]?.self, from: data, request: request) ?? []
    }
}
