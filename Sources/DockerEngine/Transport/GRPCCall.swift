/// A unary gRPC call to a Container Runtime Interface (CRI) runtime: the only `POST` this tool ever sends.
///
/// gRPC has no `GET`: every call is a `POST`, so the read-only promise is kept by the RPC's name
/// instead. Only the CRI read RPCs in `readOnlyPaths` may be sent; a transport refuses any other path
/// before a byte leaves. `body` is the request as it goes on the wire (length-prefixed message).
package struct GRPCCall: Sendable, Hashable, CustomStringConvertible {
    /// `/runtime.v1.RuntimeService/Version`
    package var path: String
    package var body: [UInt8]

    package init(path: String, body: [UInt8]) {
        self.path = path
        self.body = body
    }

    /// The CRI v1 RPCs that only read: versions, status, lists and status of containers, pods and images.
    package static let readOnlyPaths: Set<String> = [
        "/runtime.v1.RuntimeService/Version",
        "/runtime.v1.RuntimeService/Status",
        "/runtime.v1.RuntimeService/ListContainers",
        "/runtime.v1.RuntimeService/ContainerStatus",
        "/runtime.v1.RuntimeService/ListPodSandbox",
        "/runtime.v1.RuntimeService/PodSandboxStatus",
        "/runtime.v1.ImageService/ImageStatus",
        "/runtime.v1.ImageService/ListImages",
    ]

    /// Whether the call may be sent. The forensic promise on a node rests on this.
    package var isReadOnly: Bool { Self.readOnlyPaths.contains(path) }

    package var description: String { "POST \(path)" }
}
