
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
    package init(
        kind: Kind, permissions: UInt32, size: Int64, inode: UInt64, changeTimeNanoseconds: Int64,
        modificationTimeNanoseconds: Int64, isWhiteout: Bool
    ) {
        self.kind = kind
        self.permissions = permissions
        self.size = size
        self.inode = inode
        self.changeTimeNanoseconds = changeTimeNanoseconds
        self.modificationTimeNanoseconds = modificationTimeNanoseconds
        self.isWhiteout = isWhiteout
    }

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

    package init(sha256: String, size: Int64) {
        self.sha256 = sha256
        self.size = size
    }
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
