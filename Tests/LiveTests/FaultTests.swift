import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Faults a real engine goes through, on a private Docker engine of their own (never the shared
/// lab's, which other tests use at the same time): `Lab/lab.sh up docker` in a throwaway LAB_DIR,
/// plus a container holding a 256 MiB file and 128 MiB of logs so that `collect` is still
/// streaming when the engine is killed.
///
/// One test walks the engine through its faults in order, because each needs the state the one
/// before left: killed mid-stream (no half bundle, a clear error), its stale socket (refused),
/// started again (the next run works), stopped cleanly mid-stream (the same, then no socket at
/// all), started again, its socket closed to a non-root user, its socket removed.
/// The engine is stopped by `lab.sh down` (by its pid file) whatever happens.
@Suite(.lab, .serialized)
struct FaultTests {
    @Test(.timeLimit(.minutes(15)))
    func `an engine killed and stopped mid-collect, restarted, closed to others and gone`() throws {
        let engine = try PrivateEngine()
        defer { engine.down() }
        let scratch = try Scratch()
        defer { scratch.remove() }

        let alert = try engine.bigScenario(alertInto: scratch.url)
        try stoppedMidCollect(engine, by: SIGKILL, alert: alert, scratch: scratch)
        try staleSocketIsRefused(engine, alert: alert)
        try restartedEngineWorks(engine, alert: alert, scratch: scratch)
        try stoppedMidCollect(engine, by: SIGTERM, alert: alert, scratch: scratch)
        try cleanlyStoppedEngineIsMissing(engine, alert: alert)
        try restartedEngineWorks(engine, alert: alert, scratch: scratch)
        try socketClosedToNobody(engine, alert: alert, scratch: scratch)
        try socketRemoved(engine, alert: alert, scratch: scratch)
    }

    // MARK: - The faults

    /// dockerd killed (SIGKILL) or stopped (SIGTERM) while the archive and log streams of `collect` run.
    private func stoppedMidCollect(_ engine: PrivateEngine, by signal: Int32, alert: URL, scratch: Scratch) throws {
        let bundle = scratch.url.appendingPathComponent("stopped-by-\(signal)")
        let collect = try ChildProcess(
            [
                Tool.binary.path, "collect", "--alert", alert.path, "--host", engine.host, "--timeout", "10",
                "--window", "30m",
                "--out", bundle.path,
            ],
            environment: ProcessInfo.processInfo.environment)
        // Wait until the staging folder holds 32 MiB: both streams are then well under way.
        let deadline = Date().addingTimeInterval(120)
        var staged: Int64 = 0
        while collect.isRunning, Date() < deadline {
            staged = scratch.bytesStaged(excluding: [alert.lastPathComponent])
            if staged > 32 << 20 { break }
            usleep(20_000)
        }
        try #require(
            collect.isRunning,
            "collect ended before the engine could be stopped (\(staged) bytes staged): \(collect.finish(within: 60))")
        let killed = try #require(engine.pid(), "no dockerd pid")
        engine.arguments = try engine.commandLine(of: killed)
        kill(killed, signal)
        let run = collect.finish(within: 60)
        #expect(!run.timedOut, "collect hung after the engine died: \(run)")
        #expect(run.signal == nil, "collect crashed: \(run)")
        engine.waitGone(killed)
        if signal == SIGTERM, run.status == 0 {
            // A clean stop lets the engine finish the answers in flight: then the bundle must be whole.
            try expectWhole(bundle, run: run)
            try FileManager.default.removeItem(at: bundle)
            return
        }
        #expect(run.status == 69, "\(run)")
        #expect(
            run.stderr.contains("no bundle") || run.stderr.contains("not written") || run.stderr.contains(bundle.path),
            "\(run.stderr)")
        #expect(run.stderr.contains(engine.host), "the message should name the engine: \(run.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bundle.path), "a half bundle was left at \(bundle.path)")
        #expect(scratch.listing() == [alert.lastPathComponent], "leftovers: \(scratch.listing())")
    }

    /// A bundle that verifies and holds all of `/tmp/big` (256 MiB) and its hash in the report.
    private func expectWhole(_ bundle: URL, run: ToolRun) throws {
        let verify = try Tool.run(["verify", bundle.path], timeLimit: 300)
        #expect(verify.status == 0, "\(verify)")
        let report = try JSONSerialization.jsonObject(
            with: Data(contentsOf: bundle.appendingPathComponent("report.json")))
        let executable = (report as? [String: Any])?["executable"] as? [String: Any]
        #expect((executable?["size"] as? Int) == 256 << 20, "\(String(describing: executable))")
        #expect(executable?["sha256"] is String, "\(String(describing: executable))")
        let files = bundle.appendingPathComponent("files")
        let sizes = try FileManager.default.contentsOfDirectory(atPath: files.path).compactMap {
            try FileManager.default.attributesOfItem(atPath: files.appendingPathComponent($0).path)[.size] as? Int
        }
        #expect(sizes.contains(256 << 20), "no whole copy of /tmp/big among \(sizes): \(run)")
    }

    /// An engine stopped cleanly takes its socket with it: there is no engine at that path.
    private func cleanlyStoppedEngineIsMissing(_ engine: PrivateEngine, alert: URL) throws {
        if let pid = engine.pid() { engine.waitGone(pid) }
        #expect(
            !FileManager.default.fileExists(atPath: engine.socket), "dockerd stopped with SIGTERM removes its socket")
        let run = try Tool.run(
            ["inspect", "--alert", alert.path, "--host", engine.host, "--timeout", "5"], timeLimit: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("no engine socket at \(engine.socket)"), "\(run.stderr)")
    }

    /// The killed engine left its socket file behind: nobody listens there.
    private func staleSocketIsRefused(_ engine: PrivateEngine, alert: URL) throws {
        #expect(FileManager.default.fileExists(atPath: engine.socket), "dockerd killed with SIGKILL leaves its socket")
        let run = try Tool.run(
            ["inspect", "--alert", alert.path, "--host", engine.host, "--timeout", "5"], timeLimit: 60)
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("connection refused by \(engine.host)"), "\(run.stderr)")
        #expect(run.seconds < 15)
    }

    /// dockerd started again with the same command line: the next collect works and verifies.
    private func restartedEngineWorks(_ engine: PrivateEngine, alert: URL, scratch: Scratch) throws {
        try engine.restart()
        let bundle = scratch.url.appendingPathComponent("after-restart")
        let run = try Tool.run(
            [
                "collect", "--alert", alert.path, "--host", engine.host, "--timeout", "30", "--window", "30m", "--out",
                bundle.path,
            ],
            timeLimit: 300)
        #expect(run.status == 0, "\(run)")
        let verify = try Tool.run(["verify", bundle.path], timeLimit: 300)
        #expect(verify.status == 0, "\(verify)")
        let inspect = try Tool.run(
            ["inspect", "--alert", alert.path, "--host", engine.host, "--format", "json"], timeLimit: 300)
        #expect(inspect.status == 0, "\(inspect)")
        try? FileManager.default.removeItem(at: bundle)
    }

    /// The socket made unreadable to others (0600, root): as `nobody` every command says permission denied.
    private func socketClosedToNobody(_ engine: PrivateEngine, alert: URL, scratch: Scratch) throws {
        #expect(chmod(engine.socket, 0o600) == 0)
        defer { chmod(engine.socket, 0o660) }
        // A folder nobody may write to, for a bundle that must not appear.
        let open = scratch.url.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: false)
        chmod(open.path, 0o1777)
        chmod(scratch.url.path, 0o755)
        try FileManager.default.copyItem(at: alert, to: open.appendingPathComponent("alert.json"))
        chmod(open.appendingPathComponent("alert.json").path, 0o644)
        let nobody = (name: "nobody", group: "nogroup")
        let commands: [[String]] = [
            ["inspect", "--alert", open.appendingPathComponent("alert.json").path, "--host", engine.host],
            ["doctor", "--host", engine.host],
            [
                "collect", "--alert", open.appendingPathComponent("alert.json").path, "--host", engine.host,
                "--out", open.appendingPathComponent("bundle").path,
            ],
        ]
        for arguments in commands {
            let run = try Tool.run(arguments + ["--timeout", "5"], timeLimit: 60, user: nobody)
            #expect(run.status == 69, "\(arguments[0]): \(run)")
            #expect(run.stderr.contains("permission denied on \(engine.socket)"), "\(arguments[0]): \(run.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: open.appendingPathComponent("bundle").path))
        try? FileManager.default.removeItem(at: open)
    }

    /// The socket file removed while the engine runs: there is no engine at that path any more.
    private func socketRemoved(_ engine: PrivateEngine, alert: URL, scratch: Scratch) throws {
        #expect(unlink(engine.socket) == 0)
        for arguments in [["inspect", "--alert", alert.path], ["doctor"]] {
            let run = try Tool.run(arguments + ["--host", engine.host, "--timeout", "5"], timeLimit: 60)
            #expect(run.status == 69, "\(arguments[0]): \(run)")
            #expect(run.stderr.contains("no engine socket at \(engine.socket)"), "\(arguments[0]): \(run.stderr)")
        }
        let bundle = scratch.url.appendingPathComponent("no-socket")
        let run = try Tool.run(
            ["collect", "--alert", alert.path, "--host", engine.host, "--out", bundle.path], timeLimit: 60)
        #expect(run.status == 69, "\(run)")
        #expect(!FileManager.default.fileExists(atPath: bundle.path))
    }
}

// MARK: - A private engine

/// A lab of its own: `Lab/lab.sh up docker` with LAB_DIR in a fresh short folder under /tmp, so
/// its socket, data, cgroup and containerd are its own. `down()` stops it by pid file and removes it.
private final class PrivateEngine {
    let directory: URL
    /// dockerd's command line, saved before it is killed so it can be started again the same way.
    var arguments: [String] = []

    var socket: String { directory.appendingPathComponent("docker/docker.sock").path }
    var host: String { "unix://" + socket }
    private var pidFile: String { directory.appendingPathComponent("docker/dockerd.pid").path }
    private var environment: [String: String] {
        [
            "LAB_DIR": directory.path, "DOCKER_HOST": host,
            "DOCKER_CONFIG": directory.appendingPathComponent("docker/cli").path,
        ]
    }

    init() throws {
        directory = URL(fileURLWithPath: "/tmp/aifault-" + UUID().uuidString.prefix(8).lowercased())
        let run = try Tool.run(["up", "docker"], environment: environment, timeLimit: 600, binary: Self.labScript)
        guard run.status == 0 else {
            down()
            throw FaultError.setUp("Lab/lab.sh up docker in \(directory.path): \(run)")
        }
    }

    private static var labScript: URL { Fixture.root.appendingPathComponent("Lab/lab.sh") }

    /// Stops everything the private lab started (by its pid file and its folder) and removes the folder.
    func down() {
        _ = try? Tool.run(["down"], environment: environment, timeLimit: 300, binary: Self.labScript)
    }

    /// The `docker` CLI against this engine.
    @discardableResult
    func docker(_ arguments: [String], timeLimit: Double = 300) throws -> ToolRun {
        let run = try Tool.run(
            arguments, environment: environment, timeLimit: timeLimit, binary: URL(fileURLWithPath: Self.dockerCLI))
        guard run.status == 0 else { throw FaultError.setUp("docker \(arguments.joined(separator: " ")): \(run)") }
        return run
    }

    private static let dockerCLI: String = {
        for path in ["/usr/local/bin/docker", "/usr/bin/docker"]
        where FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        return "docker"
    }()

    /// A container holding `/tmp/big` (256 MiB) that wrote 128 MiB of logs, and a Falco alert
    /// claiming `/tmp/big` was dropped and run in it (the lab's `dropped` alert, re-pointed).
    func bigScenario(alertInto folder: URL) throws -> URL {
        let manifest =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: directory.appendingPathComponent("lab.json"))) as? [String: Any]
        let described = manifest?["docker"] as? [String: Any]
        let image = try #require(described?["image"] as? String)
        let dropped = (described?["scenarios"] as? [String: Any])?["dropped"] as? [String: Any]
        let droppedAlert = try #require(dropped?["alert"] as? String)
        let script = """
            dd if=/dev/urandom of=/tmp/big bs=1048576 count=256 2>/dev/null
            line=$(head -c 1023 /dev/zero | tr '\\0' x)
            yes "$line" | head -n 131072
            echo ready; exec sleep 100000
            """
        let id = try docker([
            "run", "-d", "--name", "fault-big", "--network", "none", "--label", "alert-inspect.lab=1", image, "sh",
            "-c", script,
        ]).output.trimmingCharacters(in: .whitespacesAndNewlines)
        let deadline = Date().addingTimeInterval(240)
        while try !docker(["logs", "--tail", "1", id]).output.contains("ready") {
            guard Date() < deadline else { throw FaultError.setUp("the big container never got ready") }
            Thread.sleep(forTimeInterval: 1)
        }
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: droppedAlert)))
        var alert = try #require(original as? [String: Any])
        var fields = alert["output_fields"] as? [String: Any] ?? [:]
        fields["container.id"] = String(id.prefix(12))
        fields["container.name"] = "fault-big"
        fields["proc.exepath"] = "/tmp/big"
        fields["proc.exe"] = "/tmp/big"
        alert["output_fields"] = fields
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        alert["time"] = formatter.string(from: Date())
        let url = folder.appendingPathComponent("fault-alert.json")
        try JSONSerialization.data(withJSONObject: alert, options: [.sortedKeys]).write(to: url)
        return url
    }

    /// dockerd's pid, from its pid file, when that process is alive and is dockerd.
    func pid() -> Int32? {
        guard let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
            let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.hasPrefix("dockerd") == true
        else { return nil }
        return pid
    }

    func commandLine(of pid: Int32) throws -> [String] {
        let raw = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))
        return raw.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    func waitGone(_ pid: Int32) {
        let deadline = Date().addingTimeInterval(20)
        while kill(pid, 0) == 0, Date() < deadline { usleep(50_000) }
    }

    /// Starts dockerd again with the command line it had, in its own session, and waits for its ping.
    func restart() throws {
        guard !arguments.isEmpty else { throw FaultError.setUp("no saved dockerd command line") }
        let log = directory.appendingPathComponent("docker/dockerd-restart.log").path
        let run = try Tool.run(
            ["-c", #"setsid -f "$@" >"$0" 2>&1 </dev/null"#, log] + arguments, environment: environment, timeLimit: 30,
            binary: URL(fileURLWithPath: "/bin/sh"))
        guard run.status == 0 else { throw FaultError.setUp("restarting dockerd: \(run)") }
        let deadline = Date().addingTimeInterval(60)
        while !Lab.ping(socketPath: socket) {
            guard Date() < deadline else { throw FaultError.setUp("dockerd did not answer after a restart (\(log))") }
            usleep(100_000)
        }
    }
}

/// A scratch folder for alerts and bundles.
private struct Scratch {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("faults-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    func listing() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    /// Bytes in every file below the folder but the ones named (a bundle being staged).
    func bytesStaged(excluding names: Set<String>) -> Int64 {
        guard let walker = FileManager.default.enumerator(at: url, includingPropertiesForKeys: [.fileSizeKey]) else {
            return 0
        }
        var total: Int64 = 0
        for case let file as URL in walker where !names.contains(file.lastPathComponent) {
            total += Int64((try? file.resourceValues(forKeys: [.fileSizeKey]).fileSize) ?? 0)
        }
        return total
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

private enum FaultError: Error, CustomStringConvertible {
    case setUp(String)

    var description: String {
        switch self {
        case .setUp(let what): return "fault test set-up failed: \(what)"
        }
    }
}
