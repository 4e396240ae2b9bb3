import FalcoAlerts
import Runtime
import Testing
import TestSupport

@testable import Investigation

/// The alert's executable is read only when the container's own evidence stands behind the path: a
/// change in its writable layer, or a process of it running the file. An alert can name any path.
@Suite struct AcquisitionGroundsTests {
    static let shadow = Array("root:$6$secret:19000:0:99999:7:::\n".utf8)

    static func alert(_ path: String) throws -> FalcoAlert {
        try AlertReader.parseAlert(
            #"{"rule":"Drop and execute new binary in container","priority":"Critical","time":"2026-11-29T11:24:13.352372868Z","output_fields":{"container.id":"0a8f2c69d33f","container.name":"lab-dropped","proc.exepath":"\#(path)","evt.arg.flags":"EXE_WRITABLE|EXE_UPPER_LAYER"}}"#,
            source: "test")
    }

    /// The in-memory dropper, which also holds an untouched `/etc/shadow`.
    static func runtime() -> InMemoryRuntime {
        var runtime = RuntimeSeamTests.runtime()
        runtime.containers[0].files["/etc/shadow"] = shadow
        return runtime
    }

    func report(_ runtime: InMemoryRuntime, path: String) async throws -> InvestigationReport {
        try await Investigator(runtime: runtime, host: InMemoryHost(), settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: Self.alert(path)).report
    }

    @Test func `a forged path the container neither changed nor runs is stat'ed, not read, and the report says why`() async throws {
        let runtime = Self.runtime()
        let report = try await report(runtime, path: "/etc/shadow")
        #expect(!runtime.journal.recorded.contains(.file), "\(runtime.journal.recorded)")
        #expect(runtime.journal.recorded.contains(.stat))
        #expect(report.executable?.sha256 == nil)
        #expect(report.executable?.change == .unchanged)
        #expect(report.limitations.contains { $0.hasPrefix("the executable was not acquired:") && $0.contains("/etc/shadow") })
    }

    @Test func `a path listed as added is read and hashed`() async throws {
        var runtime = Self.runtime()
        runtime.containers[0].processes = []
        let report = try await report(runtime, path: "/tmp/payload")
        #expect(runtime.journal.recorded.contains(.file))
        #expect(report.executable?.sha256 != nil)
        #expect(!report.limitations.contains { $0.contains("not acquired") })
    }

    @Test func `a path only a running process of the container stands behind is read and hashed`() async throws {
        var runtime = Self.runtime()
        runtime.containers[0].changes = []
        runtime.containers[0].processes = [
            .init(pid: 4242, isHostPid: true, user: "root", command: "/tmp/payload", exeLink: "/tmp/payload")
        ]
        let report = try await report(runtime, path: "/tmp/payload")
        #expect(runtime.journal.recorded.contains(.file))
        #expect(report.executable?.sha256 != nil)
    }

    @Test func `a deleted entry in the changes does not stand behind reading the path`() {
        #expect(!Grounds.support("/tmp/payload", changes: [.init(path: "/tmp/payload", kind: .deleted)], processes: []))
        #expect(Grounds.support("/tmp/payload", changes: [.init(path: "/tmp/payload", kind: .modified)], processes: []))
    }
}
