import Foundation
import Synchronization

/// Turns each connection libcurl opens into `ssh [-p PORT] -- DESTINATION docker system dial-stdio`, the
/// command the docker CLI runs for an `ssh://` host: libcurl connects to a private Unix socket (in a 0700
/// folder of its own), and each accepted connection is handed to a new ssh as its standard input and output.
/// ssh's own messages (host key, authentication) go to our standard error. When libcurl closes the
/// connection, ssh's input ends, the remote dial-stdio ends, and ssh exits.
final class SSHDialer: @unchecked Sendable {
    // @unchecked: `listener`, `children` and `lastFailure` are only touched under `lock`.
    let arguments: [String]
    private let lock = NSLock()
    private var listener: (descriptor: Int32, folder: String)?
    private var children: Set<pid_t> = []
    private var lastFailure: String?

    init(destination: String, port: Int?, connectTimeout: Double) {
        var arguments = ["ssh", "-o", "ConnectTimeout=\(max(1, Int(connectTimeout.rounded(.up))))", "-T"]
        if let port { arguments += ["-p", String(port)] }
        self.arguments = arguments + ["--", destination, "docker", "system", "dial-stdio"]
        Self.registerExitCleanup
        let entry = Weak(dialer: self)
        Self.dialers.withLock { $0[ObjectIdentifier(self)] = entry }
    }

    deinit {
        let id = ObjectIdentifier(self)
        Self.dialers.withLock { _ = $0.removeValue(forKey: id) }
        stop()
    }

    /// Ends every ssh and removes the socket. The remote `dial-stdio` does not end when its input does (the
    /// engine keeps the connection open), so, as the docker CLI does, ssh is killed rather than left to exit.
    func stop() {
        lock.withLock {
            if let listener {
                shutdown(listener.descriptor, Int32(SHUT_RDWR))
                _ = Glibc.close(listener.descriptor)
                unlink(listener.folder + "/ssh.sock")
                rmdir(listener.folder)
            }
            listener = nil
            for child in children { kill(child, SIGKILL) }
        }
    }

    /// Dialers alive, so that the process's exit ends their ssh processes (a transport may live to the end).
    private static let dialers = Mutex<[ObjectIdentifier: Weak]>([:])
    private struct Weak: @unchecked Sendable { weak var dialer: SSHDialer? }
    private static let registerExitCleanup: Void = {
        atexit {
            let all = SSHDialer.dialers.withLock { Array($0.values) }
            for entry in all { entry.dialer?.stop() }
        }
    }()

    /// Why the last connection got no ssh (it could not be started), if it did not.
    var failure: String? { lock.withLock { lastFailure } }

    /// The socket libcurl connects to, made and listened on at first use.
    func socketPath() throws -> String {
        try lock.withLock {
            if let listener { return listener.folder + "/ssh.sock" }
            var template = Array((FileManager.default.temporaryDirectory.path + "/alert-inspect-ssh.XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else { throw failure("cannot make a private folder for the ssh socket") }
            let folder = String(cString: made)
            let path = folder + "/ssh.sock"
            let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard descriptor >= 0, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
                throw failure("cannot make the ssh socket \(path)")
            }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes + [0]) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard bound == 0, listen(descriptor, 64) == 0 else { throw failure("cannot listen on \(path)") }
            listener = (descriptor, folder)
            Thread { [weak self] in self?.acceptLoop(descriptor) }.start()
            return path
        }
    }

    private func failure(_ what: String) -> DockerEngineError {
        .transport(endpoint: "ssh", request: "setup", detail: "\(what): \(String(cString: strerror(errno)))")
    }

    private func acceptLoop(_ listening: Int32) {
        while true {
            let connection = accept(listening, nil, nil)
            if connection < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // shut down
            }
            // Ssh processes are only started from this thread, so none can inherit it before this.
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            start(on: connection)
        }
    }

    /// Starts ssh with `connection` as its standard input and output; reaps it when it ends.
    private func start(on connection: Int32) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 clears close-on-exec on 0 and 1; every other descriptor of ours stays out of ssh.
        posix_spawn_file_actions_adddup2(&actions, connection, 0)
        posix_spawn_file_actions_adddup2(&actions, connection, 1)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var child: pid_t = 0
        let spawned = posix_spawnp(&child, "ssh", &actions, nil, argv, environ)
        lock.withLock {
            if spawned == 0 {
                lastFailure = nil
                children.insert(child)
            } else {
                let reason = spawned == ENOENT ? "ssh is not installed (no ssh on PATH)" : String(cString: strerror(spawned))
                lastFailure = "cannot start `\(arguments.joined(separator: " "))`: \(reason)"
            }
        }
        _ = Glibc.close(connection)
        guard spawned == 0 else { return }
        let child_ = child
        Thread { [weak self] in
            let child = child_
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
            _ = self?.lock.withLock { self?.children.remove(child) }
        }.start()
    }
}
