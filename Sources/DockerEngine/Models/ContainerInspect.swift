/// `GET /containers/{id}/json`: everything the engine tells about one container.
///
/// Only identity (`Id`) is required; the rest is optional because engines and API versions differ
/// in what they send (Podman fills some fields differently, Docker 29 drops `GraphDriver` for
/// containerd-stored containers and adds `Storage`). Dates stay the engine's strings, exact, with
/// parsed accessors beside them.
package struct ContainerInspect: Codable, Sendable, Hashable {
    package struct State: Codable, Sendable, Hashable {
        package struct Health: Codable, Sendable, Hashable {
            package var status: String?
            package var failingStreak: Int?

            enum CodingKeys: String, CodingKey { case status = "Status", failingStreak = "FailingStreak" }
        }

        /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
        package var status: String?
        /// True while paused too (Docker semantics, which Podman copies).
        package var running: Bool?
        package var paused: Bool?
        package var restarting: Bool?
        package var oomKilled: Bool?
        package var dead: Bool?
        /// Host PID of the container's first process; 0 when not running.
        package var pid: Int?
        package var exitCode: Int?
        package var error: String?
        package var startedAt: String?
        package var finishedAt: String?
        package var health: Health?

        package init(status: String? = nil, running: Bool? = nil, pid: Int? = nil, startedAt: String? = nil, finishedAt: String? = nil) {
            self.status = status
            self.running = running
            self.pid = pid
            self.startedAt = startedAt
            self.finishedAt = finishedAt
        }

        enum CodingKeys: String, CodingKey {
            case status = "Status", running = "Running", paused = "Paused", restarting = "Restarting"
            case oomKilled = "OOMKilled", dead = "Dead", pid = "Pid", exitCode = "ExitCode", error = "Error"
            case startedAt = "StartedAt", finishedAt = "FinishedAt", health = "Health"
        }

        /// `StartedAt` parsed; `nil` when never started (Go's zero time).
        package var startedTime: EngineTime? { EngineTime.parseEngineDate(startedAt) }
        /// `FinishedAt` parsed; `nil` while it never finished (Go's zero time).
        package var finishedTime: EngineTime? { EngineTime.parseEngineDate(finishedAt) }
    }

    /// `HostConfig.Devices[]`.
    package struct DeviceMapping: Codable, Sendable, Hashable {
        package var pathOnHost: String?
        package var pathInContainer: String?
        package var cgroupPermissions: String?

        enum CodingKeys: String, CodingKey {
            case pathOnHost = "PathOnHost", pathInContainer = "PathInContainer", cgroupPermissions = "CgroupPermissions"
        }
    }

    /// `HostConfig.Mounts[]`: mounts as requested with `--mount`.
    package struct MountRequest: Codable, Sendable, Hashable {
        package var type: String?
        package var source: String?
        package var target: String?
        package var readOnly: Bool?

        enum CodingKeys: String, CodingKey {
            case type = "Type", source = "Source", target = "Target", readOnly = "ReadOnly"
        }
    }

    package struct LogConfig: Codable, Sendable, Hashable {
        package var type: String?
        package var config: [String: String]?

        enum CodingKeys: String, CodingKey { case type = "Type", config = "Config" }
    }

    /// How the container was set up on the host: privileges, namespaces, mounts.
    package struct HostConfig: Codable, Sendable, Hashable {
        package var privileged: Bool?
        package var capAdd: [String]?
        package var capDrop: [String]?
        package var readonlyRootfs: Bool?
        /// E.g. `seccomp=unconfined`, `apparmor=unconfined`, `no-new-privileges`, `label=disable`.
        package var securityOpt: [String]?
        /// `host` shares the host's PID namespace.
        package var pidMode: String?
        package var ipcMode: String?
        package var networkMode: String?
        package var usernsMode: String?
        package var utsMode: String?
        package var cgroupnsMode: String?
        /// `src:dst[:opts]` bind mounts given with `-v`.
        package var binds: [String]?
        package var devices: [DeviceMapping]?
        package var tmpfs: [String: String]?
        package var mounts: [MountRequest]?
        package var runtime: String?
        package var maskedPaths: [String]?
        package var readonlyPaths: [String]?
        package var sysctls: [String: String]?
        package var logConfig: LogConfig?
        package var autoRemove: Bool?

        package init(
            privileged: Bool? = nil, capAdd: [String]? = nil, securityOpt: [String]? = nil, pidMode: String? = nil,
            networkMode: String? = nil, binds: [String]? = nil
        ) {
            self.privileged = privileged
            self.capAdd = capAdd
            self.securityOpt = securityOpt
            self.pidMode = pidMode
            self.networkMode = networkMode
            self.binds = binds
        }

        enum CodingKeys: String, CodingKey {
            case privileged = "Privileged", capAdd = "CapAdd", capDrop = "CapDrop", readonlyRootfs = "ReadonlyRootfs"
            case securityOpt = "SecurityOpt", pidMode = "PidMode", ipcMode = "IpcMode", networkMode = "NetworkMode"
            case usernsMode = "UsernsMode", utsMode = "UTSMode", cgroupnsMode = "CgroupnsMode", binds = "Binds"
            case devices = "Devices", tmpfs = "Tmpfs", mounts = "Mounts", runtime = "Runtime"
            case maskedPaths = "MaskedPaths", readonlyPaths = "ReadonlyPaths", sysctls = "Sysctls"
            case logConfig = "LogConfig", autoRemove = "AutoRemove"
        }
    }

    /// `Mounts[]`: what is actually mounted (volumes, binds, tmpfs).
    package struct MountPoint: Codable, Sendable, Hashable {
        /// `bind`, `volume`, `tmpfs`, `npipe`, `cluster` or `image`.
        package var type: String?
        /// Volume name.
        package var name: String?
        /// Host path; empty for tmpfs.
        package var source: String?
        package var destination: String?
        package var driver: String?
        package var mode: String?
        package var rw: Bool?
        package var propagation: String?

        package init(type: String? = nil, source: String? = nil, destination: String? = nil, rw: Bool? = nil) {
            self.type = type
            self.source = source
            self.destination = destination
            self.rw = rw
        }

        enum CodingKeys: String, CodingKey {
            case type = "Type", name = "Name", source = "Source", destination = "Destination", driver = "Driver"
            case mode = "Mode", rw = "RW", propagation = "Propagation"
        }
    }

    /// `Storage` (API 1.52+): the containerd snapshot holding the root file system.
    package struct Storage: Codable, Sendable, Hashable {
        package struct RootFS: Codable, Sendable, Hashable {
            package struct Snapshot: Codable, Sendable, Hashable {
                /// The snapshotter, e.g. `overlayfs`.
                package var name: String?

                enum CodingKeys: String, CodingKey { case name = "Name" }
            }

            package var snapshot: Snapshot?

            enum CodingKeys: String, CodingKey { case snapshot = "Snapshot" }
        }

        package var rootFS: RootFS?

        enum CodingKeys: String, CodingKey { case rootFS = "RootFS" }
    }

    /// The full 64-hex-digit ID.
    package var id: String
    package var created: String?
    package var path: String?
    package var args: [String]?
    /// `Name` as sent, with its leading `/`; use `name` for display.
    package var rawName: String?
    /// The image **ID** (`sha256:…`); the reference the user gave is `config.image`. With containerd's
    /// image store this is the manifest's digest (the image's config digest on graph drivers).
    package var image: String?
    package var restartCount: Int?
    package var driver: String?
    package var platform: String?
    package var logPath: String?
    package var resolvConfPath: String?
    package var hostnamePath: String?
    package var hostsPath: String?
    package var mountLabel: String?
    package var processLabel: String?
    package var appArmorProfile: String?
    /// Execs created or still running (an exec leaves this list when it exits).
    package var execIDs: [String]?
    package var state: State?
    package var config: ContainerConfig?
    package var hostConfig: HostConfig?
    package var mounts: [MountPoint]?
    package var graphDriver: GraphDriverData?
    package var storage: Storage?
    /// The image manifest the container was created from (containerd's image store, API 1.48+).
    package var imageManifestDescriptor: OCIDescriptor?
    package var networkSettings: NetworkSettings?
    package var sizeRw: Int64?
    package var sizeRootFs: Int64?

    package init(id: String, rawName: String? = nil, image: String? = nil, state: State? = nil, config: ContainerConfig? = nil) {
        self.id = id
        self.rawName = rawName
        self.image = image
        self.state = state
        self.config = config
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", created = "Created", path = "Path", args = "Args", rawName = "Name", image = "Image"
        case restartCount = "RestartCount", driver = "Driver", platform = "Platform", logPath = "LogPath"
        case resolvConfPath = "ResolvConfPath", hostnamePath = "HostnamePath", hostsPath = "HostsPath"
        case mountLabel = "MountLabel", processLabel = "ProcessLabel", appArmorProfile = "AppArmorProfile"
        case execIDs = "ExecIDs", state = "State", config = "Config", hostConfig = "HostConfig", mounts = "Mounts"
        case graphDriver = "GraphDriver", storage = "Storage", sizeRw = "SizeRw", sizeRootFs = "SizeRootFs"
        case imageManifestDescriptor = "ImageManifestDescriptor", networkSettings = "NetworkSettings"
    }

    // MARK: Helpers

    /// The first 12 digits of the ID, as `docker ps` shows it.
    package var shortID: String { String(id.prefix(12)) }

    /// The name without the leading `/` the engine adds.
    package var name: String {
        guard let rawName else { return "" }
        return rawName.hasPrefix("/") ? String(rawName.dropFirst()) : rawName
    }

    /// `Created` parsed exactly.
    package var createdTime: EngineTime? { EngineTime.parseEngineDate(created) }

    /// Whether the container has a TTY, so its log body is raw rather than multiplexed.
    package var hasTTY: Bool { config?.tty ?? false }

    /// The writable layer's directory on the engine's host; `nil` when the engine does not expose
    /// one (containerd image store, non-overlay drivers).
    package var upperDir: String? { graphDriver?.upperDir }

    /// The image layers' directories on the engine's host, uppermost first.
    package var lowerDirs: [String] { graphDriver?.lowerDirs ?? [] }

    /// The storage driver or snapshotter that holds the root file system.
    package var storageDriverName: String? {
        if let name = graphDriver?.name, !name.isEmpty { return name }
        if let name = storage?.rootFS?.snapshot?.name, !name.isEmpty { return name }
        return driver.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Whether the root file system is a containerd snapshot (so no host paths are given): a
    /// `Storage` snapshot (API 1.52+), or a `GraphDriver` without `Data` (Docker 24–28).
    package var usesSnapshotter: Bool {
        if storage?.rootFS?.snapshot != nil { return true }
        if let graphDriver, graphDriver.data == nil { return true }
        return false
    }
}
