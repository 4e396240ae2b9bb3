import DockerEngine
import Foundation
import Testing
import TestSupport

/// Every endpoint the client reads, against every lab engine.
@Suite struct EngineClientLiveTests {
    private func client(_ engine: Lab.EngineName) throws -> EngineClient {
        let lab = try Lab.require(engine)
        return try EngineClient.connect(CurlTransport(endpoint: EngineEndpoint(address: .unix(path: lab.socket), source: "lab")))
    }

    @Test(.lab, arguments: Lab.EngineName.allCases)
    func `ping, version and info describe the engine`(engine: Lab.EngineName) throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let lab = try Lab.require(engine)
        let client = try client(engine)
        #expect(client.apiVersion.description == lab.apiVersion)
        #expect(client.ping.isPodman == (engine == .podman))
        #expect(client.ping.engineDate != nil)
        let version = try client.version().value
        #expect(version.version == lab.serverVersion)
        #expect(version.isPodman == (engine == .podman))
        let info = try client.info().value
        #expect(info.driver == lab.storageDriver)
        #expect(info.usesContainerdImageStore == (engine == .docker26Containerd))
    }

    @Test(.lab, arguments: Lab.EngineName.allCases)
    func `inspect, changes, archive, image and history of the dropped binary's container`(engine: Lab.EngineName) throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario("dropped")
        let client = try client(engine)
        let (inspect, raw) = try client.inspectContainer(scenario.shortId)
        #expect(inspect.id == scenario.containerId)
        #expect(inspect.name == scenario.name)
        #expect(try JSONSerialization.jsonObject(with: raw.body) is [String: Any], "the raw answer is kept")
        // containerd's image store names no overlay dirs in inspect (the mount table does).
        #expect((inspect.upperDir != nil) == (engine != .docker26Containerd))
        #expect(inspect.usesSnapshotter == (engine == .docker26Containerd))

        let changes = try client.changes(inspect.id).value
        #expect(changes.contains { $0.path == scenario.exePath && $0.kind == .added })

        let stat = try #require(try client.pathStat(inspect.id, path: scenario.exePath))
        #expect(stat.fileType == .regular && stat.size == Int64(scenario.size))
        #expect(try client.pathStat(inspect.id, path: "/no/such/file") == nil)

        var reader = TarReader()
        var names: [String] = []
        var bytes = 0
        _ = try client.stream(EngineClient.archiveRequest(inspect.id, path: scenario.exePath)) { chunk in
            try reader.feed(chunk) { event in
                switch event {
                case .entry(let entry): names.append(entry.name.text)
                case .content(let content): bytes += content.count
                case .entryEnd: break
                }
            }
        }
        try reader.finish()
        #expect(names == [(scenario.exePath as NSString).lastPathComponent])
        #expect(bytes == scenario.size)

        let image = try client.inspectImage(inspect.image ?? "").value
        #expect(image.id == scenario.imageId)
        #expect(!(try client.imageHistory(image.id).value).isEmpty)
    }

    @Test(.lab, arguments: Lab.EngineName.dockers)
    func `top lists host pids, and the running exec can be inspected`(engine: Lab.EngineName) throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario("dropped")
        let client = try client(engine)
        let top = try client.top(scenario.containerId).value
        let pid = try #require(scenario.hostPid)
        #expect(top.pids.contains(pid))
        let inspect = try client.inspectContainer(scenario.containerId).value
        let execs = inspect.execIDs ?? []
        let running = try execs.map { try client.inspectExec($0).value }.filter { $0.running == true }
        #expect(running.contains { exec in exec.pid.map(top.pids.contains) ?? false }, "the docker exec that started the payload")
    }

    @Test(.lab, arguments: Lab.EngineName.dockers)
    func `logs of a window decode into both streams, events of a window close by themselves`(engine: Lab.EngineName) throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario("dropped")
        let client = try client(engine)
        let inspect = try client.inspectContainer(scenario.containerId).value
        let started = try #require(inspect.state?.startedTime)
        let until = EngineTime(seconds: started.seconds + 30)
        var decoder = LogDecoder(tty: false, timestamps: true)
        var lines: [LogLine] = []
        _ = try client.stream(EngineClient.logsRequest(inspect.id, since: started, until: until)) { chunk in
            try decoder.feed(chunk) { lines.append($0) }
        }
        try decoder.finish { lines.append($0) }
        #expect(Set(lines.map(\.stream)) == [.stdout, .stderr])
        #expect(lines.allSatisfy { ($0.timestamp ?? until) <= until })

        // The engine keeps only its last 256 events: make a fresh one (the test may; the tool never does).
        let since = EngineTime(seconds: Int64(Date().timeIntervalSince1970) - 2)
        let docker = Process()
        docker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        docker.arguments = ["docker", "-H", try Lab.require(engine).host, "exec", inspect.id, "true"]
        try docker.run()
        docker.waitUntilExit()
        #expect(docker.terminationStatus == 0)
        var splitter = JSONLineSplitter()
        var events: [EngineEvent] = []
        let now = EngineTime(seconds: Int64(Date().timeIntervalSince1970) + 1)
        Thread.sleep(forTimeInterval: 1.1)  // `until` must not be in the engine's future
        _ = try client.stream(EngineClient.eventsRequest(container: inspect.id, since: since, until: now)) { chunk in
            try splitter.feed(chunk) { events.append(try EngineEvent(jsonLine: $0)) }
        }
        #expect(events.contains { $0.execCommand == "true" && $0.actorID == inspect.id }, "\(events.map { $0.action ?? "" })")
    }

    @Test(.lab, arguments: ["../../images/json", "x?all=1", "x#y", "..", "%2e%2e"])
    func `a hostile container reference reaches the engine as one name`(reference: String) throws {
        let client = try client(.docker)
        #expect(throws: DockerEngineError.noSuchContainer(reference)) {
            _ = try client.inspectContainer(reference)
        }
    }

    @Test(.lab, arguments: Lab.EngineName.dockers)
    func `a removed container is told apart from a broken request`(engine: Lab.EngineName) throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario("removed")
        #expect(throws: DockerEngineError.noSuchContainer(scenario.shortId)) {
            _ = try client(engine).inspectContainer(scenario.shortId)
        }
    }
}
