import Foundation

/// gRPC's status codes (grpc/doc/statuscodes.md), by their canonical names.
package enum GRPCStatusCode: Int, Sendable, Hashable, CustomStringConvertible {
    case ok = 0, cancelled, unknown, invalidArgument, deadlineExceeded, notFound, alreadyExists,
        permissionDenied, resourceExhausted, failedPrecondition, aborted, outOfRange, unimplemented,
        internalError, unavailable, dataLoss, unauthenticated

    package var description: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "CANCELLED"
        case .unknown: "UNKNOWN"
        case .invalidArgument: "INVALID_ARGUMENT"
        case .deadlineExceeded: "DEADLINE_EXCEEDED"
        case .notFound: "NOT_FOUND"
        case .alreadyExists: "ALREADY_EXISTS"
        case .permissionDenied: "PERMISSION_DENIED"
        case .resourceExhausted: "RESOURCE_EXHAUSTED"
        case .failedPrecondition: "FAILED_PRECONDITION"
        case .aborted: "ABORTED"
        case .outOfRange: "OUT_OF_RANGE"
        case .unimplemented: "UNIMPLEMENTED"
        case .internalError: "INTERNAL"
        case .unavailable: "UNAVAILABLE"
        case .dataLoss: "DATA_LOSS"
        case .unauthenticated: "UNAUTHENTICATED"
        }
    }
}

/// The status of a finished call: `grpc-status` and `grpc-message`, from the trailers (or from the
/// headers of a "trailers-only" answer, which is how servers report most failures).
package struct GRPCStatus: Sendable, Hashable {
    package var code: GRPCStatusCode
    package var message: String

    package init(code: GRPCStatusCode, message: String = "") {
        self.code = code
        self.message = message
    }

    /// Reads the status from an answer's headers and trailers (names lowercased).
    ///
    /// No `grpc-status` at all means the peer is not a gRPC server, or the answer was cut: that is
    /// `UNKNOWN` (or `UNAVAILABLE`/`UNIMPLEMENTED` from the HTTP status, as gRPC's HTTP mapping says).
    package static func from(httpStatus: Int, headers: [String: String]) -> GRPCStatus {
        let message = percentDecoded(headers["grpc-message"] ?? "")
        if let text = headers["grpc-status"] {
            guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                return GRPCStatus(code: .unknown, message: "grpc-status \"\(text)\" is not a number")
            }
            return GRPCStatus(code: GRPCStatusCode(rawValue: number) ?? .unknown, message: message)
        }
        switch httpStatus {
        case 400: return GRPCStatus(code: .internalError, message: "HTTP 400 without grpc-status")
        case 401: return GRPCStatus(code: .unauthenticated, message: "HTTP 401 without grpc-status")
        case 403: return GRPCStatus(code: .permissionDenied, message: "HTTP 403 without grpc-status")
        case 404: return GRPCStatus(code: .unimplemented, message: "HTTP 404 without grpc-status")
        case 429, 502, 503, 504: return GRPCStatus(code: .unavailable, message: "HTTP \(httpStatus) without grpc-status")
        default: return GRPCStatus(code: .unknown, message: "HTTP \(httpStatus) without grpc-status")
        }
    }

    /// `grpc-message` is percent-encoded UTF-8; a message that does not decode is kept as it came.
    package static func percentDecoded(_ text: String) -> String {
        text.removingPercentEncoding ?? text
    }
}
