import DockerEngine
import SwiftProtobuf

/// The CRI's read RPCs, by their gRPC paths. The list is `GRPCCall.readOnlyPaths`, nothing else.
package enum CRIRPC: String, Sendable, CaseIterable, CustomStringConvertible {
    case version = "/runtime.v1.RuntimeService/Version"
    case status = "/runtime.v1.RuntimeService/Status"
    case listContainers = "/runtime.v1.RuntimeService/ListContainers"
    case containerStatus = "/runtime.v1.RuntimeService/ContainerStatus"
    case listPodSandbox = "/runtime.v1.RuntimeService/ListPodSandbox"
    case podSandboxStatus = "/runtime.v1.RuntimeService/PodSandboxStatus"
    case imageStatus = "/runtime.v1.ImageService/ImageStatus"
    case listImages = "/runtime.v1.ImageService/ListImages"

    /// `RuntimeService/Version`, as messages name it.
    package var description: String { String(rawValue.split(separator: ".").last ?? "") }
}

/// A client of a Container Runtime Interface (CRI v1) runtime (containerd, CRI-O) that only reads.
///
/// Each method is one unary call: the request message is encoded and framed, the answer's status is
/// read from its trailers, and its one message decoded. Answers keep the fields our `.proto` leaves
/// out as unknown fields, so a raw answer can be re-encoded without loss.
package struct CRIClient: Sendable {
    package let transport: any CRITransport

    package init(transport: any CRITransport) {
        self.transport = transport
    }

    /// A client of the runtime listening on `endpoint` (a Unix socket), over libcurl.
    package init(endpoint: EngineEndpoint, limits: CurlTransport.TransferLimits = .init(), isCancelled: @escaping @Sendable () -> Bool = { false })
        throws(CRIRuntimeError)
    {
        guard case .unix = endpoint.address else {
            throw .invalidEndpoint(endpoint.description, reason: "a CRI runtime is reached through a Unix socket")
        }
        do {
            self.init(transport: try CurlTransport(endpoint: endpoint, limits: limits, isCancelled: isCancelled))
        } catch {
            throw .from(transport: error, rpc: "connect", endpoint: endpoint.description)
        }
    }

    package var endpoint: EngineEndpoint { transport.endpoint }

    // MARK: - RuntimeService

    package func version() throws(CRIRuntimeError) -> Runtime_V1_VersionResponse {
        try call(.version, Runtime_V1_VersionRequest.with { $0.version = "v1" })
    }

    package func status(verbose: Bool = false) throws(CRIRuntimeError) -> Runtime_V1_StatusResponse {
        try call(.status, Runtime_V1_StatusRequest.with { $0.verbose = verbose })
    }

    package func listContainers(_ filter: Runtime_V1_ContainerFilter? = nil) throws(CRIRuntimeError) -> [Runtime_V1_Container] {
        let request = Runtime_V1_ListContainersRequest.with { if let filter { $0.filter = filter } }
        let answer: Runtime_V1_ListContainersResponse = try call(.listContainers, request)
        return answer.containers
    }

    /// The container's status; with `verbose`, `info["info"]` is containerd's JSON (see `ContainerInfo`).
    package func containerStatus(_ id: String, verbose: Bool = true) throws(CRIRuntimeError) -> Runtime_V1_ContainerStatusResponse {
        try call(.containerStatus, Runtime_V1_ContainerStatusRequest.with {
            $0.containerID = id
            $0.verbose = verbose
        })
    }

    package func listPodSandbox(_ filter: Runtime_V1_PodSandboxFilter? = nil) throws(CRIRuntimeError) -> [Runtime_V1_PodSandbox] {
        let request = Runtime_V1_ListPodSandboxRequest.with { if let filter { $0.filter = filter } }
        let answer: Runtime_V1_ListPodSandboxResponse = try call(.listPodSandbox, request)
        return answer.items
    }

    package func podSandboxStatus(_ id: String, verbose: Bool = false) throws(CRIRuntimeError) -> Runtime_V1_PodSandboxStatusResponse {
        try call(.podSandboxStatus, Runtime_V1_PodSandboxStatusRequest.with {
            $0.podSandboxID = id
            $0.verbose = verbose
        })
    }

    // MARK: - ImageService

    /// The image, or `nil` when the runtime does not have it (CRI answers an empty image, not NOT_FOUND).
    package func imageStatus(_ image: String, verbose: Bool = false) throws(CRIRuntimeError) -> Runtime_V1_ImageStatusResponse {
        try call(.imageStatus, Runtime_V1_ImageStatusRequest.with {
            $0.image.image = image
            $0.verbose = verbose
        })
    }

    package func listImages() throws(CRIRuntimeError) -> [Runtime_V1_Image] {
        let answer: Runtime_V1_ListImagesResponse = try call(.listImages, Runtime_V1_ListImagesRequest())
        return answer.images
    }

    // MARK: - One call

    /// Encodes, frames and sends `request`; checks the gRPC status; decodes the one answer message.
    package func call<Answer: SwiftProtobuf.Message>(_ rpc: CRIRPC, _ request: some SwiftProtobuf.Message)
        throws(CRIRuntimeError) -> Answer
    {
        let bytes = try callRaw(rpc, request)
        do {
            return try Answer(serializedBytes: bytes)
        } catch {
            throw .malformedAnswer(rpc: rpc.description, detail: "not a \(Answer.protoMessageName): \(error)")
        }
    }

    /// Like `call`, but returns the answer message's bytes undecoded (what a bundle keeps).
    package func callRaw(_ rpc: CRIRPC, _ request: some SwiftProtobuf.Message) throws(CRIRuntimeError) -> [UInt8] {
        let where_ = endpoint.description
        let message: [UInt8]
        do { message = try request.serializedBytes() } catch {
            throw .malformedAnswer(rpc: rpc.description, detail: "cannot encode the request: \(error)")
        }
        let answer: GRPCAnswer
        do {
            answer = try transport.unary(GRPCCall(path: rpc.rawValue, body: GRPCFrame.frame(message)))
        } catch let error as CRIRuntimeError {
            throw error
        } catch let error as DockerEngineError {
            throw .from(transport: error, rpc: rpc.description, endpoint: where_)
        } catch {
            throw .unreachable(endpoint: where_, reason: "\(error)")
        }
        return try Self.message(of: answer, rpc: rpc, endpoint: where_)
    }

    /// The status, then the one message, of a unary answer.
    package static func message(of answer: GRPCAnswer, rpc: CRIRPC, endpoint: String) throws(CRIRuntimeError) -> [UInt8] {
        let status = GRPCStatus.from(httpStatus: answer.httpStatus, headers: answer.headers)
        guard status.code == .ok else { throw .from(status: status, rpc: rpc.description, endpoint: endpoint) }
        guard answer.httpStatus == 200 else {
            throw .malformedAnswer(rpc: rpc.description, detail: "HTTP \(answer.httpStatus) with grpc-status 0")
        }
        do {
            return try GRPCFrame.unframe(answer.body)
        } catch {
            throw .malformedAnswer(rpc: rpc.description, detail: error.description)
        }
    }
}
