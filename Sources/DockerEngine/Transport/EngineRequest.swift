import Foundation

/// An HTTP method. Only `GET` and `HEAD` may ever reach an engine; transports refuse anything else.
package struct HTTPMethod: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    package let rawValue: String
    package init(rawValue: String) { self.rawValue = rawValue }

    package static let get = HTTPMethod(rawValue: "GET")
    package static let head = HTTPMethod(rawValue: "HEAD")

    /// Whether the method cannot change what the engine holds. The forensic promise rests on this.
    package var isReadOnly: Bool { self == .get || self == .head }
    package var description: String { rawValue }
}

/// One query parameter, kept in order so requests (and recordings) are deterministic.
package struct QueryItem: Sendable, Hashable, Codable {
    package var name: String
    package var value: String
    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A request to the Engine API, before the API version prefix is applied.
package struct EngineRequest: Sendable, Hashable, Codable, CustomStringConvertible {
    package var method: HTTPMethod
    /// Path segments, unencoded: `["containers", "web", "json"]`. Encoding happens in `target`.
    package var segments: [String]
    package var query: [QueryItem]
    /// `false` only for `/_ping`, which is asked before the version is known.
    package var isVersioned: Bool
    /// The body may be long (logs, archives, events): bound the time between bytes, not the whole request.
    package var isStream: Bool

    package init(
        _ method: HTTPMethod = .get,
        _ segments: [String],
        query: [QueryItem] = [],
        isVersioned: Bool = true,
        isStream: Bool = false
    ) {
        self.method = method
        self.segments = segments
        self.query = query
        self.isVersioned = isVersioned
        self.isStream = isStream
    }

    /// The request target sent on the wire, e.g. `/v1.41/containers/web/json?size=0`.
    ///
    /// Every segment and query value is percent-encoded, so a container argument such as
    /// `../../images/json` or `a?b#c` reaches the engine as one name and never as another endpoint.
    package func target(apiVersion: String?) -> String {
        var path = ""
        if isVersioned, let apiVersion { path += "/v" + apiVersion }
        for segment in segments { path += "/" + Self.percentEncoded(segment) }
        if path.isEmpty { path = "/" }
        if !query.isEmpty {
            path += "?" + query.map { Self.percentEncoded($0.name) + "=" + Self.percentEncoded($0.value) }
                .joined(separator: "&")
        }
        return path
    }

    package var description: String { "\(method) \(target(apiVersion: nil))" }

    /// RFC 3986 unreserved characters pass; every other byte, `.` in `..` included, is encoded.
    ///
    /// Without `String(format:)`: its first use costs about a millisecond of run time (locale and
    /// conformance lookups), and every request's path goes through here.
    package static func percentEncoded(_ text: String) -> String {
        if text == "." || text == ".." {
            return text.utf8.map { _ in "%2E" }.joined()
        }
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8]()
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The status line and headers of a response. Header names are kept lowercased.
package struct ResponseHead: Sendable, Hashable, Codable {
    package var status: Int
    package var headers: [String: String]

    package init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, last in last })
    }

    package func header(_ name: String) -> String? { headers[name.lowercased()] }
    package var isSuccess: Bool { (200..<300).contains(status) }
}

/// Carries requests to an engine (or a recording of one) and streams the answer back.
///
/// `head` is called once, before any body bytes; `body` is called with each chunk as it arrives and
/// must copy what it keeps. A transport refuses any method that is not read-only.
package protocol EngineTransport: Sendable {
    /// Where requests go, for messages and reports.
    var endpoint: EngineEndpoint { get }

    func send(
        _ request: EngineRequest,
        apiVersion: String?,
        head: (ResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws
}
