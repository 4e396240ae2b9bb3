/// An OCI content descriptor: image inspect's `Descriptor` (API 1.48+) and container inspect's
/// `ImageManifestDescriptor`, both only with containerd's image store.
package struct OCIDescriptor: Codable, Sendable, Hashable {
    package struct Platform: Codable, Sendable, Hashable {
        package var architecture: String?
        package var os: String?
        package var variant: String?
    }

    package var mediaType: String?
    /// `sha256:…` of the manifest (or index) the descriptor points at.
    package var digest: String?
    /// The manifest's size in bytes.
    package var size: Int64?
    package var platform: Platform?
}

/// `NetworkSettings` of container inspect. Up to API 1.43 the default network's addresses were also
/// repeated at the top level (`IPAddress`, `Gateway`, `MacAddress`, `Bridge`...); 1.44 dropped them, and
/// at 1.52+ only `Networks`, `Ports`, `SandboxID` and `SandboxKey` remain. Read from `Networks` first.
package struct NetworkSettings: Codable, Sendable, Hashable {
    package struct Network: Codable, Sendable, Hashable {
        package var networkID: String?
        package var ipAddress: String?
        package var globalIPv6Address: String?
        package var gateway: String?
        package var macAddress: String?

        enum CodingKeys: String, CodingKey {
            case networkID = "NetworkID", ipAddress = "IPAddress", globalIPv6Address = "GlobalIPv6Address"
            case gateway = "Gateway", macAddress = "MacAddress"
        }
    }

    package var sandboxID: String?
    package var sandboxKey: String?
    package var networks: [String: Network]?
    /// The top-level address of API ≤ 1.43 (empty or absent since).
    package var legacyIPAddress: String?

    enum CodingKeys: String, CodingKey {
        case sandboxID = "SandboxID", sandboxKey = "SandboxKey", networks = "Networks", legacyIPAddress = "IPAddress"
    }

    /// Every address the container has, by network name, sorted; the legacy top-level one only
    /// when no network lists any.
    package var addresses: [String] {
        let listed = (networks ?? [:]).sorted { $0.key < $1.key }.flatMap { name, network in
            [network.ipAddress, network.globalIPv6Address].compactMap { $0 }.filter { !$0.isEmpty }.map { "\(name) \($0)" }
        }
        if listed.isEmpty, let legacy = legacyIPAddress, !legacy.isEmpty { return ["default \(legacy)"] }
        return listed
    }
}
