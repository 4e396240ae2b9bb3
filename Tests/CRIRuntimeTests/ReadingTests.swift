import CRIRuntime
import DockerEngine
import Testing

@Suite struct ContainerInfoTests {
    /// The shape containerd 1.6 answers a verbose ContainerStatus with (trimmed).
    static let containerd = #"""
        {"sandboxID":"2809504424","pid":3652,"removing":false,"snapshotKey":"7e6b0853","snapshotter":"overlayfs",
         "runtimeType":"io.containerd.runc.v2","runtimeOptions":{"root":"/x/runc"},
         "config":{"metadata":{"name":"app"},"mounts":[{"container_path":"/run/containerd/containerd.sock",
           "host_path":"/run/containerd/containerd.sock"},{"container_path":"/host/etc","host_path":"/etc","readonly":true}],
           "linux":{"security_context":{"privileged":true,"namespace_options":{"network":2,"pid":2},
             "capabilities":{"add_capabilities":["SYS_ADMIN"]},"run_as_user":{"value":0},"seccomp":{"profile_type":1}}}},
         "runtimeSpec":{"ociVersion":"1.0.2-dev","process":{"user":{"uid":0,"gid":0},"args":["/bin/sh","-c","loop"],
           "env":["PATH=/bin","LAB_SCENARIO=dropped"],"cwd":"/","capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"],
           "effective":["CAP_CHOWN"]},"noNewPrivileges":false,"oomScoreAdj":1000},
           "root":{"path":"rootfs"},
           "mounts":[{"destination":"/proc","type":"proc","source":"proc","options":["nosuid"]},
                     {"destination":"/run/containerd/containerd.sock","type":"bind","source":"/run/containerd/containerd.sock","options":["rbind","rw"]}],
           "linux":{"namespaces":[{"type":"mount"},{"type":"ipc","path":"/proc/3600/ns/ipc"},{"type":"uts"}],
             "cgroupsPath":"/pods/7e6b","seccomp":{"defaultAction":"SCMP_ACT_ERRNO"},"maskedPaths":["/proc/kcore"]}}}
        """#

    @Test func readsPidSnapshotAndSpec() throws {
        let info = try #require(try ContainerInfo.decode(["info": Self.containerd]))
        #expect(info.pid == 3652)
        #expect(info.sandboxID == "2809504424")
        #expect(info.snapshotter == "overlayfs" && info.snapshotKey == "7e6b0853")
        let spec = try #require(info.runtimeSpec)
        #expect(spec.process?.args == ["/bin/sh", "-c", "loop"])
        #expect(spec.process?.capabilities?.bounding == ["CAP_CHOWN", "CAP_KILL"])
        #expect(spec.mounts?.last?.source == "/run/containerd/containerd.sock")
        #expect(spec.linux?.seccomp?.defaultAction == "SCMP_ACT_ERRNO")
        #expect(spec.linux?.cgroupsPath == "/pods/7e6b")
    }

    @Test func readsWhatThePodSpecAskedFor() throws {
        let config = try #require(try ContainerInfo.decode(["info": Self.containerd])?.config)
        let context = try #require(config.securityContext)
        #expect(context.privileged == true)
        #expect(context.namespaceOptions?.onNode == ["network", "pid"])
        #expect(context.capabilities?.add == ["SYS_ADMIN"])
        #expect(context.runAsUser?.value == 0)
        #expect(context.seccomp?.isUnconfined == true)
        #expect(config.mounts?.map(\.hostPath) == ["/run/containerd/containerd.sock", "/etc"])
        #expect(config.mounts?.map { $0.readonly ?? false } == [false, true])
    }

    @Test func namespacesNotListedAreTheHosts() throws {
        let spec = try #require(try ContainerInfo.decode(["info": Self.containerd])?.runtimeSpec)
        #expect(spec.sharedWithHost() == ["pid", "network"])
        #expect(spec.joinedNamespaces == ["ipc": "/proc/3600/ns/ipc"])
    }

    @Test func noInfoIsNil() throws {
        #expect(try ContainerInfo.decode([:]) == nil)
    }

    @Test func badJSONIsAnError() {
        #expect(throws: ContainerInfo.DecodingFailure.self) { try ContainerInfo.decode(["info": "{\"pid\":\"many\"}"]) }
    }
}

@Suite struct CRILogTests {
    static func time(_ text: String) -> EngineTime { EngineTime.parse(text)! }

    @Test func readsFullLinesWithTheirStreams() {
        let log = """
            2026-12-06T02:27:48.021303353Z stdout F tick 1
            2026-12-06T02:27:48.021400000Z stderr F tick 1 on stderr
            """
        let records = CRILogReader.records(in: log).records
        #expect(records.map(\.text) == ["tick 1", "tick 1 on stderr"])
        #expect(records.map(\.stream) == [.stdout, .stderr])
        #expect(records[0].time == Self.time("2026-12-06T02:27:48.021303353Z"))
    }

    @Test func joinsPartialLinesPerStream() {
        let log = """
            2026-12-06T02:00:00.000000001Z stdout P first 
            2026-12-06T02:00:00.000000002Z stderr F other
            2026-12-06T02:00:00.000000003Z stdout P second 
            2026-12-06T02:00:00.000000004Z stdout F third
            """
        let records = CRILogReader.records(in: log).records
        #expect(records.map(\.text) == ["other", "first second third"])
        #expect(records[1].time == Self.time("2026-12-06T02:00:00.000000001Z"))
    }

    @Test func keepsAnEmptyMessageAndSpacesInside() {
        let log = "2026-12-06T02:00:00Z stdout F \n2026-12-06T02:00:01Z stdout F a  b "
        #expect(CRILogReader.records(in: log).records.map(\.text) == ["", "a  b "])
    }

    @Test func cutsToTheWindow() {
        let log = (0..<10).map { "2026-12-06T02:00:0\($0).5Z stdout F line \($0)" }.joined(separator: "\n")
        let reader = CRILogReader.records(in: log, since: Self.time("2026-12-06T02:00:03Z"), until: Self.time("2026-12-06T02:00:06Z"))
        #expect(reader.records.map(\.text) == ["line 3", "line 4", "line 5"])
    }

    @Test func aLineLeftPartialIsKeptIncomplete() {
        let reader = CRILogReader.records(in: "2026-12-06T02:00:00Z stdout P cut off")
        #expect(reader.records == [CRILogRecord(time: Self.time("2026-12-06T02:00:00Z"), stream: .stdout, text: "cut off", isComplete: false)])
    }

    @Test(arguments: [
        "not a log line", "2026-12-06T02:00:00Z stdin F x", "2026-12-06T02:00:00Z stdout X x",
        "2026-12-06 stdout F x", "2026-12-06T02:00:00Zjunk stdout F x", "2026-12-06T02:00:00Z stdout",
    ])
    func countsMalformedLines(_ line: String) {
        let reader = CRILogReader.records(in: line + "\n2026-12-06T02:00:00Z stdout F ok")
        #expect(reader.malformedLines == 1)
        #expect(reader.records.map(\.text) == ["ok"])
    }
}

@Suite struct ContainerReferenceTests {
    static func container(_ id: String, pod: String, name: String = "app", state: Runtime_V1_ContainerState = .containerRunning, created: Int64 = 1)
        -> Runtime_V1_Container
    {
        .with {
            $0.id = id
            $0.podSandboxID = pod
            $0.metadata.name = name
            $0.state = state
            $0.createdAt = created
        }
    }

    static func sandbox(_ id: String, namespace: String, name: String, labelled: Bool = true) -> Runtime_V1_PodSandbox {
        .with {
            $0.id = id
            if labelled {
                $0.labels = [PodIdentity.namespaceLabel: namespace, PodIdentity.nameLabel: name]
            } else {
                $0.metadata.namespace = namespace
                $0.metadata.name = name
            }
        }
    }

    static let sandboxes = [
        sandbox("p1", namespace: "shop", name: "web"), sandbox("p2", namespace: "lab", name: "web"),
        sandbox("p3", namespace: "lab", name: "db", labelled: false),
    ]
    static let containers = [
        container("aaaa1111", pod: "p1"), container("aaaa2222", pod: "p2"),
        container("bbbb0000", pod: "p3", state: .containerExited, created: 1), container("cccc0000", pod: "p3", state: .containerExited, created: 5),
    ]

    @Test func parsesPodReferencesAndIds() {
        #expect(ContainerReference("shop/web/app") == .pod(namespace: "shop", pod: "web", container: "app"))
        #expect(ContainerReference("web/app") == .pod(namespace: nil, pod: "web", container: "app"))
        #expect(ContainerReference("7e6b085394e5") == .id("7e6b085394e5"))
        #expect(ContainerReference("a//b") == .id("a//b"))
    }

    @Test func anIdPrefixMustBeUnique() throws {
        #expect(try ContainerReference("aaaa2").resolve(in: Self.containers, sandboxes: Self.sandboxes).id == "aaaa2222")
        #expect(try ContainerReference("AAAA1111").resolve(in: Self.containers, sandboxes: Self.sandboxes).id == "aaaa1111")
        #expect(throws: CRIRuntimeError.ambiguousContainer("aaaa", candidates: ["aaaa1111", "aaaa2222"])) {
            try ContainerReference("aaaa").resolve(in: Self.containers, sandboxes: Self.sandboxes)
        }
        #expect(throws: CRIRuntimeError.noSuchContainer("ffff")) {
            try ContainerReference("ffff").resolve(in: Self.containers, sandboxes: Self.sandboxes)
        }
    }

    @Test func aPodNameNeedsItsNamespaceWhenTwoNamespacesHaveIt() throws {
        #expect(try ContainerReference("lab/web/app").resolve(in: Self.containers, sandboxes: Self.sandboxes).id == "aaaa2222")
        #expect(throws: CRIRuntimeError.self) { try ContainerReference("web/app").resolve(in: Self.containers, sandboxes: Self.sandboxes) }
        #expect(throws: CRIRuntimeError.noSuchContainer("lab/web/sidecar")) {
            try ContainerReference("lab/web/sidecar").resolve(in: Self.containers, sandboxes: Self.sandboxes)
        }
    }

    @Test func withoutARunningOneTheLatestRestartWins() throws {
        #expect(try ContainerReference("lab/db/app").resolve(in: Self.containers, sandboxes: Self.sandboxes).id == "cccc0000")
    }

    @Test func podIdentityPrefersKubeletsLabels() {
        let both = Runtime_V1_PodSandbox.with {
            $0.labels = [PodIdentity.namespaceLabel: "real", PodIdentity.nameLabel: "pod"]
            $0.metadata.namespace = "other"
            $0.metadata.name = "other"
        }
        #expect(PodIdentity(both) == PodIdentity(namespace: "real", name: "pod"))
        #expect(PodIdentity(Runtime_V1_PodSandbox()) == nil)
        #expect(PodIdentity(namespace: "lab", name: "web").description == "lab/web")
    }
}

@Suite struct RuntimeEndpointTests {
    static let yaml = """
        # crictl config
        runtime-endpoint: "unix:///run/k3s/containerd/containerd.sock"
        image-endpoint: unix:///run/k3s/containerd/containerd.sock
        timeout: 2
        debug: false
        """

    @Test func theFlagWinsThenTheEnvironmentThenTheConfig() throws {
        let environment = ["CONTAINER_RUNTIME_ENDPOINT": "unix:///env.sock"]
        #expect(try RuntimeEndpoint.candidates(flag: "unix:///flag.sock", environment: environment, config: Self.yaml)
            == [EngineEndpoint(address: .unix(path: "/flag.sock"), source: "--runtime-endpoint")])
        #expect(try RuntimeEndpoint.candidates(flag: nil, environment: environment, config: Self.yaml)
            == [EngineEndpoint(address: .unix(path: "/env.sock"), source: "CONTAINER_RUNTIME_ENDPOINT")])
        #expect(try RuntimeEndpoint.candidates(flag: "", environment: [:], config: Self.yaml)
            == [EngineEndpoint(address: .unix(path: "/run/k3s/containerd/containerd.sock"), source: "crictl config runtime-endpoint")])
    }

    @Test func withNothingSetTheWellKnownSocketsInOrder() throws {
        let candidates = try RuntimeEndpoint.candidates(flag: nil, environment: [:], config: "debug: true")
        #expect(candidates.map(\.description) == RuntimeEndpoint.wellKnown)
        #expect(candidates.first?.address == .unix(path: "/run/containerd/containerd.sock"))
    }

    @Test func theConfigFileIsFoundAsCrictlFindsIt() {
        #expect(RuntimeEndpoint.configPath(flag: nil, environment: [:]) == "/etc/crictl.yaml")
        #expect(RuntimeEndpoint.configPath(flag: nil, environment: ["CRI_CONFIG_FILE": "/x.yaml"]) == "/x.yaml")
        #expect(RuntimeEndpoint.configPath(flag: "/y.yaml", environment: ["CRI_CONFIG_FILE": "/x.yaml"]) == "/y.yaml")
    }

    @Test func readsCrictlsFlatYAML() {
        let settings = RuntimeEndpoint.settings(Self.yaml + "\nquoted: 'a b' # note\n  indented:   x  \n")
        #expect(settings["runtime-endpoint"] == "unix:///run/k3s/containerd/containerd.sock")
        #expect(settings["timeout"] == "2")
        #expect(settings["quoted"] == "a b")
        #expect(settings["indented"] == "x")
    }

    @Test(arguments: ["tcp://node:10010", "npipe:////./pipe/containerd", "containerd.sock", "unix://", "unix://relative.sock"])
    func refusesWhatIsNotAUnixSocket(_ text: String) {
        #expect(throws: CRIRuntimeError.self) { try RuntimeEndpoint.endpoint(text, source: "test") }
    }

    @Test func acceptsABarePath() throws {
        #expect(try RuntimeEndpoint.endpoint("/run/crio/crio.sock", source: "s").address == .unix(path: "/run/crio/crio.sock"))
    }
}
