import DockerEngine

/// A unary gRPC answer: HTTP status, headers with the trailers merged in (names lowercased), body.
package struct GRPCAnswer: Sendable, Hashable {
    package var httpStatus: Int
    package var headers: [String: String]
    package var body: [UInt8]

    package init(httpStatus: Int, headers: [String: String], body: [UInt8]) {
        self.httpStatus = httpStatus
        self.headers = headers
        self.body = body
    }
}

/// Carries one unary gRPC call to a CRI runtime. `CurlTransport` is the live one; tests use their own.
package protocol CRITransport: Sendable {
    /// Where calls go, for messages and reports.
    var endpoint: EngineEndpoint { get }
    /// Sends `call` and returns the whole answer; must refuse a call that is not read-only unsent.
    func unary(_ call: GRPCCall) throws -> GRPCAnswer
}

extension CurlTransport: CRITransport {
    package func unary(_ call: GRPCCall) throws -> GRPCAnswer {
        var body: [UInt8] = []
        let limit = GRPCFrame.maximumMessage + 5
        let head = try send(call, head: { _ in }) { chunk in
            guard body.count + chunk.count <= limit else {
                throw CRIRuntimeError.malformedAnswer(rpc: call.path, detail: "the answer is over \(limit) bytes")
            }
            body.append(contentsOf: chunk)
        }
        return GRPCAnswer(httpStatus: head.status, headers: head.headers, body: body)
    }
}
