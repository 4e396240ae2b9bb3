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
        status: Int32, signal: Int32?, timedOut: Bool, stdout: Data, stderr: String, seconds: Double,
        maxResidentKiB: Int?
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
    ///   - directory: the working directory (default: the test's own).
    package static func run(
        _ arguments: [String], input: Data? = nil, environment: [String: String] = [:], timeLimit: Double = 120,
        measureMemory: Bool = false, user: (name: String, group: String)? = nil, binary: URL? = nil,
        directory: URL? = nil
    ) throws -> ToolRun {
        let tool = binary ?? Self.binary
        guard FileManager.default.isExecutableFile(atPath: tool.path) else { throw ToolRunError.notBuilt(tool.path) }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "tool-run-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let timeFile = scratch.appendingPathComponent("rss")

        var command = [tool.path] + arguments
        if let user {
            command = ["/usr/bin/setpriv", "--reuid=\(user.name)", "--regid=\(user.group)", "--clear-groups"] + command
        }
        if measureMemory { command = ["/usr/bin/time", "-f", "%M", "-o", timeFile.path] + command }
        if let directory { command = ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, directory.path] + command }

        var processEnvironment = ProcessInfo.processInfo.environment
        // The tool must reach only the engine the test names.
        for name in ["DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "NO_COLOR"] {
            processEnvironment[name] = nil
        }
        processEnvironment.merge(environment) { _, new in new }
        let child = try ChildProcess(command, environment: processEnvironment, input: input)
        var run = child.finish(within: timeLimit)
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
}

/// A process started with `posix_spawn` and reaped with `waitpid`, its output collected as it comes.
///
/// Not Foundation's `Process`: on Linux its `waitUntilExit` spins a run loop at full speed and it
/// can miss the exit of a child whose own children (a daemon it started) live on.
package final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` and `output` are written by the waiter and reader threads under `lock`.
    package let pid: pid_t
    private let started = Date()
    private let lock = NSLock()
    private var status: Int32?
    private var stdout = Data()
    private var stderr = Data()
    private var readersDone = false
    private let exited = DispatchSemaphore(value: 0)
    private let drained = DispatchSemaphore(value: 0)

    /// Starts `command` (`command[0]` found on `PATH` when not a path).
    package init(_ command: [String], environment: [String: String], input: Data? = nil) throws {
        var output = [Int32](repeating: -1, count: 2)
        var errors = [Int32](repeating: -1, count: 2)
        var entry = [Int32](repeating: -1, count: 2)
        guard pipe(&output) == 0, pipe(&errors) == 0, pipe(&entry) == 0 else { throw POSIXError(.EMFILE) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, entry[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for descriptor in output + errors + entry { posix_spawn_file_actions_addclose(&actions, descriptor) }

        let argv = command.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, command[0], &actions, nil, argv, envp)
        for descriptor in [output[1], errors[1], entry[0]] { close(descriptor) }
        guard spawned == 0 else {
            for descriptor in [output[0], errors[0], entry[1]] { close(descriptor) }
            throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .ENOENT)
        }
        self.pid = pid

        let (out, err, inp) = (output[0], errors[0], entry[1])
        Thread {
            if let input { input.withUnsafeBytes { _ = write(inp, $0.baseAddress, $0.count) } }
            close(inp)
        }.start()
        Thread { [self] in
            var code: Int32 = 0
            while waitpid(self.pid, &code, 0) < 0 {
                guard errno == EINTR else {
                    code = 255 << 8  // reaped by someone else: say "exit 255" rather than success
                    break
                }
            }
            lock.lock()
            status = code
            lock.unlock()
            exited.signal()
        }.start()
        Thread { [self] in
            drain(out, err)
            drained.signal()
        }.start()
    }

    /// What the process has written to stderr so far.
    package var stderrSoFar: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stderr, as: UTF8.self)
    }

    /// What the process has written to stdout so far.
    package var stdoutSoFar: String {
        lock.lock()
        defer { lock.unlock() }
        return String(decoding: stdout, as: UTF8.self)
    }

    /// Whether the process has not exited yet.
    package var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        return status == nil
    }

    /// Waits for the end, killing the process (and what it started) at `seconds`.
    package func finish(within seconds: Double) -> ToolRun {
        var timedOut = false
        if exited.wait(timeout: .now() + seconds) == .timedOut {
            timedOut = true
            // Our own child and its descendants, by pid.
            for pid in Self.descendants(of: pid) + [pid] { kill(pid, SIGKILL) }
            exited.wait()
        }
        // A daemon the child left behind may hold its output open: stop reading soon after the exit.
        if drained.wait(timeout: .now() + 5) == .timedOut {
            lock.lock()
            readersDone = true
            lock.unlock()
            drained.wait()
        }
        lock.lock()
        defer { lock.unlock() }
        let code = status ?? 0
        let signalled = code & 0x7F != 0 && code & 0x7F != 0x7F
        return ToolRun(
            status: signalled ? code & 0x7F : (code >> 8) & 0xFF, signal: signalled ? code & 0x7F : nil,
            timedOut: timedOut, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self),
            seconds: Date().timeIntervalSince(started), maxResidentKiB: nil)
    }

    /// Reads both pipes until both end (or `readersDone` is set), then closes them.
    private func drain(_ out: Int32, _ err: Int32) {
        var open = [out, err]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            lock.lock()
            let stop = readersDone
            lock.unlock()
            if stop { break }
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&polled, nfds_t(polled.count), 100) >= 0 || errno == EINTR else { break }
            for entry in polled where entry.revents != 0 {
                let count = read(entry.fd, &buffer, buffer.count)
                if count <= 0 {
                    open.removeAll { $0 == entry.fd }
                    continue
                }
                lock.lock()
                if entry.fd == out {
                    stdout.append(contentsOf: buffer[0..<count])
                } else {
                    stderr.append(contentsOf: buffer[0..<count])
                }
                lock.unlock()
            }
        }
        close(out)
        close(err)
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
}
