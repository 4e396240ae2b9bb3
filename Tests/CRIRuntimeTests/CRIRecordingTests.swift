import CRIRuntime
import DockerEngine
import Foundation
import Testing

@Suite struct CRIRecordingTests {
    private func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("cri-recording-\(UUID().uuidString.prefix(8))")
    }

    /// Answers each container id with its own status; "gone" with NOT_FOUND.
    private let runtime = ScriptedTransport { call in
        let request = try Runtime_V1_ContainerStatusRequest(serializedBytes: GRPCFrame.unframe(call.body))
        if request.containerID == "gone" {
            return GRPCAnswer(httpStatus: 200, headers: ["grpc-status": "5", "grpc-message": "gone", "server": "x"], body: [])
        }
        let answer = Runtime_V1_ContainerStatusResponse.with { $0.status.id = request.containerID }
        return GRPCAnswer(httpStatus: 200, headers: ["content-type": "application/grpc", "grpc-status": "0"],
                          body: GRPCFrame.frame(try answer.serializedBytes()))
    }

    @Test func aReplayAnswersAsTheRuntimeDid() throws {
        let place = folder()
        defer { try? FileManager.default.removeItem(at: place) }
        let live = CRIClient(transport: try RecordingCRITransport(recording: runtime, into: place, recordedBy: "test"))
        let first = try live.containerStatus("aaa")
        let second = try live.containerStatus("bbb")
        #expect(throws: CRIRuntimeError.self) { try live.containerStatus("gone") }

        let replay = CRIClient(transport: try ReplayCRITransport(folder: place))
        #expect(try replay.containerStatus("bbb") == second)
        #expect(try replay.containerStatus("aaa") == first)
        #expect(throws: CRIRuntimeError.notFound(rpc: "RuntimeService/ContainerStatus", message: "gone")) {
            try replay.containerStatus("gone")
        }
        #expect(throws: CRIRuntimeError.self) { try replay.containerStatus("never-asked") }
    }

    @Test func theIndexNamesEachRequestAndKeepsOnlyTheGRPCHeaders() throws {
        let place = folder()
        defer { try? FileManager.default.removeItem(at: place) }
        let live = CRIClient(transport: try RecordingCRITransport(recording: runtime, into: place, recordedBy: "test"))
        _ = try? live.containerStatus("gone")
        let index = try JSONDecoder().decode(Recording.self, from: Data(contentsOf: place.appendingPathComponent("recording.json")))
        let exchange = try #require(index.exchanges.first)
        let request: [UInt8] = try Runtime_V1_ContainerStatusRequest.with { $0.containerID = "gone"; $0.verbose = true }.serializedBytes()
        #expect(exchange.target == "/runtime.v1.RuntimeService/ContainerStatus?request=" + request.hexString)
        #expect(exchange.method == "POST" && exchange.body == nil)
        #expect(exchange.headers == ["grpc-status": "5", "grpc-message": "gone"])
    }

    @Test func aReplayRefusesWhatIsNotARead() throws {
        let place = folder()
        defer { try? FileManager.default.removeItem(at: place) }
        _ = try RecordingCRITransport(recording: runtime, into: place, recordedBy: "test")
        #expect(throws: DockerEngineError.methodRefused(HTTPMethod(rawValue: "POST"), request: "/runtime.v1.RuntimeService/ExecSync")) {
            _ = try ReplayCRITransport(folder: place).unary(GRPCCall(path: "/runtime.v1.RuntimeService/ExecSync", body: GRPCFrame.frame([])))
        }
    }
}
