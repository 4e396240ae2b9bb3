import Crypto
import DockerEngine
import Foundation

/// What the engine's host shows us beyond the API: overlay dirs and `/proc`.
///
/// Live runs read the real filesystem (and can record what they read); replays answer from the
/// recording; a remote engine has no host view at all. Every path handed in is a host path the
/// caller built from engine data; `HostPath` joins container paths onto them safely.
package protocol HostView: Sendable {
    /// `lstat` of a host path, never following a final symlink.
    func fileInfo(_ path: String) -> HostFileInfo?
    /// The target of a symlink, e.g. `/proc/<pid>/exe` → `/tmp/x (deleted)` or `/memfd:x (deleted)`.
    func linkTarget(_ path: String) -> String?
    /// SHA-256 and size of a file's content, read in chunks (`/proc/<pid>/exe` of a deleted binary works).
    func digest(_ path: String) -> HostDigest?
    /// A small text file (`/proc/<pid>/cgroup`, `/proc/<pid>/status`), at most `limit` bytes.
    func text(_ path: String, limit: Int) -> String?
    /// The names in a folder (`/proc`), sorted.
    func entries(_ path: String) -> [String]?
}

/// The parts of `lstat` an investigation weighs.
package struct HostFileInfo: Sendable, Hashable, Codable {
    package enum Kind: String, Sendable, Hashable, Codable { case file, directory, symlink, other }
    package var kind: Kind
    /// POSIX permission and special bits (`0o4755`).
    package var permissions: UInt32
    package var size: Int64
    package var inode: UInt64
    /// Nanoseconds since the epoch, exact: compared with Falco's `proc.exe_ino.ctime`.
    package var changeTimeNanoseconds: Int64
    package var modificationTimeNanoseconds: Int64
    /// Overlayfs marks a file deleted in the upper layer with a 0/0 character device (a whiteout).
    package var isWhiteout: Bool
}

package struct HostDigest: Sendable, Hashable, Codable {
    package var sha256: String
    package var size: Int64
}

/// No access to the engine's host (a remote engine, or a run that chose not to look).
package struct NoHostView: HostView {
    package init() {}
    package func fileInfo(_ path: String) -> HostFileInfo? { nil }
    package func linkTarget(_ path: String) -> String? { nil }
    package func digest(_ path: String) -> HostDigest? { nil }
    package func text(_ path: String, limit: Int) -> String? { nil }
    package func entries(_ path: String) -> [String]? { nil }
}

/// The real filesystem of this machine, which is the engine's host when the endpoint is a local socket.
/// With a recorder attached, everything read is kept so a replay can answer the same way.
package struct LocalHostView: HostView {
    private let recorder: RecordingTransport?

    package init(recordingInto recorder: RecordingTransport? = nil) {
        self.recorder = recorder
    }

    package func fileInfo(_ path: String) -> HostFileInfo? {
        var info = stat()
        let result: HostFileInfo?
        if lstat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            let kind: HostFileInfo.Kind =
                type == S_IFREG ? .file : type == S_IFDIR ? .directory : type == S_IFLNK ? .symlink : .other
            result = HostFileInfo(
                kind: kind, permissions: UInt32(info.st_mode & 0o7777), size: Int64(info.st_size),
                inode: UInt64(info.st_ino),
                changeTimeNanoseconds: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
                modificationTimeNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                isWhiteout: type == S_IFCHR && info.st_rdev == 0)
        } else {
            result = nil
        }
        record("stat", path, result)
        return result
    }

    package func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        let result = count >= 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        record("readlink", path, result)
        return result
    }

    package func digest(_ path: String) -> HostDigest? {
        // O_NOFOLLOW would refuse /proc/<pid>/exe (a magic link we do want to open); callers only pass
        // /proc links or paths HostPath has checked component by component.
        let result: HostDigest?
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            var hasher = SHA256()
            var size: Int64 = 0
            var failed = false
            do {
                // `read(upToCount:)` answers nil, not empty data, at the end of the file.
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    hasher.update(data: chunk)
                    size += Int64(chunk.count)
                }
            } catch {
                failed = true
            }
            result = failed ? nil : HostDigest(sha256: hasher.finalize().hexString, size: size)
        } else {
            result = nil
        }
        record("sha256", path, result)
        return result
    }

    package func text(_ path: String, limit: Int) -> String? {
        let result = FileHandle(forReadingAtPath: path).flatMap { handle -> String? in
            defer { try? handle.close() }
            // At the end of the file `read` answers nil: an empty file is empty text.
            guard let data = try? handle.read(upToCount: limit) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }
        record("read", path, result)
        return result
    }

    package func entries(_ path: String) -> [String]? {
        let result = (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted()
        record("list", path, result)
        return result
    }

    private func record<Value: Encodable>(_ operation: String, _ path: String, _ value: Value?) {
        guard let recorder else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text: String?
        if let value {
            text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
        } else {
            text = nil
        }
        try? recorder.record(.init(operation: operation, path: path, result: text, error: value == nil ? "unreadable" : nil))
    }
}

/// Answers host questions from a recording, exactly as the recorded run saw its host.
package struct ReplayedHostView: HostView {
    private let replay: ReplayTransport

    package init(_ replay: ReplayTransport) {
        self.replay = replay
    }

    package func fileInfo(_ path: String) -> HostFileInfo? { answer("stat", path) }
    package func linkTarget(_ path: String) -> String? { answer("readlink", path) }
    package func digest(_ path: String) -> HostDigest? { answer("sha256", path) }
    package func text(_ path: String, limit: Int) -> String? { answer("read", path) }
    package func entries(_ path: String) -> [String]? { answer("list", path) }

    private func answer<Value: Decodable>(_ operation: String, _ path: String) -> Value? {
        guard let text = replay.observation(operation, path: path)?.result else { return nil }
        return try? JSONDecoder().decode(Value.self, from: Data(text.utf8))
    }
}

/// Joins a path from inside the container (attacker-influenced) onto a host folder without escaping it.
package enum HostPath {
    /// `root` + `containerPath`, or nil when the container path has `..`, NUL, or is not absolute.
    /// Intermediate symlinks are checked by `resolve(_:in:host:)`.
    package static func join(_ root: String, _ containerPath: String) -> String? {
        guard containerPath.hasPrefix("/"), !containerPath.contains("\0") else { return nil }
        let parts = containerPath.split(separator: "/")
        guard !parts.contains(where: { $0 == ".." || $0 == "." }) else { return nil }
        return root + "/" + parts.joined(separator: "/")
    }

    /// Like `join`, and also refuses a path whose intermediate components are symlinks in the host
    /// folder (a container can plant `/tmp -> /` in its writable layer).
    package static func resolve(_ containerPath: String, in root: String, host: any HostView) -> String? {
        guard let joined = join(root, containerPath) else { return nil }
        let parts = containerPath.split(separator: "/")
        var current = root
        for part in parts.dropLast() {
            current += "/" + part
            if let info = host.fileInfo(current), info.kind == .symlink { return nil }
        }
        return joined
    }
}
