import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The lab node that `make lab-node` starts (`Lab/node.sh`): a private containerd whose CRI plugin runs
/// the scenarios as pods, all described by `$LAB_DIR/node.json`.
///
/// Outside CI a test whose node is down is skipped; with `CI` set the node is required and `require`
/// throws, so the test fails instead of passing unnoticed.
package enum LabNode {
    package static var manifestURL: URL { Lab.directory.appendingPathComponent("node.json") }

    package struct Manifest: Decodable, Sendable {
        package var node: Node
        package var scenarios: [String: Scenario]
        package var alerts: String
    }

    package struct Node: Decodable, Sendable {
        package var endpoint: String
        package var socket: String
        package var pid: Int
        package var runtimeName: String
        package var runtimeVersion: String
        package var runtimeApiVersion: String
        package var image: String
        package var imageId: String
        package var cgroupParent: String
        package var namespace: String
    }

    package struct Scenario: Decodable, Sendable {
        package var scenario: String
        package var containerId: String
        package var containerName: String
        package var podName: String
        package var podNamespace: String
        package var podUid: String
        package var podSandboxId: String
        package var image: String
        package var imageRef: String
        package var exePath: String
        package var alert: String
        package var hostPid: Int
        package var containerPid: Int
        package var logPath: String
        package var snapshotter: String?
        package var snapshotKey: String?
        package var upperDir: String?
        package var sha256: String
        package var expectedChange: String
        package var expectedVerdict: String?
        package var expectedRisks: [String]

        package var alertURL: URL { URL(fileURLWithPath: alert) }
        package var shortId: String { String(containerId.prefix(12)) }
    }

    /// The manifest when it reads, its containerd is alive and its socket is there now.
    package static let answering: Manifest? = {
        guard let data = try? Data(contentsOf: manifestURL),
            let manifest = try? JSONDecoder().decode(Manifest.self, from: data),
            kill(pid_t(manifest.node.pid), 0) == 0,
            (try? FileManager.default.attributesOfItem(atPath: manifest.node.socket)[.type] as? FileAttributeType) == .typeSocket
        else { return nil }
        return manifest
    }()

    package static var isUp: Bool { answering != nil }

    package static func require() throws -> Manifest {
        if let answering { return answering }
        throw Lab.LabError.noManifest(manifestURL.path + " (or its containerd does not answer; run `make lab-node`)")
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when the lab node is up, or always in CI, where a down node must fail.
    package static var labNode: Self {
        .enabled(if: Lab.isRequired || LabNode.isUp, "the lab node is down (`make lab-node`); required when CI is set")
    }
}
