import EvidenceBundle
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `watch` run as a user runs it: the built binary, alerts on stdin, in a followed file and POSTed with curl,
/// signals, a burst. The lab's tests need its Docker engine; the others use an engine that is not there, or a
/// socket that takes requests and never answers (an engine hung mid-investigation).
@Suite(.serialized) struct WatchLiveTests {
    static var binary: URL { Tool.binary }

    /// An outcome line as a script reads it.
    struct Outcome: Decodable, Hashable {
        struct Alert: Decodable, Hashable {
            var containerId: String?
            var line: Int?
            var request: Int?
            var rule: String?
            var source: String
            var time: String?
            var uuid: String?
        }

        var action: String
        var alert: Alert
        var bundle: String?
        var error: String?
        var verdict: String?
    }

    /// A folder for one test; removed by `remove()`.
    struct Scratch {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "watch-live-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        }

        func path(_ name: String) -> String { url.appendingPathComponent(name).path }

        func listing(_ name: String) -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: path(name))) ?? []).sorted()
        }

        func lines(_ name: String) throws -> [String] {
            String(decoding: try Data(contentsOf: url.appendingPathComponent(name)), as: UTF8.self)
                .split(separator: "\n").map(String.init)
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    /// A running `watch`: its stdin to write to, its stdout lines and stderr as they come.
    final class WatchRun: @unchecked Sendable {
        // @unchecked: `output` and `errors` are only touched under `lock`.
        let process = Process()
        private let input = Pipe()
        private let outputPipe = Pipe()
        private let errorPipe = Pipe()
        private let lock = NSLock()
        private var output = Data()
        private var errors = Data()

        init(_ arguments: [String]) throws {
            process.executableURL = WatchLiveTests.binary
            process.arguments = ["watch"] + arguments
            process.standardInput = input
            process.standardOutput = outputPipe
            process.standardError = errorPipe
            outputPipe.fileHandleForReading.readabilityHandler = { [self] handle in
                let data = handle.availableData
                lock.withLock { output.append(data) }
            }
            errorPipe.fileHandleForReading.readabilityHandler = { [self] handle in
                let data = handle.availableData
                lock.withLock { errors.append(data) }
            }
            try process.run()
        }

        var lines: [String] {
            let text = lock.withLock { String(decoding: output, as: UTF8.self) }
            return text.split(separator: "\n").map(String.init)
        }

        var outcomes: [Outcome] {
            get throws { try lines.map { try JSONDecoder().decode(Outcome.self, from: Data($0.utf8)) } }
        }

        var stderr: String { lock.withLock { String(decoding: errors, as: UTF8.self) } }

        func write(_ text: String) throws {
            try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
        }

        func closeInput() throws {
            try input.fileHandleForWriting.close()
        }

        func signal(_ number: Int32) {
            kill(process.processIdentifier, number)
        }

        /// Waits until `condition` holds, up to `seconds`.
        func until(_ seconds: Double, _ condition: () throws -> Bool) async rethrows -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if try condition() { return true }
                try? await Task.sleep(for: .milliseconds(20))
            }
            return try condition()
        }

        /// The exit status, once it ended within `seconds` (else it is killed and `nil` returned).
        func exit(within seconds: Double) async -> Int32? {
            let ended = await until(seconds) { !process.isRunning }
            if !ended {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return nil
            }
            process.waitUntilExit()
            // Let the last bytes of its pipes arrive.
            try? await Task.sleep(for: .milliseconds(100))
            return process.terminationStatus
        }

        /// `VmHWM` of the running process, in KiB.
        var peakResidentKiB: Int? {
            guard
                let status = try? String(
                    contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)
            else { return nil }
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") }
            return line.flatMap { Int($0.filter(\.isNumber)) }
        }

        /// The port `--listen 127.0.0.1:0` picked, from the line it writes on stderr.
        func listeningPort() async -> Int? {
            var port: Int?
            _ = await until(10) {
                guard let range = stderr.range(of: "listening on http://127.0.0.1:") else { return false }
                port = Int(stderr[range.upperBound...].prefix { $0.isNumber })
                return port != nil
            }
            return port
        }
    }

    /// A socket that takes connections and never answers: an engine hung mid-request. Counting the connections
    /// tells when an investigation has started. Closed by `close()`.
    final class SilentEngine {
        let path: String
        private let descriptor: Int32
        private var accepted: [Int32] = []

        init(in scratch: Scratch) throws {
            path = scratch.path("silent.sock")
            descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                buffer.copyBytes(from: bytes)
                buffer[bytes.count] = 0
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            try #require(bound == 0)
            try #require(listen(descriptor, 64) == 0)
        }

        var host: String { "unix://" + path }

        /// Waits until `count` connections in all have come (each is kept open and never answered).
        func waitForConnections(_ count: Int, within seconds: Double) async -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while accepted.count < count, Date() < deadline {
                var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                if poll(&entry, 1, 0) > 0 {
                    let connection = accept(descriptor, nil, nil)
                    if connection >= 0 { accepted.append(connection) }
                } else {
                    try? await Task.sleep(for: .milliseconds(10))
                }
            }
            return accepted.count >= count
        }

        func close() {
            for connection in accepted + [descriptor] { _ = Glibc.close(connection) }
        }
    }

    /// A Falco 0.43-shaped alert line; `uuid` makes it a falcosidekick re-post.
    static func alertLine(container: String, exe: String = "/tmp/payload", uuid: String? = nil) -> String {
        var line = "{"
        if let uuid { line += "\"uuid\":\"\(uuid)\"," }
        line += "\"hostname\":\"vm\",\"output\":\"x\",\"priority\":\"Critical\","
        line += "\"rule\":\"Drop and execute new binary in container\",\"source\":\"syscall\",\"tags\":[],"
        line += "\"time\":\"2026-11-29T11:24:13.352372868Z\",\"output_fields\":{\"container.id\":\"\(container)\","
        line +=
            "\"evt.type\":\"execve\",\"evt.arg.flags\":\"EXE_WRITABLE|EXE_UPPER_LAYER\",\"proc.exepath\":\"\(exe)\"}}"
        return line
    }

    /// POSTs (or sends `method`) with curl to the watcher: the status and the body.
    static func curl(port: Int, body: Data?, method: String = "POST", path: String = "/") throws -> (Int, String) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curl-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var arguments = ["-s", "-X", method, "-o", "-", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"]
        if let body {
            try body.write(to: scratch)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@" + scratch.path]
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let status = Int(text.split(separator: "\n").last ?? "") ?? 0
        return (status, String(text.split(separator: "\n").dropLast().joined(separator: "\n")))
    }

    static func verify(_ bundle: String) throws -> Int32 {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["verify", bundle]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    // MARK: - Against the lab

    @Test(.lab)
    func `the lab's alerts with repeats, a host alert and a bad line: every line accounted for, every bundle verifies`()
        async throws
    {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let engine = try Lab.require(.docker)
        guard case .success(let manifest) = Lab.manifest else { throw Lab.LabError.noManifest(Lab.manifestURL.path) }
        let labLines = try String(contentsOf: manifest.alertsURL, encoding: .utf8).split(separator: "\n").map(
            String.init)
        let dropped = try engine.scenario("dropped")
        let droppedLine = try #require(labLines.first { $0.contains(dropped.shortId) })
        let hostLine = droppedLine.replacingOccurrences(
            of: "\"container.id\":\"\(dropped.shortId)\"", with: "\"container.id\":\"host\"")
        let stream = labLines + [droppedLine, "{\"rule\": \"cut", hostLine, droppedLine]
        let scratch = try Scratch()
        defer { scratch.remove() }

        let run = try WatchRun([
            "--input", "-", "--out", scratch.path("out"), "--host", engine.host,
            "--journal", scratch.path("journal.jsonl"),
        ])
        try run.write(stream.joined(separator: "\n") + "\n")
        try run.closeInput()
        #expect(await run.exit(within: 240) == 0, "\(run.stderr)")
        let outcomes = try run.outcomes
        #expect(outcomes.count == stream.count, "one line per alert: \(run.lines)")
        let byLine = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.alert.line ?? 0, $0) })
        let labCount = labLines.count

        // Every lab alert is investigated into a bundle that verifies, with the verdict the lab expects.
        let scenarios = Dictionary(uniqueKeysWithValues: engine.scenarios.values.map { ($0.shortId, $0) })
        for number in 1...labCount {
            let outcome = try #require(byLine[number])
            #expect(outcome.action == "investigated", "line \(number): \(outcome)")
            let bundle = try #require(outcome.bundle)
            #expect(try Self.verify(bundle) == 0, "\(bundle) verifies")
            #expect(
                try Data(contentsOf: URL(fileURLWithPath: bundle).appendingPathComponent("alert.json"))
                    == Data(labLines[number - 1].utf8), "alert.json is the line exactly")
            if let expected = scenarios[outcome.alert.containerId ?? ""]?.expectedVerdict {
                #expect(outcome.verdict == expected, "line \(number) \(outcome.alert.containerId ?? "")")
            }
        }
        let first = try #require(
            outcomes.first { $0.alert.line == labLines.firstIndex(of: droppedLine).map { $0 + 1 } })
        for number in [labCount + 1, labCount + 4] {
            #expect(byLine[number]?.action == "merged")
            #expect(byLine[number]?.bundle == first.bundle)
            #expect(byLine[number]?.verdict == first.verdict)
        }
        #expect(byLine[labCount + 2]?.action == "skipped")
        #expect(byLine[labCount + 2]?.error?.contains("line \(labCount + 2), byte") == true)
        #expect(byLine[labCount + 3]?.action == "skipped")
        #expect(byLine[labCount + 3]?.error?.contains("host event") == true)

        // The repeats are kept exactly, beside the bundle, sealed; the bundle still verifies.
        let bundleName = try #require(first.bundle.map { URL(fileURLWithPath: $0).lastPathComponent })
        let merged = try scratch.lines("out/\(bundleName).merged.jsonl")
        #expect(merged.count == 3)
        #expect(merged.last?.hasPrefix("{\"sealed\":") == true)
        struct Record: Decodable {
            var raw: String
            var mergedInto: String
        }
        for record in merged.dropLast() {
            let decoded = try JSONDecoder().decode(Record.self, from: Data(record.utf8))
            #expect(decoded.raw == droppedLine)
            #expect(decoded.mergedInto == bundleName)
        }
        #expect(!scratch.listing("out").contains { $0.hasPrefix(".") }, "no spool or staging folder is left")
        // The journal closed every entry it opened.
        let journal = try scratch.lines("journal.jsonl")
        #expect(journal.filter { $0.contains("\"record\":\"accepted\"") }.count == labCount + 2)
        #expect(journal.filter { $0.contains("\"record\":\"outcome\"") }.count == labCount + 2)
    }

    @Test(.lab) func `a burst of 10,000 identical alerts makes one bundle in bounded memory`() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let engine = try Lab.require(.docker)
        let dropped = try engine.scenario("dropped")
        let line =
            String(decoding: try dropped.alertData(), as: UTF8.self)
            .split(separator: "\n").joined(separator: " ") + "\n"
        let scratch = try Scratch()
        defer { scratch.remove() }
        let run = try WatchRun(["--input", "-", "--out", scratch.path("out"), "--host", engine.host])
        let chunk = String(repeating: line, count: 500)
        for _ in 0..<20 { try run.write(chunk) }
        // Every outcome is out before the input ends, so the peak is read from the live process.
        #expect(await run.until(240) { run.lines.count >= 10_000 }, "\(run.stderr)")
        let peak = try #require(run.peakResidentKiB)
        try run.closeInput()
        #expect(await run.exit(within: 60) == 0)
        let outcomes = try run.outcomes
        #expect(outcomes.count == 10_000)
        #expect(outcomes.filter { $0.action == "investigated" }.count == 1)
        #expect(outcomes.filter { $0.action == "merged" }.count == 9_999)
        let bundles = scratch.listing("out").filter { !$0.hasSuffix(".merged.jsonl") }
        #expect(bundles.count == 1)
        #expect(try Self.verify(scratch.path("out/\(bundles[0])")) == 0)
        #expect(try scratch.lines("out/\(bundles[0]).merged.jsonl").count == 10_000)
        // The 10,000 alerts are about 16 MiB: memory must not grow with them.
        #expect(peak < 96 * 1024, "peak RSS \(peak) KiB")
    }

    // MARK: - Without an engine

    @Test func `an engine that is not there fails each accepted alert with the reason and still exits 0`() async throws
    {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let run = try WatchRun([
            "--input", "-", "--out", scratch.path("out"), "--host", "unix://" + scratch.path("none.sock"),
        ])
        try run.write(
            [Self.alertLine(container: "aaaaaaaaaaaa"), Self.alertLine(container: "bbbbbbbbbbbb")]
                .joined(separator: "\n") + "\n")
        try run.closeInput()
        #expect(await run.exit(within: 60) == 0, "\(run.stderr)")
        let outcomes = try run.outcomes
        #expect(outcomes.map(\.action) == ["failed", "failed"])
        #expect(outcomes.allSatisfy { $0.error?.contains("none.sock") == true && $0.bundle == nil })
        #expect(scratch.listing("out") == [])
    }

    @Test func `HTTP: 200 when queued or merged, 400 for a bad body, 503 when full, 405 and 404 elsewhere`()
        async throws
    {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let engine = try SilentEngine(in: scratch)
        defer { engine.close() }
        let run = try WatchRun([
            "--listen", "127.0.0.1:0", "--out", scratch.path("out"), "--host", engine.host, "--timeout", "120",
            "--jobs", "1", "--queue", "1", "--stop-timeout", "1",
        ])
        let port = try #require(await run.listeningPort(), "\(run.stderr)")
        func post(_ text: String) throws -> (Int, String) { try Self.curl(port: port, body: Data(text.utf8)) }

        // The start-up check of the engine connects first.
        #expect(await engine.waitForConnections(1, within: 10))
        let first = try post(Self.alertLine(container: "aaaaaaaaaaaa", uuid: "0b0e8a6c-0000-4000-8000-000000000001"))
        #expect(first.0 == 200)
        #expect(first.1.contains("\"queued\""))
        // Once its investigation is at the engine (and hangs there), the queue's one place is free again.
        #expect(await engine.waitForConnections(2, within: 10))
        #expect(
            try post(Self.alertLine(container: "aaaaaaaaaaaa", uuid: "0b0e8a6c-0000-4000-8000-000000000002")).0 == 200)
        #expect(try post(Self.alertLine(container: "bbbbbbbbbbbb")).0 == 200)
        let full = try post(Self.alertLine(container: "cccccccccccc"))
        #expect(full.0 == 503)
        #expect(full.1.contains("queue is full"))
        let bad = try post("{\"rule\": ")
        #expect(bad.0 == 400)
        #expect(bad.1.contains("http request"))
        #expect(try post("").0 == 400)
        #expect(try post(Self.alertLine(container: "host")).0 == 200)
        #expect(try Self.curl(port: port, body: Data(repeating: 0x20, count: 2 << 20)).0 == 413)
        #expect(try Self.curl(port: port, body: nil, method: "GET").0 == 405)
        #expect(try Self.curl(port: port, body: Data("{}".utf8), path: "/elsewhere").0 == 404)

        run.signal(SIGTERM)
        #expect(await run.exit(within: 30) == 0, "\(run.stderr)")
        let outcomes = try run.outcomes
        #expect(outcomes.count == 8, "\(run.lines)")
        let byRequest = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.alert.request ?? 0, $0) })
        #expect(byRequest[1]?.alert.uuid == "0b0e8a6c-0000-4000-8000-000000000001")
        #expect(byRequest[1]?.action == "failed")
        #expect(byRequest[1]?.error?.contains("stopped") == true)
        #expect(byRequest[2]?.action == "failed")
        #expect(byRequest[2]?.error?.contains("merged into the investigation of http request 1") == true)
        #expect(byRequest[3]?.action == "failed")
        #expect(byRequest[3]?.error?.contains("before its turn") == true)
        #expect(byRequest[4]?.action == "skipped")
        #expect(byRequest[4]?.error?.contains("queue is full") == true)
        for request in 5...8 { #expect(byRequest[request]?.action == "skipped", "request \(request)") }
        #expect(scratch.listing("out") == [], "an interrupted investigation leaves nothing behind")
    }

    @Test func `SIGINT stops intake, cancels what hangs, exits 0; the journal lets a restart take it up`() async throws
    {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let engine = try SilentEngine(in: scratch)
        defer { engine.close() }
        let journal = scratch.path("journal.jsonl")
        let lines = ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc", "aaaaaaaaaaaa"].map {
            Self.alertLine(container: $0)
        }

        let run = try WatchRun([
            "--input", "-", "--out", scratch.path("out"), "--host", engine.host, "--timeout", "120", "--jobs", "1",
            "--journal", journal, "--stop-timeout", "60",
        ])
        try run.write(lines.joined(separator: "\n") + "\n")
        // The start-up check, then the first investigation, are at the engine.
        #expect(await engine.waitForConnections(2, within: 10))
        run.signal(SIGINT)
        #expect(await run.until(10) { run.stderr.contains("stopping") })
        // The first signal waits for the hung investigation (60 s); the second cancels it.
        try await Task.sleep(for: .milliseconds(300))
        #expect(run.process.isRunning)
        run.signal(SIGINT)
        #expect(await run.exit(within: 20) == 0, "\(run.stderr)")
        let outcomes = try run.outcomes
        #expect(outcomes.count == 4)
        #expect(outcomes.allSatisfy { $0.action == "failed" })
        #expect(scratch.listing("out") == [], "no half bundle, no staging folder, no spool")
        let records = try scratch.lines("journal.jsonl")
        #expect(records.filter { $0.contains("\"record\":\"accepted\"") }.count == 4)
        #expect(records.filter { $0.contains("\"record\":\"deferred\"") }.count == 4)
        #expect(!records.contains { $0.contains("\"record\":\"outcome\"") })

        // The restart takes up the four, under their first identity; this time the engine is simply absent.
        let restart = try WatchRun([
            "--input", "-", "--out", scratch.path("out"), "--host", "unix://" + scratch.path("none.sock"),
            "--journal", journal,
        ])
        try restart.closeInput()
        #expect(await restart.exit(within: 60) == 0, "\(restart.stderr)")
        #expect(restart.stderr.contains("taking up 4"))
        let again = try restart.outcomes
        #expect(again.compactMap(\.alert.line).sorted() == [1, 2, 3, 4])
        #expect(again.allSatisfy { $0.action == "failed" && $0.alert.source == "<stdin>" })
        #expect(try scratch.lines("journal.jsonl").filter { $0.contains("\"record\":\"outcome\"") }.count == 4)
    }

    @Test func `a followed file is read as it grows and across rotation, until SIGTERM`() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let file = scratch.url.appendingPathComponent("alerts.jsonl")
        let second = Self.alertLine(container: "bbbbbbbbbbbb")
        try Data((Self.alertLine(container: "aaaaaaaaaaaa") + "\n" + second.prefix(40)).utf8).write(to: file)
        let run = try WatchRun([
            "--input", file.path, "--out", scratch.path("out"), "--host", "unix://" + scratch.path("none.sock"),
            "--dedupe-window", "0",
        ])
        #expect(await run.until(10) { run.lines.count == 1 }, "\(run.stderr)")
        // The rest of line 2 arrives; then the file is rotated and a new one started.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((second.dropFirst(40) + "\n").utf8))
        try handle.close()
        #expect(await run.until(10) { run.lines.count == 2 })
        try FileManager.default.moveItem(at: file, to: scratch.url.appendingPathComponent("alerts.jsonl.1"))
        try Data((Self.alertLine(container: "cccccccccccc") + "\n").utf8).write(to: file)
        #expect(await run.until(10) { run.lines.count == 3 })
        run.signal(SIGTERM)
        #expect(await run.exit(within: 30) == 0, "\(run.stderr)")
        let outcomes = try run.outcomes
        #expect(outcomes.map(\.alert.containerId) == ["aaaaaaaaaaaa", "bbbbbbbbbbbb", "cccccccccccc"])
        #expect(outcomes.map(\.alert.line) == [1, 2, 1])
        #expect(outcomes.allSatisfy { $0.alert.source == file.path && $0.action == "failed" })
    }
}
