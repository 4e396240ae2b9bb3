/// The `Config` of a container or an image: what it runs, as whom, with which environment.
///
/// Containers and images share this shape (`container.Config` in the engine).
package struct ContainerConfig: Codable, Sendable, Hashable {
    package var hostname: String?
    package var domainname: String?
    package var user: String?
    /// `NAME=value` strings. Values may be secrets: redact before showing.
    package var env: [String]?
    package var cmd: [String]?
    package var entrypoint: [String]?
    /// For a container: the image reference as the user gave it (`Image` at the top level is the image ID).
    package var image: String?
    package var labels: [String: String]?
    /// Whether the container has a TTY, which decides how its logs are framed.
    package var tty: Bool?
    package var workingDir: String?
    package var openStdin: Bool?
    package var stopSignal: String?

    package init(
        user: String? = nil, env: [String]? = nil, cmd: [String]? = nil, entrypoint: [String]? = nil,
        image: String? = nil, labels: [String: String]? = nil, tty: Bool? = nil, workingDir: String? = nil
    ) {
        self.user = user
        self.env = env
        self.cmd = cmd
        self.entrypoint = entrypoint
        self.image = image
        self.labels = labels
        self.tty = tty
        self.workingDir = workingDir
    }

    enum CodingKeys: String, CodingKey {
        case hostname = "Hostname", domainname = "Domainname", user = "User", env = "Env", cmd = "Cmd"
        case entrypoint = "Entrypoint", image = "Image", labels = "Labels", tty = "Tty", workingDir = "WorkingDir"
        case openStdin = "OpenStdin", stopSignal = "StopSignal"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        hostname = try container.decodeIfPresent(String.self, forKey: .hostname)
        domainname = try container.decodeIfPresent(String.self, forKey: .domainname)
        user = try container.decodeIfPresent(String.self, forKey: .user)
        env = try container.decodeIfPresent([String].self, forKey: .env)
        cmd = try container.decodeStringListIfPresent(forKey: .cmd)
        entrypoint = try container.decodeStringListIfPresent(forKey: .entrypoint)
        image = try container.decodeIfPresent(String.self, forKey: .image)
        labels = try container.decodeIfPresent([String: String].self, forKey: .labels)
        tty = try container.decodeIfPresent(Bool.self, forKey: .tty)
        workingDir = try container.decodeIfPresent(String.self, forKey: .workingDir)
        openStdin = try container.decodeIfPresent(Bool.self, forKey: .openStdin)
        stopSignal = try container.decodeIfPresent(String.self, forKey: .stopSignal)
    }

    /// The environment as name/value pairs, in order; an entry without `=` has an empty value.
    package var environment: [(name: String, value: String)] {
        (env ?? []).map { entry in
            guard let equals = entry.firstIndex(of: "=") else { return (entry, "") }
            return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
        }
    }

    /// What the container runs: entrypoint followed by command.
    package var commandLine: [String] { (entrypoint ?? []) + (cmd ?? []) }
}

/// `GraphDriver` of a container or an image: where a graph driver keeps its layers on the host.
///
/// With the containerd image store it is absent (API 1.52+) or has only `Name` and `Data: null`.
package struct GraphDriverData: Codable, Sendable, Hashable {
    package var name: String?
    /// Driver-specific paths; for overlay2: `LowerDir`, `UpperDir`, `MergedDir`, `WorkDir`.
    package var data: [String: String]?

    package init(name: String? = nil, data: [String: String]? = nil) {
        self.name = name
        self.data = data
    }

    enum CodingKeys: String, CodingKey { case name = "Name", data = "Data" }

    /// The writable layer on the host (overlay).
    package var upperDir: String? { nonEmpty("UpperDir") }
    /// The union mount on the host; only there while the container is mounted.
    package var mergedDir: String? { nonEmpty("MergedDir") }
    package var workDir: String? { nonEmpty("WorkDir") }
    /// The read-only layers, uppermost first (for a container the first is its `-init` layer).
    package var lowerDirs: [String] {
        nonEmpty("LowerDir")?.split(separator: ":").map(String.init) ?? []
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = data?[key], !value.isEmpty else { return nil }
        return value
    }
}
