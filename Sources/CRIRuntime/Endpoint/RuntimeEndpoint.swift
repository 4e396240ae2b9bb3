import DockerEngine

/// Chooses the CRI runtime's endpoint as crictl does: `--runtime-endpoint`, else
/// `CONTAINER_RUNTIME_ENDPOINT`, else `runtime-endpoint` in crictl's config file (`--config`, else
/// `CRI_CONFIG_FILE`, else `/etc/crictl.yaml`), else the well-known sockets, tried in order.
package enum RuntimeEndpoint {
    /// crictl's default config file.
    package static let defaultConfigPath = "/etc/crictl.yaml"

    /// The sockets crictl tries when nothing is set: containerd's, CRI-O's, cri-dockerd's.
    package static let wellKnown = [
        "unix:///run/containerd/containerd.sock",
        "unix:///run/crio/crio.sock",
        "unix:///var/run/cri-dockerd.sock",
    ]

    /// The config file to read: `--config`, else `CRI_CONFIG_FILE`, else `/etc/crictl.yaml`.
    package static func configPath(flag: String?, environment: [String: String]) -> String {
        if let flag, !flag.isEmpty { return flag }
        if let path = environment["CRI_CONFIG_FILE"], !path.isEmpty { return path }
        return defaultConfigPath
    }

    /// The endpoints to try, in order: one when a setting names it, else the well-known sockets.
    /// - Parameter config: the config file's text, or `nil` when there is none.
    package static func candidates(flag: String?, environment: [String: String], config: String?)
        throws(CRIRuntimeError) -> [EngineEndpoint]
    {
        if let flag, !flag.isEmpty { return [try endpoint(flag, source: "--runtime-endpoint")] }
        if let value = environment["CONTAINER_RUNTIME_ENDPOINT"], !value.isEmpty {
            return [try endpoint(value, source: "CONTAINER_RUNTIME_ENDPOINT")]
        }
        if let config, let value = settings(config)["runtime-endpoint"], !value.isEmpty {
            return [try endpoint(value, source: "crictl config runtime-endpoint")]
        }
        return try wellKnown.map { text throws(CRIRuntimeError) in try endpoint(text, source: "default") }
    }

    /// `unix:///path` (or a bare absolute path, which crictl still accepts) as an endpoint.
    package static func endpoint(_ text: String, source: String) throws(CRIRuntimeError) -> EngineEndpoint {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let path: String
        if trimmed.hasPrefix("unix://") {
            path = String(trimmed.dropFirst("unix://".count))
        } else if trimmed.hasPrefix("/") {
            path = trimmed
        } else if let scheme = trimmed.range(of: "://") {
            throw .invalidEndpoint(text, reason: "\(trimmed[..<scheme.lowerBound]) is not supported; a CRI runtime listens on a Unix socket (unix:///path)")
        } else {
            throw .invalidEndpoint(text, reason: "expected unix:///path/to/socket")
        }
        guard path.hasPrefix("/"), path.count > 1 else { throw .invalidEndpoint(text, reason: "the socket path must be absolute") }
        return EngineEndpoint(address: .unix(path: path), source: source)
    }

    /// The `key: value` lines of crictl's YAML config (flat: crictl's config has no nesting).
    /// Comments, blank lines and quotes around values are dropped.
    package static func settings(_ yaml: String) -> [String: String] {
        var settings: [String: String] = [:]
        for raw in yaml.split(whereSeparator: \.isNewline) {
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard !key.isEmpty, !key.contains(" ") else { continue }
            settings[key] = value
        }
        return settings
    }
}
