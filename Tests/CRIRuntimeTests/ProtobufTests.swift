import CRIRuntime
import Foundation
import SwiftProtobuf
import Testing

/// The generated messages against the CRI v1 wire format: field numbers, maps, enums, unknown fields.
@Suite struct ProtobufTests {
    @Test func aContainerStatusRoundTrips() throws {
        let status = Runtime_V1_ContainerStatusResponse.with {
            $0.status.id = String(repeating: "ab", count: 32)
            $0.status.metadata.name = "app"
            $0.status.state = .containerRunning
            $0.status.startedAt = 1_796_524_064_929_018_338
            $0.status.image.image = "docker.io/alert-inspect/node:1"
            $0.status.labels = ["io.kubernetes.pod.name": "lab-dropped"]
            $0.status.mounts = [.with { $0.containerPath = "/lab"; $0.hostPath = "/srv/lab"; $0.readonly = true }]
            $0.status.logPath = "/var/log/pods/ns_pod_uid/app/0.log"
            $0.info = ["info": #"{"pid":42}"#]
        }
        let bytes: [UInt8] = try status.serializedBytes()
        #expect(try Runtime_V1_ContainerStatusResponse(serializedBytes: bytes) == status)
    }

    /// Field 1 (string "0.1.0"), 2 ("containerd"): the bytes containerd 1.6.20 answers `Version` with.
    @Test func decodesContainerdsVersionAnswer() throws {
        let bytes: [UInt8] = [0x0a, 0x05] + Array("0.1.0".utf8) + [0x12, 0x0a] + Array("containerd".utf8)
            + [0x1a, 0x0a] + Array("1.6.20~ds1".utf8) + [0x22, 0x02] + Array("v1".utf8)
        let version = try Runtime_V1_VersionResponse(serializedBytes: bytes)
        #expect(version.runtimeName == "containerd" && version.runtimeVersion == "1.6.20~ds1" && version.runtimeApiVersion == "v1")
        #expect(try version.serializedBytes() == bytes)
    }

    /// A field our `.proto` leaves out (ContainerStatus.resources, 16) survives decoding and re-encoding.
    @Test func keepsFieldsItDoesNotDeclare() throws {
        let unknown: [UInt8] = [0x82, 0x01, 0x03, 0x0a, 0x01, 0x00]  // field 16, length 3
        let bytes: [UInt8] = [0x0a, 0x01] + Array("c".utf8) + unknown
        let status = try Runtime_V1_ContainerStatus(serializedBytes: bytes)
        #expect(status.id == "c")
        #expect(Array(status.unknownFields.data) == unknown)
        #expect(try status.serializedBytes() == bytes)
    }

    @Test func enumsKeepCRIsNumbers() {
        #expect(Runtime_V1_ContainerState.containerExited.rawValue == 2)
        #expect(Runtime_V1_NamespaceMode.node.rawValue == 2)
        #expect(Runtime_V1_PodSandboxState.sandboxNotready.rawValue == 1)
    }

    @Test func theJSONOfAnAnswerReadsBack() throws {
        let pods = Runtime_V1_ListPodSandboxResponse.with {
            $0.items = [.with { $0.id = "p1"; $0.metadata.namespace = "default"; $0.labels = ["a": "b"] }]
        }
        let json = try pods.jsonString()
        #expect(json.contains("\"namespace\":\"default\""))
        #expect(try Runtime_V1_ListPodSandboxResponse(jsonString: json) == pods)
    }
}
