import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One run of the built `alert-inspect` binary: what it printed, how it ended, how long it took and
/// (when asked) the most memory it held. Hostile-engine, fault and read-only tests judge the tool
/// from outside, the way a user or a script sees it: exit code, stderr, stdout.
package struct ToolRun: Sendable, CustomStringConvertible {
    /// The exit status, or the signal number when `signal` is set.
    package var status: Int32
    /// Set when the process was ended by a signal (a crash, or our kill at the time limit).
    package var signal: Int32?
    /// The run went past its time limit and was killed.
    package var timedOut: Bool
    package var stdout: Data
    package var stderr: String
    package var seconds: Double
    /// Peak resident memory in KiB (`/usr/bin/time`'s `%M`), when measured.
    package var maxResidentKiB: Int?

    package init(
        status: Int32, signal: Int32?, timedOut: Bool, stdout: Data, stderr: String, seconds: Double, maxResidentKiB: Int?
    ) {
        self.status = status
        self.signal = signal
        self.timedOut = timedOut
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds
        self.maxResidentKiB = maxResidentKiB
    }

    /// Standard output as text (invalid UTF-8 shown as U+FFFD).
    package var output: String { String(decoding: stdout, as: UTF8.self) }

    /// Standard output parsed as JSON (the `--format json` report).
    package func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: stdout) as? [String: Any] else {
            throw ToolRunError.notJSON(output)
        }
        return object
    }

    package var description: String {
        var text = "exit \(status)"
        if let signal { text = "signal \(signal)" }
        if timedOut { text += " (killed at the time limit)" }
        text += String(format: " after %.1f s", seconds)
        if let maxResidentKiB { text += ", max RSS \(maxResidentKiB / 1024) MiB" }
        return text + "\nstderr: \(stderr)\nstdout: \(output.prefix(2000))"
    }
}

package enum ToolRunError: Error, CustomStringConvertible {
    case notBuilt(String)
    case notJSON(String)

    package var description: String {
        switch self {
        case .notBuilt(let path): return "\(path) is not built: run `swift build --build-tests` first"
        case .notJSON(let text): return "the output is not a JSON object: \(text.prefix(500))"
        }
    }
}

/// Runs the `alert-inspect` binary built next to the tests (`.build/debug/alert-inspect`).
package enum Tool {
    package static var binary: URL {
        Fixture.root.appendingPathComponent(".build/debug/alert-inspect")
    }

    /// Runs `alert-inspect arguments…` and waits for it, killing it at `timeLimit` seconds.
    ///
    /// - Parameters:
    ///   - input: standard input (empty when nil).
    ///   - measureMemory: run it under `/usr/bin/time` to learn its peak resident memory.
    ///   - user: run it as this user (e.g. `nobody`) through `setpriv`, with no supplementary groups.
    ///   - binary: another copy of the tool (e.g. one a non-root user can reach).
    package static func run(
        _ arguments: [String], input: Data? = nil, environment: [String: String] = [:], timeLimit: Double = 120,
        measureMemory: Bool = false, user: (name: String, group: String)? = nil, binary: URL? = nil
    ) throws -> ToolRun {
        let tool = binary ?? Self.binary
        guard FileManager.default.isExecutableFile(atPath: tool.path) else { throw ToolRunError.notBuilt(tool.path) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tool-run-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let timeFile = scratch.appendingPathComponent("rss")

        var command = [tool.path] + arguments
        if let user {
            command = ["/usr/bin/setpriv", "--reuid=\(user.name)", "--regid=\(user.group)", "--clear-groups"] + command
        }
        if measureMemory { command = ["/usr/bin/time", "-f", "%M", "-o", timeFile.path] + command }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var processEnvironment = ProcessInfo.processInfo.environment
        // The tool must reach only the engine the test names.
        for name in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "NO_COLOR"] {
            processEnvironment[name] = nil
        }
        processEnvironment.merge(environment) { _, new in new }
        process.environment = processEnvironment
        let stdout = Pipe()
        let stderr = Pipe()
        let stdin = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        process.standardInput = stdin

        let collected = Collected()
        let group = DispatchGroup()
        for (pipe, isOut) in [(stdout, true), (stderr, false)] {
            group.enter()
            Thread {
                let data = pipe.fileHandleForReading.readDataToEndOfFile()
                collected.set(data, isOut: isOut)
                group.leave()
            }.start()
        }

        let started = Date()
        try process.run()
        if let input { stdin.fileHandleForWriting.write(input) }
        try? stdin.fileHandleForWriting.close()

        let finished = DispatchSemaphore(value: 0)
        Thread {
            process.waitUntilExit()
            finished.signal()
        }.start()
        var timedOut = false
        if finished.wait(timeout: .now() + timeLimit) == .timedOut {
            timedOut = true
            // Our own child (and the tool under `time`), by pid.
            for pid in descendants(of: process.processIdentifier) + [process.processIdentifier] { kill(pid, SIGKILL) }
            finished.wait()
        }
        group.wait()
        let seconds = Date().timeIntervalSince(started)

        var run = ToolRun(
            status: process.terminationStatus,
            signal: process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil,
            timedOut: timedOut, stdout: collected.stdout,
            stderr: String(decoding: collected.stderr, as: UTF8.self), seconds: seconds, maxResidentKiB: nil)
        if measureMemory, let text = try? String(contentsOf: timeFile, encoding: .utf8) {
            // `time` passes the exit status on; a signal it notes on a line before the number.
            let lines = text.split(separator: "\n")
            run.maxResidentKiB = lines.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }.last
            if let line = lines.first(where: { $0.hasPrefix("Command terminated by signal") }) {
                run.signal = line.split(separator: " ").last.flatMap { Int32($0) }
            }
        }
        return run
    }

    /// The processes below `pid`, deepest first.
    private static func descendants(of pid: Int32) -> [Int32] {
        var children: [Int32: [Int32]] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let child = Int32(name),
                let stat = try? String(contentsOfFile: "/proc/\(name)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 1, let parent = Int32(fields[1]) { children[parent, default: []].append(child) }
        }
        func below(_ pid: Int32) -> [Int32] { (children[pid] ?? []).flatMap { below($0) + [$0] } }
        return below(pid)
    }

    private final class Collected: @unchecked Sendable {
        // @unchecked: written by the two reader threads under `lock`, read after both finished.
        private let lock = NSLock()
        private(set) var stdout = Data()
        private(set) var stderr = Data()

        func set(_ data: Data, isOut: Bool) {
            lock.lock()
            defer { lock.unlock() }
            if isOut { stdout = data } else { stderr = data }
        }
    }
}
