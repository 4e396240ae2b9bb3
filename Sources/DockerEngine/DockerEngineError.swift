import Foundation

/// Everything that can go wrong between us and an engine, each case something a user can act on.
package enum DockerEngineError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The endpoint string could not be understood.
    case invalidEndpoint(String, reason: String)
    /// No socket file at the path: the engine is not running there, or the path is wrong.
    case socketMissing(path: String)
    /// The socket exists but this user may not connect to it.
    case permissionDenied(path: String)
    /// Nothing accepted the connection (a stale socket, or nothing listening on the port).
    case connectionRefused(endpoint: String)
    /// Connecting, the whole request, or the wait for the next bytes of a stream took too long.
    case timedOut(endpoint: String, request: String, seconds: Double)
    /// The TLS handshake or certificate check failed.
    case tls(endpoint: String, detail: String)
    /// The connection broke or libcurl failed in another way.
    case transport(endpoint: String, request: String, detail: String)
    /// The engine answered with an error status; `message` is its own explanation.
    case engine(status: Int, request: String, message: String)
    /// The engine knows no container by that name, id or id prefix.
    case noSuchContainer(String)
    /// The id prefix matches more than one container.
    case ambiguousContainer(String, message: String)
    /// The engine speaks an API version outside what we support.
    case unsupportedAPIVersion(engine: String, minimum: String)
    /// A request with a method that could change the engine's state was stopped before it left.
    case methodRefused(HTTPMethod, request: String)
    /// The answer was not what the API documents.
    case malformedResponse(request: String, detail: String)
    /// A stream (logs, archive) ended before its framing said it would: what arrived is kept but incomplete.
    case truncated(request: String, detail: String)
    /// A replayed recording has no exchange for this request.
    case notInRecording(request: String, recording: String)
    /// The recording itself is unreadable or of an unknown version.
    case badRecording(path: String, detail: String)
    /// The user (or a signal) stopped the transfer.
    case cancelled(request: String)

    /// Whether the engine could not be reached at all (exit 69 at the command line).
    package var isUnreachable: Bool {
        switch self {
        case .socketMissing, .permissionDenied, .connectionRefused, .timedOut, .tls, .transport:
            return true
        default:
            return false
        }
    }

    package var description: String {
        switch self {
        case .invalidEndpoint(let text, let reason):
            return "invalid engine endpoint '\(text)': \(reason)"
        case .socketMissing(let path):
            return "no engine socket at \(path): is the engine running, and is this the right host? (see `alert-inspect doctor`)"
        case .permissionDenied(let path):
            return "permission denied on \(path): run as root or as a member of the socket's group"
        case .connectionRefused(let endpoint):
            return "connection refused by \(endpoint): the socket or port exists but no engine is listening"
        case .timedOut(let endpoint, let request, let seconds):
            return "\(request) to \(endpoint) timed out after \(Self.format(seconds)) s (raise --timeout if the engine is just slow)"
        case .tls(let endpoint, let detail):
            return "TLS with \(endpoint) failed: \(detail) (check DOCKER_CERT_PATH and DOCKER_TLS_VERIFY)"
        case .transport(let endpoint, let request, let detail):
            return "\(request) to \(endpoint) failed: \(detail)"
        case .engine(let status, let request, let message):
            return "the engine answered \(status) to \(request): \(message)"
        case .noSuchContainer(let reference):
            return "no such container: \(reference)"
        case .ambiguousContainer(let reference, let message):
            return "container reference '\(reference)' is ambiguous: \(message); give more of the id or the name"
        case .unsupportedAPIVersion(let engine, let minimum):
            return "the engine speaks API \(engine); alert-inspect needs at least \(minimum)"
        case .methodRefused(let method, let request):
            return "refused to send \(method) \(request): alert-inspect only ever sends GET and HEAD"
                + " (and, to a container runtime, its read RPCs)"
        case .malformedResponse(let request, let detail):
            return "unexpected answer to \(request): \(detail)"
        case .truncated(let request, let detail):
            return "the answer to \(request) was cut short: \(detail)"
        case .notInRecording(let request, let recording):
            return "the recording \(recording) has no answer for \(request)"
        case .badRecording(let path, let detail):
            return "cannot read recording \(path): \(detail)"
        case .cancelled(let request):
            return "\(request) was interrupted"
        }
    }

    private static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}
