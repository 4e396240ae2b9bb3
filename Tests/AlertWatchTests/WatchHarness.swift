import FalcoAlerts
import Foundation
import Testing
import DockerRuntime

@testable import AlertWatch

#if canImport(Glibc)
    import Glibc
#endif

/// A fresh folder for one test; removed by `remove()`.
struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("watch-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    func listing(_ folder: String? = nil) -> [String] {
        let path = folder.map { self.path($0) } ?? url.path
        return ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    func lines(_ name: String) throws -> [String] {
        String(decoding: try Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
            .split(separator: "\n").map(String.init)
    }

    func append(_ text: String, to name: String) throws {
        let handle = try FileHandle(forWritingTo: url.appendingPathComponent(name))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

/// A Falco alert line about a container, rule and executable.
func alertLine(
    container: String = "0a8f2c69d33f", rule: String = "Drop and execute new binary in container",
    exe: String = "/tmp/payload", time: String = "2026-11-29T11:24:13.352372868Z", uuid: String? = nil
) -> String {
    var line = "{"
    if let uuid { line += "\"uuid\":\"\(uuid)\"," }
    line += "\"hostname\":\"vm\",\"output\":\"x\",\"priority\":\"Critical\",\"rule\":\"\(rule)\","
    line += "\"source\":\"syscall\",\"tags\":[],\"time\":\"\(time)\","
    line += "\"output_fields\":{\"container.id\":\"\(container)\",\"evt.type\":\"execve\","
    line += "\"evt.arg.flags\":\"EXE_WRITABLE|EXE_UPPER_LAYER\",\"proc.exepath\":\"\(exe)\"}}"
    return line
}

/// An arrival from a stream line.
func arrival(_ line: String, number: Int, source: String = "<stdin>", at date: Date = Date()) -> Watcher.Arrival {
    let bytes = Array(line.utf8)
    return Watcher.Arrival(
        place: .stream(source, line: number), raw: bytes,
        parsed: StreamIntake.parse(bytes, source: source, line: number), receivedAt: date)
}

/// Holds investigations until opened.
final class Gate: @unchecked Sendable {
    // @unchecked: `opened` is only touched under `lock`.
    private let lock = NSLock()
    private var opened: Bool

    init(open: Bool = false) {
        opened = open
    }

    var isOpen: Bool {
        lock.lock()
        defer { lock.unlock() }
        return opened
    }

    func open() {
        lock.lock()
        opened = true
        lock.unlock()
    }
}

/// A stand-in investigation: once the gate is open, makes the bundle folder (with the alert in it) or fails.
/// Until then it waits, looking at the cancellation now and then as the collector does.
final class FakeInvestigator: AlertInvestigating, @unchecked Sendable {
    // @unchecked: `jobs`, `running` and `mostAtOnce` are only touched under `lock`.
    private let lock = NSLock()
    private var jobs: [InvestigationJob] = []
    private var running = 0
    private var mostAtOnce = 0
    let gate: Gate
    let failure: String?

    init(gate: Gate = Gate(open: true), failure: String? = nil) {
        self.gate = gate
        self.failure = failure
    }

    var investigated: [InvestigationJob] {
        lock.lock()
        defer { lock.unlock() }
        return jobs
    }

    /// The most investigations that ran at once.
    var peak: Int {
        lock.lock()
        defer { lock.unlock() }
        return mostAtOnce
    }

    func investigate(_ job: InvestigationJob, isCancelled: @escaping @Sendable () -> Bool) async -> InvestigationEnd {
        begin(job)
        defer { end() }
        while !gate.isOpen && !isCancelled() {
            try? await Task.sleep(for: .milliseconds(5))
        }
        if isCancelled() { return .interrupted(reason: "stopped") }
        if let failure { return .failed(reason: failure) }
        do {
            try FileManager.default.createDirectory(at: job.destination, withIntermediateDirectories: false)
            try Data(job.raw).write(to: job.destination.appendingPathComponent("alert.json"))
        } catch {
            return .failed(reason: "\(error)")
        }
        return .bundled(bundle: job.destination, verdict: "confirmed", containerFound: true)
    }

    private func begin(_ job: InvestigationJob) {
        lock.lock()
        jobs.append(job)
        running += 1
        mostAtOnce = max(mostAtOnce, running)
        lock.unlock()
    }

    private func end() {
        lock.lock()
        running -= 1
        lock.unlock()
    }
}

/// A watcher writing its outcome lines to a file of a scratch folder, bundles to `out/`.
struct Harness {
    let scratch: Scratch
    let ledger: Ledger
    let watcher: Watcher
    let investigator: FakeInvestigator
    private let output: Int32

    init(
        _ scratch: Scratch, investigator: FakeInvestigator = FakeInvestigator(), window: Double = 600, jobs: Int = 2,
        queue: Int = 64, journal: Journal? = nil, firstEntry: Int = 1, stopTimeout: Double = 5,
        configure: (inout Watcher.Settings) -> Void = { _ in }
    ) throws {
        self.scratch = scratch
        self.investigator = investigator
        try FileManager.default.createDirectory(
            at: scratch.url.appendingPathComponent("out"), withIntermediateDirectories: true)
        output = open(scratch.path("outcomes.jsonl"), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        ledger = Ledger(output: output, journal: journal, warn: { Issue.record("warning: \($0)") })
        var settings = Watcher.Settings(
            output: scratch.url.appendingPathComponent("out"), jobs: jobs, queueCapacity: queue, dedupeWindow: window,
            stopTimeout: stopTimeout)
        configure(&settings)
        watcher = Watcher(settings: settings, investigator: investigator, ledger: ledger, firstEntry: firstEntry)
    }

    /// Ends the run as `watch` does and returns the outcome lines, decoded.
    func finish() async throws -> [OutcomeLine] {
        await watcher.closeAll()
        await ledger.finish()
        close(output)
        return try outcomes()
    }

    func outcomes() throws -> [OutcomeLine] {
        try scratch.lines("outcomes.jsonl").map { try JSONDecoder().decode(OutcomeLine.self, from: Data($0.utf8)) }
    }
}

/// An outcome line as a reader decodes it.
struct OutcomeLine: Decodable, Hashable {
    var action: String
    var alert: AlertIdentity
    var bundle: String?
    var error: String?
    var verdict: String?
}
