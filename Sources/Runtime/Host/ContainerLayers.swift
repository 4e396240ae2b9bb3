/// Where a container's overlay layers are on the engine's host, and how that was found.
///
/// The mount table of a container process (`/proc/<pid>/mountinfo`, the overlay at `/`) names them for
/// every store: overlay2, containerd's snapshotter (whose inspect answer names none) and Podman. The
/// engine's `GraphDriver` data, where it has any, is the cross-check, and the fallback when the mount
/// table cannot be read. Where the two disagree the engine's is used (no process in the container can
/// change it) and the disagreement is reported.
package struct ContainerLayers: Sendable, Hashable {
    package enum Source: String, Sendable, Hashable, Codable {
        /// `/proc/<pid>/mountinfo` of the container's main process.
        case mountTable
        /// The engine's `GraphDriver.Data` (`UpperDir`, `LowerDir`).
        case graphDriver
        /// Neither: the layers were not found.
        case none
    }

    /// The writable layer on the host.
    package var upperDir: String?
    /// The image's layers on the host, uppermost first.
    package var lowerDirs: [String]
    package var source: Source
    /// How the layers were found, or why they were not, in one sentence.
    package var how: String
    /// Where the mount table and the engine disagree, or what could not be seen: for the report's
    /// limitations and evidence.
    package var notes: [String]

    /// The layers of a container as `host` shows them: `pid` is its main process's host pid (nil or 0
    /// when it is not running), `reportedUpper` and `reportedLowers` what the engine reports (its
    /// GraphDriver data), `snapshotter` whether its root file system is a containerd snapshot.
    package static func find(
        pid: Int?, reportedUpper engineUpper: String?, reportedLowers engineLowers: [String], snapshotter: Bool,
        host: any HostView
    ) -> ContainerLayers {
        let pid = pid ?? 0
        let mountinfoPath = "/proc/\(pid)/mountinfo"
        let table = pid > 0 ? host.text(mountinfoPath, limit: 1 << 20) : nil
        let root = table.flatMap { MountInfo.rootMount(MountInfo.parse($0)) }
        let overlay = root.flatMap(OverlayMount.init)

        if let overlay, let mounted = overlay.upperDir {
            var notes: [String] = []
            var upper = mounted
            if let engineUpper, engineUpper != mounted {
                notes.append(
                    "the engine's GraphDriver names the upper dir \(engineUpper), but the container's mount table (\(mountinfoPath)) has \(mounted): the engine's is used")
                upper = engineUpper
            }
            // overlay2 mounts its lower dirs through short symlinks (`l/<id>`); the engine's list is
            // the resolved one, and the mount table's count must match it.
            var lowers = engineLowers
            if !engineLowers.isEmpty {
                if engineLowers.count != overlay.lowerDirs.count {
                    notes.append(
                        "the engine's GraphDriver lists \(engineLowers.count) lower dirs, the container's mount table (\(mountinfoPath)) \(overlay.lowerDirs.count)")
                }
            } else {
                lowers = overlay.lowerDirs.compactMap { resolve($0, host: host) }
                if lowers.count != overlay.lowerDirs.count {
                    notes.append("\(overlay.lowerDirs.count - lowers.count) of the mount table's lower dirs are relative paths or unreadable links: not examined")
                }
            }
            var how = "from the mount table of the container's process \(pid) (\(mountinfoPath))"
            how += engineUpper == nil ? "; the engine names no overlay dirs" : engineUpper == mounted ? ", agreeing with the engine's GraphDriver" : ", which disagrees with the engine's GraphDriver"
            if overlay.metacopy == true {
                notes.append("the overlay is mounted with metacopy=on: an upper-dir file may hold only metadata, its data in a lower dir")
            }
            return ContainerLayers(upperDir: upper, lowerDirs: lowers, source: .mountTable, how: how, notes: notes)
        }

        var why: String
        if pid <= 0 {
            why = "the container is not running, so no process shows its mount table"
        } else if table == nil {
            why = "the container's mount table (\(mountinfoPath)) is not readable from here"
        } else if overlay != nil {
            why = "the container's root (/) is an overlay without an upper dir (read-only)"
        } else if let root {
            why = "the container's root (/) is a \(root.fileSystemType) mount, not an overlay"
        } else {
            why = "the container's mount table (\(mountinfoPath)) has no mount at /"
        }
        if let engineUpper {
            return ContainerLayers(
                upperDir: engineUpper, lowerDirs: engineLowers, source: .graphDriver,
                how: "from the engine's GraphDriver data (\(why))", notes: [])
        }
        if snapshotter, pid <= 0 {
            why = "the container is not running, and containerd's image store mounts its layers only while it runs: its upper dir (inode times of the files it wrote) and the image's lower dirs could not be seen"
        }
        return ContainerLayers(upperDir: nil, lowerDirs: [], source: .none, how: "not found: \(why)", notes: [why])
    }

    /// A lower dir as a directory path: a symlink (overlay2's `l/<id>`) followed once, relative targets
    /// taken from the link's folder. Nil for a relative entry (relative to the mounting process's cwd).
    static func resolve(_ path: String, host: any HostView) -> String? {
        guard path.hasPrefix("/") else { return nil }
        guard host.fileInfo(path)?.kind == .symlink else { return path }
        guard let target = host.linkTarget(path) else { return nil }
        if target.hasPrefix("/") { return normalize(target) }
        let folder = path.split(separator: "/").dropLast().joined(separator: "/")
        return normalize("/" + folder + "/" + target)
    }

    /// `.` and `..` removed from an absolute path.
    static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            switch part {
            case ".": continue
            case "..": if !parts.isEmpty { parts.removeLast() }
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }
}
