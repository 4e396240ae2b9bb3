import Crypto
import FalcoAlerts
import Foundation
import Runtime
import Testing
import TestSupport

@testable import Investigation

/// Whole investigations driven through the runtime seam by a runtime held in memory: no engine, no
/// recording. What the Docker runtime does against the lab, any runtime must let an investigation do.
@Suite struct RuntimeSeamTests {
    static let id = "0a8f2c69d33fce48dd81f9b1a8ef9b1513feb6bc7e78cfe357efa16ac8a1d01f"
    static let payload = Array("#!/bin/sh\necho pwned\n".utf8)

    static func alert(flags: String = "EXE_WRITABLE|EXE_UPPER_LAYER") throws -> FalcoAlert {
        try AlertReader.parseAlert(
            #"{"rule":"Drop and execute new binary in container","priority":"Critical","time":"2026-11-29T11:24:13.352372868Z","output_fields":{"container.id":"0a8f2c69d33f","container.name":"lab-dropped","proc.exepath":"/tmp/payload","evt.arg.flags":"\#(flags)"}}"#,
            source: "test")
    }

    /// A running container that had `/tmp/payload` dropped into it and runs it.
    static func runtime(_ kind: RuntimeDescriptor.Kind = .docker) -> InMemoryRuntime {
        var entry = InMemoryRuntime.Entry(
            record: ContainerRecord(
                id: id, name: "lab-dropped", configImage: "alpine:3.20", imageID: "sha256:beef",
                labels: ["API_TOKEN": "secret", "team": "web"],
                state: .init(status: "running", running: true, pid: 4242, startedAt: "2026-11-29T11:20:00Z")))
        entry.changes = [.init(path: "/tmp", kind: .modified), .init(path: "/tmp/payload", kind: .added)]
        entry.files["/tmp/payload"] = payload
        entry.processes = [.init(pid: 4242, isHostPid: true, user: "root", command: "/tmp/payload", exeLink: "/tmp/payload")]
        entry.logs = [.init(time: "2026-11-29T11:24:13Z", stream: "stdout", text: "pwned")]
        entry.events = [.init(time: "2026-11-29T11:20:00Z", action: "start", detail: "container lab-dropped")]
        var runtime = InMemoryRuntime(kind: kind, containers: [entry], clock: RuntimeInstant(seconds: 1_800_000_000))
        runtime.images["sha256:beef"] = ImageRecord(id: "sha256:beef", tags: ["alpine:3.20"], layerCount: 1, history: ["ADD rootfs /"])
        return runtime
    }

    func investigate(_ runtime: InMemoryRuntime, alert: FalcoAlert? = nil, container: String? = nil) async throws
        -> Investigator.Outcome
    {
        try await Investigator(runtime: runtime, host: InMemoryHost(), settings: .init(toolVersion: "test"))
            .investigate(container: container, alert: alert ?? Self.alert())
    }

    @Test func `a dropped binary is confirmed, hashed as read, and the report says where it came from`() async throws {
        let outcome = try await investigate(Self.runtime())
        let report = outcome.report
        #expect(outcome.containerFound)
        #expect(report.verdict == .confirmed, "\(report.claims.map { "\($0.id) \($0.verdict): \($0.reason)" })")
        #expect(report.executable?.change == .added)
        #expect(report.executable?.sha256 == SHA256.hash(data: Self.payload).map { String(format: "%02x", $0) }.joined())
        #expect(report.executable?.source == "memory 0a8f2c69d33f:/tmp/payload")
        #expect(report.engine.endpoint == "memory://docker")
        #expect(report.container?.labels["API_TOKEN"] == Redaction.marker)
        #expect(report.drift.map(\.kind) == [.modified, .added])
        #expect(report.logs.lines.map(\.text) == ["pwned"])
        #expect(report.events.map(\.action) == ["start"])
        #expect(report.claims.first { $0.id == .notInImage }?.evidence.last == "image alpine:3.20: 1 layer(s), built by: ADD rootfs /")
        #expect(report.processes.map(\.pid) == [4242])
    }

    @Test func `events are read before any call that leaves a trace in them`() async throws {
        var runtime = Self.runtime()
        // Slow events: a call that leaves a trace must still wait for them.
        runtime.delays[.events] = .milliseconds(200)
        _ = try await investigate(runtime)
        let calls = runtime.journal.recorded
        let events = try #require(calls.firstIndex(of: .events))
        for traced in [InMemoryRuntime.Call.processes, .file] {
            let index = try #require(calls.firstIndex(of: traced))
            #expect(events < index, "\(calls)")
        }
    }

    @Test func `a runtime without past events leaves them unavailable, said plainly, not empty`() async throws {
        var runtime = Self.runtime(.cri)
        runtime.descriptor.capabilities.remove(.pastEvents)
        let report = try await investigate(runtime).report
        #expect(report.events.isEmpty)
        #expect(report.limitations.contains { $0.hasPrefix("engine events could not be read: cri has no pastEvents") })
    }

    @Test func `changes that cannot be read make the layer claims unverifiable, not contradicted`() async throws {
        var runtime = Self.runtime()
        runtime.failures[.changes] = .malformed("the engine answered 500")
        let report = try await investigate(runtime).report
        #expect(report.verdict == .inconclusive)
        #expect(report.claims.first { $0.id == .upperLayer }?.verdict == .unverifiable)
        #expect(report.limitations.first == "the container's changes could not be read: the engine answered 500")
        #expect(report.drift.isEmpty)
    }

    @Test func `how the runtime found the layers shows in the evidence, and what finding them noted is a limitation`() async throws {
        var runtime = Self.runtime()
        let note = "the engine's GraphDriver names the upper dir /o/3/diff, but the container's mount table has /s/3/fs: the engine's is used"
        runtime.containers[0].record.storage = .init(
            driver: "overlay2", upperDir: "/o/3/diff", lowerDirs: ["/o/2/diff"], layersFound: "from the mount table", layerNotes: [note])
        var host = InMemoryHost()
        let folder = HostFileInfo(
            kind: .directory, permissions: 0o755, size: 0, inode: 1, changeTimeNanoseconds: 0, modificationTimeNanoseconds: 0,
            isWhiteout: false)
        host.files["/o/3/diff"] = folder
        host.links["/proc/4242/exe"] = "/tmp/payload"
        let report = try await Investigator(runtime: runtime, host: host, settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: Self.alert()).report
        #expect(report.engine.hostAccess.upperDirVisible && report.engine.hostAccess.procVisible)
        #expect(report.engine.hostAccess.detail == note)
        #expect(report.limitations.contains(note))
        #expect(report.claims.first { $0.id == .upperLayer }?.evidence.contains("the overlay upper dir is /o/3/diff (found from the mount table)") == true)
    }

    @Test func `Podman-like runtimes with no processes say why process evidence is missing`() async throws {
        var runtime = Self.runtime(.podman)
        runtime.containers[0].processes = []
        let report = try await investigate(runtime).report
        #expect(report.limitations.contains(
            "Podman's top is not asked (it may run ps inside the container) and host /proc is not readable here: process evidence is missing"))
    }

    @Test func `a container that is gone gives unverifiable claims and what could not be checked`() async throws {
        let runtime = InMemoryRuntime(containers: [], clock: RuntimeInstant(seconds: 1_800_000_000))
        let outcome = try await investigate(runtime)
        #expect(!outcome.containerFound)
        #expect(outcome.report.claims.allSatisfy { $0.verdict == .unverifiable })
        #expect(outcome.report.executable?.change == .unknown)
        #expect(outcome.report.limitations == [
            "container 0a8f2c69d33f does not exist (any more): its configuration, files, processes and logs could not be checked"
        ])
    }

    @Test func `an unreachable runtime is an error of the runtime's type, not a report`() async throws {
        var runtime = Self.runtime()
        runtime.failures[.container] = .unreachable("cannot connect to memory://docker")
        await #expect(throws: RuntimeError.unreachable("cannot connect to memory://docker")) {
            _ = try await investigate(runtime)
        }
    }

    @Test func `another container than the alert's is disputed`() async throws {
        var runtime = Self.runtime()
        var other = runtime.containers[0]
        other.record.id = "ffff" + Self.id.dropFirst(4)
        other.record.name = "other"
        runtime.containers.append(other)
        let report = try await investigate(runtime, container: "other").report
        #expect(report.verdict == .disputed)
        #expect(report.claims.first { $0.id == .containerIdentity }?.verdict == .contradicted)
    }
}
