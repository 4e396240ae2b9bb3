import Crypto
import DockerEngine
import EvidenceBundle
import FalcoAlerts
import Foundation
import Investigation
import TestSupport
import Testing
import DockerRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// `collect` and `verify` against the lab's real Docker engine.
@Suite(.serialized) struct CollectLiveTests {
    /// A fresh folder to put bundles in; removed by `remove()`.
    struct Scratch {
        let url: URL

        init() throws {
            url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "collect-live-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        }

        func listing() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
        }

        func remove() { try? FileManager.default.removeItem(at: url) }
    }

    /// Collects a lab scenario's alert into `destination` with the library, as the command does.
    func collect(_ scenario: Lab.Scenario, on name: Lab.EngineName = .docker, into destination: URL) async throws -> Collector.Result {
        let engine = try Lab.require(name)
        let alertBytes = Array(try scenario.alertData())
        let alert = try AlertFile.load(scenario.alertURL)
        let collector = Collector(
            engine: EngineConnection.Options(hostFlag: engine.host), settings: .init(toolVersion: "test"))
        return try await collector.collect(container: nil, alert: alert, alertBytes: alertBytes, into: destination)
    }

    static var binary: URL { Tool.binary }

    /// Runs the built tool to completion: its exit status and standard error.
    func run(_ arguments: [String], in folder: URL? = nil) throws -> (status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        if let folder { process.currentDirectoryURL = folder }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    func mode(_ url: URL) -> mode_t {
        var info = stat()
        _ = lstat(url.path, &info)
        return info.st_mode & 0o7777
    }

    @Test(.lab) func `the dropped binary's bundle holds the real file, checks with sha256sum and verify, and replays`()
        async throws
    {
        let scenario = try Lab.require(.docker).scenario("dropped")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bundle = scratch.url.appendingPathComponent("dropped")
        let result = try await collect(scenario, into: bundle)

        #expect(result.report.verdict.rawValue == "confirmed")
        // The investigation took the digest the bundle made as it extracted the file.
        #expect(result.report.executable?.sha256 == scenario.sha256)
        let payload = bundle.appendingPathComponent("files/payload")
        let bytes = try Data(contentsOf: payload)
        #expect(SHA256.hash(data: bytes).hexString == scenario.sha256)
        #expect(result.manifest.files.first { $0.path == "files/payload" }?.sha256 == scenario.sha256)
        #expect(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("files/payload.tar").path))
        #expect(try Data(contentsOf: bundle.appendingPathComponent("alert.json")) == scenario.alertData())
        for name in [
            "report.json", "report.md", "collection.log", "manifest.json", "SHA256SUMS", "engine/container.json",
            "engine/changes.json", "engine/top.json", "engine/image.json", "engine/history.json", "engine/events.json",
            "engine/version.json", "engine/info.json", "logs/window.raw", "logs/stdout.txt", "logs/stderr.txt",
        ] {
            #expect(FileManager.default.fileExists(atPath: bundle.appendingPathComponent(name).path), "\(name)")
        }
        #expect(mode(bundle) == 0o700)
        #expect(mode(payload) == 0o400)
        #expect(mode(bundle.appendingPathComponent("report.json")) == 0o600)
        #expect(scratch.listing() == ["dropped"], "no staging folder is left beside the bundle")

        // sha256sum -c inside the bundle, then verify, passes.
        let sums = Process()
        sums.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        sums.arguments = ["sha256sum", "-c", "--quiet", "SHA256SUMS"]
        sums.currentDirectoryURL = bundle
        try sums.run()
        sums.waitUntilExit()
        #expect(sums.terminationStatus == 0)
        #expect(try BundleVerifier.verify(bundle).isIntact)

        // The recording in the bundle answers an offline replay with the same verdict.
        let replay = try EngineConnection.open(.init(replay: bundle.appendingPathComponent("engine/recording")))
        let replayed = try await Investigator(connection: replay, settings: .init(toolVersion: "test"))
            .investigate(container: nil, alert: try AlertFile.load(bundle.appendingPathComponent("alert.json")))
        #expect(replayed.report.verdict == result.report.verdict)
        #expect(replayed.report.executable?.sha256 == scenario.sha256)
    }

    @Test(.lab) func `verify fails after one byte changes, a file is removed or a file is added`() async throws {
        let scenario = try Lab.require(.docker).scenario("dropped")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let original = scratch.url.appendingPathComponent("original")
        _ = try await collect(scenario, into: original)
        // The target depends on the executable: the binary is always there and current.
        #expect(try run(["verify", original.path]).status == 0)

        let tampers: [(String, (URL) throws -> Void, String)] = [
            (
                "byte",
                { bundle in
                    let log = bundle.appendingPathComponent("logs/stdout.txt")
                    var data = try Data(contentsOf: log)
                    data[data.startIndex] ^= 0x01
                    try data.write(to: log)
                }, "changed\tlogs/stdout.txt"
            ),
            (
                "removed",
                { bundle in
                    try FileManager.default.removeItem(at: bundle.appendingPathComponent("engine/top.json"))
                }, "missing\tengine/top.json"
            ),
            (
                "added",
                { bundle in
                    try Data("planted".utf8).write(to: bundle.appendingPathComponent("files/planted"))
                }, "extra\tfiles/planted"
            ),
        ]
        for (label, tamper, finding) in tampers {
            let copy = scratch.url.appendingPathComponent(label)
            try FileManager.default.copyItem(at: original, to: copy)
            try tamper(copy)
            let result = try BundleVerifier.verify(copy)
            #expect(
                result.findings.map(\.description).contains { $0.hasPrefix(finding) }, "\(label): \(result.findings)")
            #expect(result.findings.count == 1, "\(label): \(result.findings)")
            #expect(try run(["verify", copy.path]).status == 1)
        }
    }

    @Test(.lab, arguments: Lab.EngineName.dockers, ["deleted", "memfd"])
    func `a deleted or memfd executable is recovered from the host's /proc`(engine: Lab.EngineName, name: String) async throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let scenario = try Lab.require(engine).scenario(name)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let bundle = scratch.url.appendingPathComponent(name)
        let result = try await collect(scenario, on: engine, into: bundle)
        guard getuid() == 0 else {
            #expect(result.manifest.notes.contains { $0.contains("/proc") })
            return
        }
        let recovered = try #require(result.manifest.files.first { $0.kind == .hostRecovery })
        #expect(recovered.sha256 == scenario.sha256)
        #expect(recovered.producer.hasPrefix("host /proc/"))
        #expect(recovered.path.hasPrefix("files/proc-"))
        let bytes = try Data(contentsOf: bundle.appendingPathComponent(recovered.path))
        #expect(SHA256.hash(data: bytes).hexString == scenario.sha256)
        #expect(mode(bundle.appendingPathComponent(recovered.path)) == 0o400)
        #expect(try BundleVerifier.verify(bundle).isIntact)
    }

    @Test(.lab) func `an existing DIR is refused with exit 73 and left untouched`() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let engine = try Lab.require(.docker)
        let scenario = try engine.scenario("dropped")
        let scratch = try Scratch()
        defer { scratch.remove() }
        let existing = scratch.url.appendingPathComponent("taken")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: false)
        try Data("someone else's".utf8).write(to: existing.appendingPathComponent("notes.txt"))
        let outcome = try run(["collect", "--host", engine.host, "--alert", scenario.alert, "--out", existing.path])
        #expect(outcome.status == 73, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("already exists"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: existing.path) == ["notes.txt"])
        #expect(try Data(contentsOf: existing.appendingPathComponent("notes.txt")) == Data("someone else's".utf8))
        #expect(scratch.listing() == ["taken"])
    }

    @Test(.lab) func `SIGINT during a long transfer leaves nothing at DIR and says so`() async throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the tool first")
        let engine = try Lab.require(.docker)
        let image = try engine.scenario("dropped").image
        // A sparse 16 GiB executable: made at once, but the archive endpoint streams every byte of it,
        // so the transfer outlasts a loaded machine's slow start (nothing is stored: it is interrupted).
        let name = "collect-live-sparse-" + UUID().uuidString.prefix(6).lowercased()
        let started = try docker(
            engine,
            [
                "run", "-d", "--name", name, "--label", "alert-inspect.lab=1", "--network", "none", image,
                "sh", "-c", "truncate -s 16G /tmp/sparse && chmod 755 /tmp/sparse && touch /tmp/ready && sleep 600",
            ])
        #expect(started.status == 0, "\(started.output)")
        defer { _ = try? docker(engine, ["rm", "-f", name]) }
        let id = started.output.trimmingCharacters(in: .whitespacesAndNewlines)
        let client = try EngineConnection.open(.init(hostFlag: engine.host)).client
        for _ in 0..<50 {
            if try client.pathStat(id, path: "/tmp/ready") != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }

        let scratch = try Scratch()
        defer { scratch.remove() }
        let alert = scratch.url.appendingPathComponent("alert.json")
        let time = ISO8601DateFormatter().string(from: Date())
        try Data(
            #"{"rule":"Drop and execute new binary in container","priority":"Critical","time":"\#(time)","output":"x","output_fields":{"container.id":"\#(id.prefix(12))","container.name":"\#(name)","proc.exepath":"/tmp/sparse","evt.arg.flags":"EXE_WRITABLE|EXE_UPPER_LAYER"}}"#
                .utf8
        ).write(to: alert)
        let destination = scratch.url.appendingPathComponent("bundle")

        let process = Process()
        process.executableURL = Self.binary
        process.arguments = [
            "collect", "--host", engine.host, "--alert", alert.path, "--max-file-bytes", "32G", "--out",
            destination.path,
        ]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // Wait until the collection is under way (its staging folder exists), then interrupt it.
        var staged = false
        for _ in 0..<600 where !staged {
            try await Task.sleep(for: .milliseconds(50))
            staged = scratch.listing().contains { $0.hasPrefix(".bundle.partial-") }
        }
        try await Task.sleep(for: .milliseconds(700))
        #expect(staged)
        #expect(process.isRunning, "the transfer should still be running")
        let interrupted = Date()
        process.interrupt()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()

        #expect(process.terminationStatus == 1, "\(stderr)")
        #expect(stderr.contains("interrupted: no bundle written at \(destination.path)"), "\(stderr)")
        #expect(Date().timeIntervalSince(interrupted) < 10)
        #expect(scratch.listing() == ["alert.json"], "neither the bundle nor its staging folder may remain")
    }

    /// Runs the docker CLI against the lab engine (setting up a container is not the tool's job: it only reads).
    func docker(_ engine: Lab.Engine, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try engine.docker(arguments)
    }
}
