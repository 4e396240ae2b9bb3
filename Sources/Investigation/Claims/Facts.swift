import Foundation
import Runtime

/// What the alert says, reduced to what the claims weigh.
package struct AlertFacts: Sendable, Hashable {
    package var rule: String
    /// 12-character short id, or `host`.
    package var containerID: String?
    package var containerName: String?
    /// `repository:tag` (or the repository alone).
    package var image: String?
    /// `container.start_ts`, nanoseconds.
    package var containerStartNanoseconds: Int64?
    package var exePath: String?
    package var cmdline: String?
    package var flags: Set<String>
    /// `proc.exe_ino.ctime`, nanoseconds.
    package var exeChangeTimeNanoseconds: Int64?
    /// The event time, nanoseconds.
    package var timeNanoseconds: Int64?

    package init(
        rule: String, containerID: String? = nil, containerName: String? = nil, image: String? = nil,
        containerStartNanoseconds: Int64? = nil, exePath: String? = nil, cmdline: String? = nil,
        flags: Set<String> = [], exeChangeTimeNanoseconds: Int64? = nil, timeNanoseconds: Int64? = nil
    ) {
        self.rule = rule
        self.containerID = containerID
        self.containerName = containerName
        self.image = image
        self.containerStartNanoseconds = containerStartNanoseconds
        self.exePath = exePath
        self.cmdline = cmdline
        self.flags = flags
        self.exeChangeTimeNanoseconds = exeChangeTimeNanoseconds
        self.timeNanoseconds = timeNanoseconds
    }

    /// The executable ran from a memfd: by flag, or by Falco's `memfd:` exe path.
    package var isMemfd: Bool { flags.contains("EXE_FROM_MEMFD") || (exePath?.hasPrefix("memfd:") ?? false) }

    /// The rule that exists for binaries dropped into the writable layer implies the upper-layer claim.
    package var claimsUpperLayer: Bool {
        flags.contains("EXE_UPPER_LAYER") || rule == "Drop and execute new binary in container"
    }
}

/// The container as the engine describes it.
package struct ContainerFacts: Sendable, Hashable {
    package var id: String
    package var name: String
    /// `Config.Image`: the reference it was started from.
    package var image: String
    package var imageID: String
    package var startedAtNanoseconds: Int64?
    package var startedAt: String?
    package var running: Bool
    package var restartCount: Int

    package init(
        id: String, name: String, image: String, imageID: String, startedAtNanoseconds: Int64?, startedAt: String?,
        running: Bool, restartCount: Int
    ) {
        self.id = id
        self.name = name
        self.image = image
        self.imageID = imageID
        self.startedAtNanoseconds = startedAtNanoseconds
        self.startedAt = startedAt
        self.running = running
        self.restartCount = restartCount
    }
}

/// A container process, with what the host shows of its executable.
package struct ProcessFacts: Sendable, Hashable {
    /// Host pid (the engine's `top` runs on the host).
    package var pid: Int
    package var user: String?
    package var command: String
    /// `/proc/<pid>/exe` as the host reads it: `/tmp/x`, `/tmp/x (deleted)`, `/memfd:name (deleted)`; nil when unreadable.
    package var exeLink: String?

    package init(pid: Int, user: String?, command: String, exeLink: String?) {
        self.pid = pid
        self.user = user
        self.command = command
        self.exeLink = exeLink
    }

    /// The exe link without the kernel's ` (deleted)` suffix.
    package var exePath: String? {
        guard let exeLink else { return nil }
        return exeLink.hasSuffix(" (deleted)") ? String(exeLink.dropLast(" (deleted)".count)) : exeLink
    }
    package var exeDeleted: Bool { exeLink?.hasSuffix(" (deleted)") ?? false }
    package var isMemfd: Bool { exeLink?.hasPrefix("/memfd:") ?? false }
}

/// Everything gathered about the alert's executable.
package struct ExecutableEvidence: Sendable, Hashable {
    package enum ChangeKind: String, Sendable, Hashable { case added, modified, deleted }

    package var path: String
    /// The entry for `path` in `/changes`; nil when the path is not listed.
    package var listedChange: ChangeKind?
    /// `/changes` could be read (a removed container or a refusing engine leave it unknown).
    package var changesAvailable: Bool
    /// The archive endpoint's stat: true found, false 404, nil not asked or failed.
    package var existsInContainer: Bool?
    package var size: Int64?
    package var mode: String?
    package var sha256: String?
    /// Where `sha256` came from.
    package var digestSource: String?
    /// The file in the container's overlay upper dir, when the host shows it.
    package var upperFile: HostFileInfo?
    /// The upper dir itself is visible from here.
    package var upperDirVisible: Bool
    /// The upper dir's host path, and how it was found (`ContainerLayers.how`).
    package var upperDir: String?
    package var layersFound: String?
    /// Whether an image layer (lower dir) holds `path`: nil when the lower dirs are not visible.
    package var inImageLayers: Bool?
    /// Processes whose executable is `path` (or, for memfd alerts, a memfd).
    package var processes: [ProcessFacts]
    /// Host `/proc` of the container's processes was readable.
    package var procVisible: Bool

    package init(path: String) {
        self.path = path
        self.listedChange = nil
        self.changesAvailable = false
        self.existsInContainer = nil
        self.upperDirVisible = false
        self.processes = []
        self.procVisible = false
    }
}
