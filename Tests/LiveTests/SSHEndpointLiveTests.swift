import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `--host ssh://user@host:port` through `ssh … docker system dial-stdio`, as the docker CLI does, with a fake
/// `ssh` first on the PATH: it notes its arguments and pid, then does what the remote command does, relaying its
/// standard input and output to the lab's engine (with the docker CLI's own `system dial-stdio`).
@Suite struct SSHEndpointLiveTests {
    /// A folder with the fake `ssh`; `log` collects one line per start: its pid and arguments.
    struct FakeSSH {
        let folder: URL
        var log: URL { folder.appendingPathComponent("ssh.log") }

        init(engineHost: String) throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("fake-ssh-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let script = """
                #!/bin/sh
                echo "$$ $*" >> '\(folder.path)/ssh.log'
                exec docker -H '\(engineHost)' system dial-stdio
                """
            // Written through a close-on-exec descriptor: a process another test forks meanwhile must not
            // inherit it open for writing, or running the script fails with "Text file busy".
            let path = folder.appendingPathComponent("ssh").path
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
            guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
            defer { close(fd) }
            let bytes = Array(script.utf8)
            guard write(fd, bytes, bytes.count) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
        }

        var starts: [(pid: pid_t, arguments: String)] {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").compactMap { line in
                guard let space = line.firstIndex(of: " "), let pid = pid_t(line[..<space]) else { return nil }
                return (pid, String(line[line.index(after: space)...]))
            }
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test(.lab) func `an ssh host is reached through ssh … docker system dial-stdio, and no ssh outlives the run`() throws {
        let lab = try Lab.require(.docker)
        let scenario = try lab.scenario("dropped")
        let ssh = try FakeSSH(engineHost: lab.host)
        defer { ssh.remove() }
        let path = ssh.folder.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let run = try Tool.run(
            ["-H", "ssh://tester@engine.example:2222", "--alert", scenario.alert, "--format", "json"],
            environment: ["PATH": path], timeLimit: 120)
        #expect(run.status == 0, "\(run)")
        let json = try run.json()
        #expect(json["verdict"] as? String == "confirmed")
        #expect((json["engine"] as? [String: Any])?["endpoint"] as? String == "ssh://tester@engine.example:2222")
        let starts = ssh.starts
        #expect(!starts.isEmpty)
        for start in starts {
            #expect(start.arguments == "-o ConnectTimeout=10 -T -p 2222 -- tester@engine.example docker system dial-stdio")
        }
        // The remote dial-stdio does not end with its input; each ssh must have been ended by the tool.
        Thread.sleep(forTimeInterval: 0.5)
        for start in starts {
            let state = (try? String(contentsOfFile: "/proc/\(start.pid)/stat", encoding: .utf8)) ?? ""
            #expect(state.isEmpty || state.contains(") Z "), "ssh \(start.pid) still runs: \(state)")
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: NSTemporaryDirectory())) ?? []
        #expect(!leftovers.contains { $0.hasPrefix("alert-inspect-ssh.") }, "the private socket folder is removed")
    }

    @Test func `without ssh the reason is given, exit 69`() throws {
        let run = try Tool.run(["web", "-H", "ssh://tester@engine.example"], environment: ["PATH": "/nonexistent"])
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("ssh is not installed"), "\(run.stderr)")
    }

    @Test func `ssh hosts parse as the docker CLI takes them`() throws {
        let bad = try Tool.run(["web", "-H", "ssh://me:secret@host"])
        #expect(bad.status == 64 && bad.stderr.contains("no password"), "\(bad)")
        let path = try Tool.run(["web", "-H", "ssh://me@host/var/run/docker.sock"])
        #expect(path.status == 64 && path.stderr.contains("no path"), "\(path)")
    }
}
