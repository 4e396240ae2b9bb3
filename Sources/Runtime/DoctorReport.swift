/// Can we reach the engine, and what can an investigation see from here?
package struct DoctorReport: Sendable, Hashable, Codable {
    package var schema = "alert-inspect/doctor/v1"
    package var endpoint: String
    /// Why this endpoint: `--host`, `DOCKER_HOST`, a docker context, or the default socket.
    package var endpointSource: String
    package var reachable: Bool
    /// Why not, when unreachable.
    package var problem: String?
    package var engine: String?
    package var serverVersion: String?
    package var engineAPIVersion: String?
    package var negotiatedAPIVersion: String?
    package var storageDriver: String?
    package var containerdImageStore: Bool?
    package var dataRoot: String?
    package var overlayDirsVisible: Bool?
    /// How a container's overlay layers are found on this host: from a container process's mount
    /// table, from the engine's GraphDriver data, or why not.
    package var layersFound: String?
    package var hostProcVisible: Bool?
    /// What the above means for an investigation, one sentence each.
    package var consequences: [String]

    package init(endpoint: String, endpointSource: String, reachable: Bool, consequences: [String]) {
        self.endpoint = endpoint
        self.endpointSource = endpointSource
        self.reachable = reachable
        self.consequences = consequences
    }
}
