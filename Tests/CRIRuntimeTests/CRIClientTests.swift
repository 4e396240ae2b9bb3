import CRIRuntime
import DockerEngine
import Foundation
import SwiftProtobuf
import Testing

/// A transport that answers from a closure and keeps the calls it was given.
final class ScriptedTransport: CRITransport, @unchecked Sendable {
    let endpoint = EngineEndpoint(address: .unix(path: "/run/test/cri.sock"), source: "test")
    private let lock = NSLock()
    private var sent: [GRPCCall] = []
    private let answer: @Sendable (GRPCCall) throws -> GRPCAnswer

    init(_ answer: @escaping @Sendable (GRPCCall) throws -> GRPCAnswer) { self.answer = answer }

    var calls: [GRPCCall] { lock.withLock { sent } }

    func unary(_ call: GRPCCall) throws -> GRPCAnswer {
        lock.withLock { sent.append(call) }
        return try answer(call)
    }

    static func ok(_ message: some SwiftProtobuf.Message) -> ScriptedTransport {
        let bytes: [UInt8] = (try? message.serializedBytes()) ?? []
        return ScriptedTransport { _ in
            GRPCAnswer(httpStatus: 200, headers: ["content-type": "application/grpc", "grpc-status": "0"], body: GRPCFrame.frame(bytes))
        }
    }

    static func failing(_ code: Int, _ message: String = "") -> ScriptedTransport {
        ScriptedTransport { _ in
            GRPCAnswer(httpStatus: 200, headers: ["grpc-status": String(code), "grpc-message": message], body: [])
        }
    }
}

@Suite struct CRIClientTests {
    @Test func sendsTheFramedRequestToTheRPCsPath() throws {
        let transport = ScriptedTransport.ok(Runtime_V1_ContainerStatusResponse())
        _ = try CRIClient(transport: transport).containerStatus("abc", verbose: true)
        let call = try #require(transport.calls.first)
        #expect(call.path == "/runtime.v1.RuntimeService/ContainerStatus")
        let sent = try Runtime_V1_ContainerStatusRequest(serializedBytes: GRPCFrame.unframe(call.body))
        #expect(sent.containerID == "abc" && sent.verbose)
    }

    @Test func decodesTheAnswer() throws {
        let version = Runtime_V1_VersionResponse.with {
            $0.version = "0.1.0"
            $0.runtimeName = "containerd"
            $0.runtimeVersion = "1.6.20~ds1"
            $0.runtimeApiVersion = "v1"
        }
        #expect(try CRIClient(transport: ScriptedTransport.ok(version)).version() == version)
    }

    @Test func notFoundIsNotFound() {
        let client = CRIClient(transport: ScriptedTransport.failing(5, "container%20%22x%22%20not%20found"))
        #expect(throws: CRIRuntimeError.notFound(rpc: "RuntimeService/ContainerStatus", message: "container \"x\" not found")) {
            try client.containerStatus("x")
        }
    }

    @Test func unavailableIsUnreachableWithTheEndpoint() {
        let client = CRIClient(transport: ScriptedTransport.failing(14, "connection closed"))
        #expect(throws: CRIRuntimeError.unreachable(endpoint: "unix:///run/test/cri.sock", reason: "connection closed")) {
            try client.version()
        }
    }

    @Test(arguments: [
        (12, "UNIMPLEMENTED"), (4, "DEADLINE_EXCEEDED"), (7, "PERMISSION_DENIED"), (13, "INTERNAL"), (3, "INVALID_ARGUMENT"),
    ])
    func otherCodesKeepTheirMeaning(_ code: Int, _ name: String) {
        let client = CRIClient(transport: ScriptedTransport.failing(code, "why"))
        do {
            _ = try client.listContainers()
            Issue.record("no error")
        } catch {
            switch (code, error) {
            case (12, .unimplemented), (4, .timedOut), (7, .permissionDenied): break
            case (_, .runtime(let got, _, let message)): #expect(got.description == name && message == "why")
            default: Issue.record("\(name) became \(error)")
            }
        }
    }

    @Test func aMissingSocketIsUnreachableWithTheEndpointAndReason() {
        let transport = ScriptedTransport { _ in throw DockerEngineError.socketMissing(path: "/run/test/cri.sock") }
        #expect(throws: CRIRuntimeError.unreachable(endpoint: "unix:///run/test/cri.sock", reason: "no socket at /run/test/cri.sock")) {
            try CRIClient(transport: transport).version()
        }
    }

    @Test func aNonGRPCAnswerIsMalformed() {
        let transport = ScriptedTransport { _ in GRPCAnswer(httpStatus: 200, headers: ["grpc-status": "0"], body: [0, 0, 0, 0, 9, 1]) }
        #expect(throws: CRIRuntimeError.malformedAnswer(rpc: "RuntimeService/Version", detail: "the prefix says 9 bytes; 1 arrived")) {
            try CRIClient(transport: transport).version()
        }
        let garbage = ScriptedTransport { _ in GRPCAnswer(httpStatus: 200, headers: ["grpc-status": "0"], body: GRPCFrame.frame([0xff, 0xff])) }
        #expect(throws: CRIRuntimeError.self) { try CRIClient(transport: garbage).version() }
    }

    @Test func anHTTPErrorWithoutGRPCStatusIsMapped() {
        let transport = ScriptedTransport { _ in GRPCAnswer(httpStatus: 503, headers: [:], body: []) }
        #expect(throws: CRIRuntimeError.unreachable(endpoint: "unix:///run/test/cri.sock", reason: "HTTP 503 without grpc-status")) {
            try CRIClient(transport: transport).version()
        }
    }

    @Test func onlyUnixSocketsAreEndpoints() {
        let tcp = EngineEndpoint(address: .tcp(host: "node", port: 10010, basePath: "", tls: nil), source: "test")
        #expect(throws: CRIRuntimeError.self) { try CRIClient(endpoint: tcp) }
    }
}

/// The read-only promise on a node: only the CRI read RPCs are ever sent.
@Suite struct ReadOnlyRPCTests {
    @Test func theClientsRPCsAreExactlyTheAllowedOnes() {
        #expect(Set(CRIRPC.allCases.map(\.rawValue)) == GRPCCall.readOnlyPaths)
        #expect(GRPCCall.readOnlyPaths.count == 8)
    }

    @Test(arguments: [
        "/runtime.v1.RuntimeService/RemoveContainer", "/runtime.v1.RuntimeService/ExecSync",
        "/runtime.v1.RuntimeService/StopPodSandbox", "/runtime.v1.ImageService/PullImage",
        "/runtime.v1.ImageService/RemoveImage", "/runtime.v1.RuntimeService/Version/../ExecSync",
        "/runtime.v1alpha2.RuntimeService/Version", "/runtime.v1.RuntimeService/version", "",
    ])
    func anyOtherRPCIsRefusedBeforeAByteIsSent(_ path: String) throws {
        // A socket that does not exist: had the transport tried to connect, it would say so instead.
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("no-runtime-\(UUID().uuidString).sock").path
        let transport = try CurlTransport(endpoint: EngineEndpoint(address: .unix(path: socket), source: "test"))
        #expect(throws: DockerEngineError.methodRefused(HTTPMethod(rawValue: "POST"), request: path)) {
            _ = try transport.unary(GRPCCall(path: path, body: GRPCFrame.frame([])))
        }
    }

    @Test func anAllowedRPCIsSent() throws {
        let socket = FileManager.default.temporaryDirectory.appendingPathComponent("no-runtime-\(UUID().uuidString).sock").path
        let transport = try CurlTransport(endpoint: EngineEndpoint(address: .unix(path: socket), source: "test"))
        #expect(throws: DockerEngineError.socketMissing(path: socket)) {
            _ = try transport.unary(GRPCCall(path: CRIRPC.version.rawValue, body: GRPCFrame.frame([])))
        }
    }
}
