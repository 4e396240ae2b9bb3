import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A host process held by its `/proc/<pid>` folder descriptor, so that what is read through it is that
/// process's, not a later one's that got the same pid: once the process ends, every `openat` through the held
/// folder fails (`ESRCH`), where a path re-opened by number would reach whatever has the pid now.
///
/// Opening it checks that the process is the container's (its cgroup names the container's id) and records its
/// start time (`/proc/<pid>/stat` field 22, in clock ticks since boot); ``isStill()`` reads both again through
/// the descriptor after a long read, and the executable is opened through it too.
package final class ProcessHold {
    package let pid: Int
    /// Clock ticks after boot at which the process started.
    package let startTime: UInt64
    private var descriptor: Int32

    /// Why a process cannot be held.
    package struct Refusal: Error, CustomStringConvertible {
        package let description: String
    }

    /// Holds `pid` if its cgroup names `containerID` (12 characters or more of it).
    package init(pid: Int, containerID: String, proc: String = "/proc") throws(Refusal) {
        self.pid = pid
        descriptor = open("\(proc)/\(pid)", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw Refusal(description: "\(proc)/\(pid): \(lastError())") }
        do {
            startTime = try Self.startTime(descriptor)
            try Self.checkCgroup(descriptor, containerID: containerID)
        } catch {
            close(descriptor)
            throw error
        }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Opens the process's executable (`exe`) through the held folder: the bytes of this process's executable,
    /// or an error once it has ended.
    package func openExecutable() throws(Refusal) -> Int32 {
        let file = openat(descriptor, "exe", O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { throw Refusal(description: "/proc/\(pid)/exe: \(lastError())") }
        return file
    }

    /// Whether the held process is still there, in the same cgroup, with the start time it had when held.
    package func isStill(containerID: String) -> Bool {
        guard (try? Self.startTime(descriptor)) == startTime else { return false }
        return (try? Self.checkCgroup(descriptor, containerID: containerID)) != nil
    }

    private static func read(_ folder: Int32, _ name: String) throws(Refusal) -> String {
        let file = openat(folder, name, O_RDONLY | O_CLOEXEC)
        guard file >= 0 else { throw Refusal(description: "\(name): \(lastError())") }
        defer { close(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(file, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw Refusal(description: "\(name): \(lastError())") }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Field 22 of `stat`, counted after the command name's closing parenthesis (the name may hold anything).
    private static func startTime(_ folder: Int32) throws(Refusal) -> UInt64 {
        let text = try read(folder, "stat")
        guard let close = text.lastIndex(of: ")") else { throw Refusal(description: "stat: no command name") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the name come field 3 (state) onwards: field 22 is the 20th.
        guard fields.count >= 20, let start = UInt64(fields[19]) else {
            throw Refusal(description: "stat: no start time")
        }
        return start
    }

    private static func checkCgroup(_ folder: Int32, containerID: String) throws(Refusal) {
        let id = containerID.lowercased()
        guard id.count >= 12, id.allSatisfy(\.isHexDigit) else {
            throw Refusal(description: "'\(containerID)' is not a container id")
        }
        let cgroup = try read(folder, "cgroup")
        guard cgroup.lowercased().contains(id) else {
            throw Refusal(description: "its cgroup does not name container \(id.prefix(12))")
        }
    }
}
