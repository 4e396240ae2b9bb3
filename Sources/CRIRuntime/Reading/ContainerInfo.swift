import Foundation

/// What a verbose `ContainerStatus` adds in `info["info"]`: containerd's JSON about the container
/// (CRI-O writes a similar, smaller one). The pid is only here: CRI's own messages have none.
package struct ContainerInfo: Decodable, Sendable, Hashable {
    /// The container's init process, as the host sees it; 0 when it is not running.
    package var pid: Int?
    package var sandboxID: String?
    /// `overlayfs` for containerd's default; the key names the container's writable snapshot.
    package var snapshotter: String?
    package var snapshotKey: String?
    package var runtimeType: String?
    package var removing: Bool?
    /// The OCI runtime spec the container was created with: its process, mounts and Linux settings.
    package var runtimeSpec: RuntimeSpec?
    /// The CRI `ContainerConfig` kubelet asked for (containerd keeps it): what the pod spec said.
    package var config: RequestedConfig?

    /// Decodes the verbose `info` map of a `ContainerStatusResponse` (its `info` key).
    /// - Returns: `nil` when there is no `info` (the status was not verbose, or the runtime gives none).
    package static func decode(_ info: [String: String]) throws(DecodingFailure) -> ContainerInfo? {
        guard let text = info["info"], !text.isEmpty else { return nil }
        do {
            return try JSONDecoder().decode(ContainerInfo.self, from: Data(text.utf8))
        } catch {
            throw DecodingFailure(description: "the verbose info is not the JSON expected: \(error)")
        }
    }

    package struct DecodingFailure: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
    }
}

/// The parts of an OCI runtime spec (runtime-spec `config.md`) an investigation reads.
package struct RuntimeSpec: Decodable, Sendable, Hashable {
    package var hostname: String?
    package var process: Process?
    package var root: Root?
    package var mounts: [Mount]?
    package var linux: Linux?
    package var annotations: [String: String]?

    package struct Process: Decodable, Sendable, Hashable {
        package var args: [String]?
        package var env: [String]?
        package var cwd: String?
        package var terminal: Bool?
        package var user: User?
        package var capabilities: Capabilities?
        package var noNewPrivileges: Bool?
        package var apparmorProfile: String?
    }

    package struct User: Decodable, Sendable, Hashable {
        package var uid: Int?
        package var gid: Int?
    }

    package struct Capabilities: Decodable, Sendable, Hashable {
        package var bounding: [String]?
        package var effective: [String]?
        package var permitted: [String]?
        package var inheritable: [String]?
        package var ambient: [String]?
    }

    package struct Root: Decodable, Sendable, Hashable {
        package var path: String?
        package var readonly: Bool?
    }

    package struct Mount: Decodable, Sendable, Hashable {
        package var destination: String
        package var type: String?
        package var source: String?
        package var options: [String]?
    }

    package struct Linux: Decodable, Sendable, Hashable {
        package var namespaces: [Namespace]?
        package var cgroupsPath: String?
        package var seccomp: Seccomp?
        package var maskedPaths: [String]?
        package var readonlyPaths: [String]?
    }

    /// A namespace the container gets; with a `path` it joins an existing one (the pod's, or the host's).
    package struct Namespace: Decodable, Sendable, Hashable {
        package var type: String
        package var path: String?
    }

    package struct Seccomp: Decodable, Sendable, Hashable {
        package var defaultAction: String?
    }

    /// Namespace types the spec does not list at all: the container stays in the runtime's own (the host's).
    package func sharedWithHost(_ types: [String] = ["pid", "network", "ipc", "uts"]) -> [String] {
        guard let namespaces = linux?.namespaces else { return [] }
        let listed = Set(namespaces.map(\.type))
        return types.filter { !listed.contains($0) }
    }

    /// Namespaces joined by path, type to path: under CRI, the pod sandbox's (`/proc/<pause pid>/ns/pid`).
    /// Whether that one is the host's is for the host to say (compare it with `/proc/1/ns/<type>`).
    package var joinedNamespaces: [String: String] {
        Dictionary((linux?.namespaces ?? []).compactMap { n in n.path.map { (n.type, $0) } }, uniquingKeysWith: { first, _ in first })
    }
}

/// The parts of the CRI `ContainerConfig` (as containerd writes it in verbose info: snake_case keys,
/// enums as numbers) that say how exposed the container was meant to be.
package struct RequestedConfig: Decodable, Sendable, Hashable {
    package var mounts: [Mount]?
    package var linux: Linux?

    package var securityContext: SecurityContext? { linux?.securityContext }

    package struct Mount: Decodable, Sendable, Hashable {
        package var containerPath: String?
        package var hostPath: String?
        package var readonly: Bool?

        enum CodingKeys: String, CodingKey {
            case containerPath = "container_path", hostPath = "host_path", readonly
        }
    }

    package struct Linux: Decodable, Sendable, Hashable {
        package var securityContext: SecurityContext?

        enum CodingKeys: String, CodingKey { case securityContext = "security_context" }
    }

    package struct SecurityContext: Decodable, Sendable, Hashable {
        package var privileged: Bool?
        package var capabilities: Capabilities?
        package var namespaceOptions: NamespaceOptions?
        package var readonlyRootfs: Bool?
        package var runAsUser: Int64Value?
        package var runAsUsername: String?
        package var noNewPrivs: Bool?
        package var seccomp: Profile?
        package var apparmor: Profile?

        enum CodingKeys: String, CodingKey {
            case privileged, capabilities, seccomp, apparmor
            case namespaceOptions = "namespace_options", readonlyRootfs = "readonly_rootfs", runAsUser = "run_as_user"
            case runAsUsername = "run_as_username", noNewPrivs = "no_new_privs"
        }
    }

    package struct Capabilities: Decodable, Sendable, Hashable {
        package var add: [String]?
        package var drop: [String]?

        enum CodingKeys: String, CodingKey { case add = "add_capabilities", drop = "drop_capabilities" }
    }

    /// Namespace modes as CRI numbers them: 0 POD, 1 CONTAINER, 2 NODE (the host's), 3 TARGET.
    package struct NamespaceOptions: Decodable, Sendable, Hashable {
        package var network: Int?
        package var pid: Int?
        package var ipc: Int?

        /// The namespaces set to NODE, i.e. shared with the host.
        package var onNode: [String] {
            let node = Runtime_V1_NamespaceMode.node.rawValue
            return [("network", network), ("pid", pid), ("ipc", ipc)].compactMap { $0.1 == node ? $0.0 : nil }
        }
    }

    package struct Int64Value: Decodable, Sendable, Hashable {
        package var value: Int64?
    }

    /// A seccomp or AppArmor profile: type 0 RuntimeDefault, 1 Unconfined, 2 Localhost.
    package struct Profile: Decodable, Sendable, Hashable {
        package var profileType: Int?
        package var localhostRef: String?

        package var isUnconfined: Bool { profileType == 1 }

        enum CodingKeys: String, CodingKey { case profileType = "profile_type", localhostRef = "localhost_ref" }
    }
}
