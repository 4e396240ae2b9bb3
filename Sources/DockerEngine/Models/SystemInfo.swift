/// `GET /info`: how the engine stores containers and which protections it runs with.
package struct SystemInfo: Codable, Sendable, Hashable {
    /// The containerd the engine uses (API 1.46+).
    package struct Containerd: Codable, Sendable, Hashable {
        package struct Namespaces: Codable, Sendable, Hashable {
            package var containers: String?
            package var plugins: String?

            enum CodingKeys: String, CodingKey { case containers = "Containers", plugins = "Plugins" }
        }

        package var address: String?
        package var namespaces: Namespaces?

        enum CodingKeys: String, CodingKey { case address = "Address", namespaces = "Namespaces" }
    }

    package var id: String?
    package var name: String?
    package var containers: Int?
    package var containersRunning: Int?
    package var containersPaused: Int?
    package var containersStopped: Int?
    package var images: Int?
    /// Storage driver (`overlay2`) or, with the containerd image store, the snapshotter (`overlayfs`).
    package var driver: String?
    /// `[[label, value]]`; documented as not stable, read only for known labels.
    package var driverStatus: [[String]]?
    package var dockerRootDir: String?
    /// E.g. `name=apparmor`, `name=seccomp,profile=default`, `name=rootless`, `name=userns`.
    package var securityOptions: [String]?
    package var serverVersion: String?
    package var operatingSystem: String?
    package var osType: String?
    package var osVersion: String?
    package var architecture: String?
    package var kernelVersion: String?
    package var cgroupVersion: String?
    package var cgroupDriver: String?
    package var loggingDriver: String?
    package var defaultRuntime: String?
    package var ncpu: Int?
    package var memTotal: Int64?
    package var experimentalBuild: Bool?
    package var labels: [String]?
    package var warnings: [String]?
    package var containerd: Containerd?

    package init(driver: String? = nil, driverStatus: [[String]]? = nil, dockerRootDir: String? = nil, securityOptions: [String]? = nil) {
        self.driver = driver
        self.driverStatus = driverStatus
        self.dockerRootDir = dockerRootDir
        self.securityOptions = securityOptions
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", name = "Name", containers = "Containers", containersRunning = "ContainersRunning"
        case containersPaused = "ContainersPaused", containersStopped = "ContainersStopped", images = "Images"
        case driver = "Driver", driverStatus = "DriverStatus", dockerRootDir = "DockerRootDir"
        case securityOptions = "SecurityOptions", serverVersion = "ServerVersion"
        case operatingSystem = "OperatingSystem", osType = "OSType", osVersion = "OSVersion"
        case architecture = "Architecture", kernelVersion = "KernelVersion", cgroupVersion = "CgroupVersion"
        case cgroupDriver = "CgroupDriver", loggingDriver = "LoggingDriver", defaultRuntime = "DefaultRuntime"
        case ncpu = "NCPU", memTotal = "MemTotal", experimentalBuild = "ExperimentalBuild", labels = "Labels"
        case warnings = "Warnings", containerd = "Containerd"
    }

    /// Whether images and containers live in containerd's snapshotter (Docker 29's default) rather
    /// than a graph driver. Then inspect exposes no upper or lower directories.
    ///
    /// Read from `DriverStatus` (`["driver-type", "io.containerd.snapshotter.v1"]`), not from
    /// `Driver`, which may name any snapshotter (`overlayfs`, `stargz`, …).
    package var usesContainerdImageStore: Bool {
        driverStatus?.contains { $0.count >= 2 && $0[0] == "driver-type" && $0[1] == "io.containerd.snapshotter.v1" }
            ?? false
    }

    /// The value of a `DriverStatus` label, e.g. `driverStatusValue("Backing Filesystem")`.
    package func driverStatusValue(_ label: String) -> String? {
        driverStatus?.first { $0.count >= 2 && $0[0] == label }?[1]
    }

    /// The names in `SecurityOptions` (`name=seccomp,profile=default` gives `seccomp`).
    package var securityOptionNames: [String] {
        (securityOptions ?? []).compactMap { option in
            option.split(separator: ",").lazy
                .compactMap { field -> String? in
                    let parts = field.split(separator: "=", maxSplits: 1)
                    return parts.count == 2 && parts[0] == "name" ? String(parts[1]) : nil
                }
                .first
        }
    }

    /// Whether the engine runs rootless (`name=rootless`).
    package var isRootless: Bool { securityOptionNames.contains("rootless") }
}
