import DockerEngine

/// Everything that can go wrong between us and a CRI runtime, each case something a user can act on.
package enum CRIRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The runtime-endpoint setting is not something we can connect to.
    case invalidEndpoint(String, reason: String)
    /// Nothing answers at the endpoint: the socket is missing, refuses, or the runtime is `UNAVAILABLE`.
    case unreachable(endpoint: String, reason: String)
    /// We may not open the runtime's socket.
    case permissionDenied(endpoint: String, detail: String)
    /// The call took longer than its limit (or the runtime said `DEADLINE_EXCEEDED`).
    case timedOut(endpoint: String, rpc: String, detail: String)
    /// The runtime does not have what was asked for (`NOT_FOUND`).
    case notFound(rpc: String, message: String)
    /// The runtime does not serve this RPC (`UNIMPLEMENTED`), e.g. an older CRI version.
    case unimplemented(endpoint: String, rpc: String, message: String)
    /// The RPC is not one of the read-only ones; it was never sent.
    case refused(rpc: String)
    /// Any other gRPC status, with its code name (`INTERNAL`, `INVALID_ARGUMENT`...).
    case runtime(code: GRPCStatusCode, rpc: String, message: String)
    /// The answer is not a well-formed gRPC message of the expected type.
    case malformedAnswer(rpc: String, detail: String)
    /// No container matches the reference (id prefix, or pod and container name).
    case noSuchContainer(String)
    /// More than one container matches the reference.
    case ambiguousContainer(String, candidates: [String])
    /// The request was cancelled (Ctrl-C, or a caller gave up).
    case cancelled(rpc: String)

    package var description: String {
        switch self {
        case .invalidEndpoint(let text, let reason):
            return "invalid runtime endpoint \"\(text)\": \(reason)"
        case .unreachable(let endpoint, let reason):
            return "cannot reach the container runtime at \(endpoint): \(reason)"
        case .permissionDenied(let endpoint, let detail):
            return "permission denied on the container runtime at \(endpoint): \(detail) (run as root, or as a user allowed on its socket)"
        case .timedOut(let endpoint, let rpc, let detail):
            return "\(rpc) to the container runtime at \(endpoint) timed out: \(detail)"
        case .notFound(let rpc, let message):
            return "\(rpc): not found: \(message)"
        case .unimplemented(let endpoint, let rpc, let message):
            return "the container runtime at \(endpoint) does not implement \(rpc)" + (message.isEmpty ? "" : ": \(message)")
        case .refused(let rpc):
            return "refused to send \(rpc): only the CRI's read RPCs are ever sent"
        case .runtime(let code, let rpc, let message):
            return "\(rpc) failed with \(code): \(message)"
        case .malformedAnswer(let rpc, let detail):
            return "\(rpc): malformed answer: \(detail)"
        case .noSuchContainer(let reference):
            return "no container matches \"\(reference)\""
        case .ambiguousContainer(let reference, let candidates):
            return "\"\(reference)\" matches \(candidates.count) containers: \(candidates.joined(separator: ", "))"
        case .cancelled(let rpc):
            return "\(rpc) cancelled"
        }
    }

    /// The error for a gRPC status other than OK.
    package static func from(status: GRPCStatus, rpc: String, endpoint: String) -> CRIRuntimeError {
        switch status.code {
        case .notFound: return .notFound(rpc: rpc, message: status.message)
        case .unavailable: return .unreachable(endpoint: endpoint, reason: status.message.isEmpty ? "UNAVAILABLE" : status.message)
        case .unimplemented: return .unimplemented(endpoint: endpoint, rpc: rpc, message: status.message)
        case .deadlineExceeded: return .timedOut(endpoint: endpoint, rpc: rpc, detail: status.message)
        case .permissionDenied, .unauthenticated: return .permissionDenied(endpoint: endpoint, detail: status.message)
        case .cancelled: return .cancelled(rpc: rpc)
        default: return .runtime(code: status.code, rpc: rpc, message: status.message)
        }
    }

    /// The error for a transport failure (socket missing, refused, timed out...).
    package static func from(transport error: DockerEngineError, rpc: String, endpoint: String) -> CRIRuntimeError {
        switch error {
        case .socketMissing(let path): return .unreachable(endpoint: endpoint, reason: "no socket at \(path)")
        case .connectionRefused: return .unreachable(endpoint: endpoint, reason: "connection refused (is the runtime running?)")
        case .permissionDenied(let path): return .permissionDenied(endpoint: endpoint, detail: "cannot open \(path)")
        case .timedOut(_, _, let seconds): return .timedOut(endpoint: endpoint, rpc: rpc, detail: "no answer in \(seconds) s")
        case .transport(_, _, let detail), .tls(_, let detail): return .unreachable(endpoint: endpoint, reason: detail)
        case .methodRefused: return .refused(rpc: rpc)
        case .cancelled: return .cancelled(rpc: rpc)
        case .invalidEndpoint(let text, let reason): return .invalidEndpoint(text, reason: reason)
        default: return .unreachable(endpoint: endpoint, reason: error.description)
        }
    }
}
