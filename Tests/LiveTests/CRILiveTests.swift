import CRIRuntime
import DockerEngine
import Foundation
import TestSupport
import Testing

/// The CRI client against the lab node's containerd (`make lab-node`): every read RPC, answers
/// checked against what the lab recorded when it made the pods (`$LAB_DIR/node.json`).
@Suite(.labNode, .serialized)
struct CRILiveTests {
    static let scenarios = ["dropped", "deleted", "memfd", "false-claim", "risky"]

    private func client(userAgent: String = "alert-inspect") throws -> (CRIClient, LabNode.Manifest) {
        let manifest = try LabNode.require()
        let endpoint = EngineEndpoint(address: .unix(path: manifest.node.socket), source: "lab node")
        return (CRIClient(transport: try CurlTransport(endpoint: endpoint, userAgent: userAgent)), manifest)
    }

    private func scenario(_ name: String, _ manifest: LabNode.Manifest) throws -> LabNode.Scenario {
        try #require(manifest.scenarios[name], "no scenario \(name) in the lab node's manifest")
    }

    @Test func versionNamesTheRuntime() throws {
        let (client, manifest) = try client()
        let version = try client.version()
        #expect(version.runtimeName == "containerd")
        #expect(version.runtimeVersion == manifest.node.runtimeVersion)
        #expect(version.runtimeApiVersion == "v1")
    }

    @Test func statusSaysTheRuntimeIsReady() throws {
        let (client, _) = try client()
        let conditions = try client.status().status.conditions
        #expect(conditions.first { $0.type == "RuntimeReady" }?.status == true, "\(conditions)")
    }

    @Test func listsEveryScenarioContainerInItsPod() throws {
        let (client, manifest) = try client()
        let containers = try client.listContainers(.with { $0.labelSelector = ["alert-inspect.lab": "1"] })
        for name in Self.scenarios {
            let expected = try scenario(name, manifest)
            let found = try #require(containers.first { $0.id == expected.containerId }, "\(name) not listed")
            #expect(found.metadata.name == "app")
            #expect(found.podSandboxID == expected.podSandboxId)
            #expect(found.state == .containerRunning)
            #expect(found.labels[PodIdentity.nameLabel] == "lab-\(name)")
        }
    }

    @Test(arguments: scenarios)
    func verboseStatusGivesPidSnapshotAndLogPath(_ name: String) throws {
        let (client, manifest) = try client()
        let expected = try scenario(name, manifest)
        let answer = try client.containerStatus(expected.containerId, verbose: true)
        #expect(answer.status.id == expected.containerId)
        #expect(answer.status.logPath == expected.logPath)
        #expect(answer.status.image.image == expected.image)
        let info = try #require(try ContainerInfo.decode(answer.info))
        #expect(info.pid == expected.containerPid)
        #expect(info.sandboxID == expected.podSandboxId)
        #expect(info.snapshotter == expected.snapshotter)
        #expect(info.snapshotKey == expected.snapshotKey)
        #expect(info.runtimeSpec?.process?.env?.contains("LAB_SCENARIO=\(name)") == true)

        let log = try String(contentsOfFile: answer.status.logPath, encoding: .utf8)
        let records = CRILogReader.records(in: log)
        #expect(records.malformedLines == 0)
        #expect(records.records.contains { $0.stream == .stdout && $0.text.hasPrefix("\(name) tick 1 at") })
        #expect(records.records.contains { $0.stream == .stderr && $0.text.hasPrefix("\(name) tick 1 at") })
    }

    @Test func resolvesByIdPrefixAndByPodAndContainerName() throws {
        let (client, manifest) = try client()
        let containers = try client.listContainers()
        let sandboxes = try client.listPodSandbox()
        for name in Self.scenarios {
            let expected = try scenario(name, manifest)
            #expect(try ContainerReference(expected.shortId).resolve(in: containers, sandboxes: sandboxes).id == expected.containerId)
            let byPod = ContainerReference("\(expected.podNamespace)/\(expected.podName)/app")
            #expect(try byPod.resolve(in: containers, sandboxes: sandboxes).id == expected.containerId)
        }
    }

    /// The alert's `k8s.ns.name` and `k8s.pod.name` are the sandbox's kubelet labels.
    @Test(arguments: scenarios)
    func theAlertsPodIsTheSandboxs(_ name: String) throws {
        let (client, manifest) = try client()
        let expected = try scenario(name, manifest)
        let status = try client.podSandboxStatus(expected.podSandboxId).status
        let alert = try JSONSerialization.jsonObject(with: Data(contentsOf: expected.alertURL)) as? [String: Any]
        let fields = try #require(alert?["output_fields"] as? [String: Any])
        #expect(PodIdentity(status) == PodIdentity(namespace: try #require(fields["k8s.ns.name"] as? String),
                                                     name: try #require(fields["k8s.pod.name"] as? String)))
        #expect(fields["container.id"] as? String == expected.shortId)
    }

    @Test func theRiskyPodSharesTheHostsPIDNamespaceAndMountsTheSocket() throws {
        let (client, manifest) = try client()
        let risky = try scenario("risky", manifest)
        let info = try #require(try ContainerInfo.decode(client.containerStatus(risky.containerId).info))
        let spec = try #require(info.runtimeSpec)
        // The container joins its sandbox's PID namespace, which is the host's (the pod's pid mode is NODE).
        let pidNamespace = try #require(spec.joinedNamespaces["pid"])
        #expect(try Self.namespace(pidNamespace) == Self.namespace("/proc/self/ns/pid"))
        #expect(spec.mounts?.contains { $0.source == manifest.node.socket } == true)
        #expect(spec.process?.capabilities?.effective?.contains("CAP_SYS_ADMIN") == true)
        let requested = try #require(info.config?.securityContext)
        #expect(requested.privileged == true)
        #expect(requested.namespaceOptions?.onNode == ["network", "pid"])
        #expect(info.config?.mounts?.contains { $0.hostPath == manifest.node.socket && $0.readonly != true } == true)
        let plain = try #require(try ContainerInfo.decode(client.containerStatus(try scenario("dropped", manifest).containerId).info))
        #expect(plain.config?.securityContext?.privileged != true)
        #expect(plain.config?.securityContext?.namespaceOptions?.onNode == ["network"])
        let sandbox = try client.podSandboxStatus(risky.podSandboxId).status
        #expect(sandbox.linux.namespaces.options.pid == .node)
        #expect(sandbox.linux.namespaces.options.network == .node)
    }

    @Test func imageStatusFindsTheLabImageAndNotAMissingOne() throws {
        let (client, manifest) = try client()
        let image = try client.imageStatus(manifest.node.image)
        #expect(image.hasImage && image.image.id == manifest.node.imageId)
        #expect(image.image.repoTags.contains(manifest.node.image))
        #expect(try client.imageStatus("docker.io/alert-inspect/never-imported:0").hasImage == false)
        #expect(try client.listImages().contains { $0.id == manifest.node.imageId })
    }

    @Test func aMissingContainerIsNotFound() throws {
        let (client, _) = try client()
        #expect {
            try client.containerStatus(String(repeating: "0", count: 64))
        } throws: { error in
            if case .notFound = error as? CRIRuntimeError { return true }
            return false
        }
    }

    @Test func aMissingSocketIsUnreachable() throws {
        let path = Lab.directory.appendingPathComponent("node/no-such.sock").path
        let client = try CRIClient(endpoint: EngineEndpoint(address: .unix(path: path), source: "test"))
        #expect(throws: CRIRuntimeError.unreachable(endpoint: "unix://" + path, reason: "no socket at \(path)")) {
            try client.version()
        }
    }

    /// What one status sequence costs (Version, ListContainers, verbose ContainerStatus, PodSandboxStatus,
    /// ImageStatus), in-process and sequential, a fresh connection per call. Printed for the record.
    @Test func aStatusSequenceTakesMilliseconds() throws {
        let (client, manifest) = try client()
        let dropped = try scenario("dropped", manifest)
        var times: [Double] = []
        for _ in 0..<50 {
            let start = ContinuousClock.now
            _ = try client.version()
            _ = try client.listContainers()
            _ = try client.containerStatus(dropped.containerId, verbose: true)
            _ = try client.podSandboxStatus(dropped.podSandboxId)
            _ = try client.imageStatus(manifest.node.image)
            let elapsed = ContinuousClock.now - start
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
        }
        times.sort()
        let median = times[times.count / 2]
        print("cri: status sequence of 5 calls: median \(median) ms, p90 \(times[times.count * 9 / 10]) ms, min \(times[0]) ms")
        #expect(median < 250, "a status sequence took \(median) ms")
    }

    /// A recorded conversation with the node answers the same offline.
    @Test func aRecordingOfTheNodeReplaysOffline() throws {
        let (live, manifest) = try client()
        let dropped = try scenario("dropped", manifest)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cri-live-recording-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let recorder = CRIClient(transport: try RecordingCRITransport(recording: live.transport, into: folder, recordedBy: "CRILiveTests"))
        let version = try recorder.version()
        let status = try recorder.containerStatus(dropped.containerId)
        let pods = try recorder.listPodSandbox()
        let image = try recorder.imageStatus(manifest.node.image)

        let replay = CRIClient(transport: try ReplayCRITransport(folder: folder))
        #expect(try replay.version() == version)
        #expect(try replay.containerStatus(dropped.containerId) == status)
        #expect(try replay.listPodSandbox() == pods)
        #expect(try replay.imageStatus(manifest.node.image) == image)
        #expect(try ContainerInfo.decode(replay.containerStatus(dropped.containerId).info)?.pid == dropped.containerPid)
    }

    /// The read-only audit, on the runtime's side: the lab's containerd logs every request's headers
    /// (`GODEBUG=http2debug=2`), so what it received from this client is read back from its log.
    @Test func onlyReadRPCsReachTheRuntime() throws {
        let agent = "alert-inspect-audit-\(UUID().uuidString.prefix(8))"
        let (client, manifest) = try client(userAgent: agent)
        let dropped = try scenario("dropped", manifest)
        _ = try client.version()
        _ = try client.status(verbose: true)
        _ = try client.listContainers()
        _ = try client.containerStatus(dropped.containerId)
        _ = try client.listPodSandbox()
        _ = try client.podSandboxStatus(dropped.podSandboxId)
        _ = try client.imageStatus(manifest.node.image)
        _ = try client.listImages()
        let transport = try #require(client.transport as? CurlTransport)
        #expect(throws: DockerEngineError.self) {
            _ = try transport.unary(GRPCCall(path: "/runtime.v1.RuntimeService/ReopenContainerLog", body: GRPCFrame.frame([])))
        }

        let log = try String(contentsOfFile: (manifest.node.socket as NSString).deletingLastPathComponent + "/containerd.log", encoding: .utf8)
        let paths = Self.requests(inHTTP2DebugLog: log).filter { $0.userAgent == agent }.map(\.path)
        #expect(Set(paths) == GRPCCall.readOnlyPaths, "\(paths)")
        #expect(paths.count == 8)
    }

    /// `pid:[4026531836]`: a namespace file's link names the namespace.
    static func namespace(_ path: String) throws -> String {
        try FileManager.default.destinationOfSymbolicLink(atPath: path)
    }

    /// (`:path`, `user-agent`) of each request header block in a Go `http2debug=2` log.
    static func requests(inHTTP2DebugLog log: String) -> [(path: String, userAgent: String)] {
        var requests: [(path: String, userAgent: String)] = []
        var path: String?
        var agent: String?
        func flush() {
            if let path { requests.append((path, agent ?? "")) }
            path = nil
            agent = nil
        }
        for line in log.split(separator: "\n") {
            guard let field = line.range(of: "decoded hpack field header field \"") else { continue }
            let rest = line[field.upperBound...]
            guard let separator = rest.range(of: "\" = \"") else { continue }
            let name = rest[..<separator.lowerBound]
            let value = String(rest[separator.upperBound...].dropLast())
            switch name {
            case ":method": flush()
            case ":path": path = value
            case "user-agent": agent = value
            default: break
            }
        }
        flush()
        return requests
    }
}
