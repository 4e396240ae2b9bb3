/// `GET /version`: what the engine is and which API versions it speaks.
package struct SystemVersion: Codable, Sendable, Hashable {
    package struct Platform: Codable, Sendable, Hashable {
        package var name: String?

        package init(name: String? = nil) { self.name = name }

        enum CodingKeys: String, CodingKey { case name = "Name" }
    }

    /// One part of the engine (`Engine`, `containerd`, `runc`, or Podman's `Podman Engine`).
    package struct Component: Codable, Sendable, Hashable {
        package var name: String?
        package var version: String?
        /// Free-form details; non-string values are dropped rather than failing the whole answer.
        package var details: [String: String]?

        package init(name: String? = nil, version: String? = nil, details: [String: String]? = nil) {
            self.name = name
            self.version = version
            self.details = details
        }

        enum CodingKeys: String, CodingKey {
            case name = "Name", version = "Version", details = "Details"
        }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decodeIfPresent(String.self, forKey: .name)
            version = try container.decodeIfPresent(String.self, forKey: .version)
            details = try? container.decodeIfPresent([String: String].self, forKey: .details)
        }
    }

    package var platform: Platform?
    package var components: [Component]?
    package var version: String?
    package var apiVersion: String?
    package var minAPIVersion: String?
    package var gitCommit: String?
    package var goVersion: String?
    package var os: String?
    package var arch: String?
    package var kernelVersion: String?
    package var experimental: Bool?
    package var buildTime: String?

    package init(
        platform: Platform? = nil, components: [Component]? = nil, version: String? = nil, apiVersion: String? = nil,
        minAPIVersion: String? = nil, os: String? = nil, arch: String? = nil, kernelVersion: String? = nil
    ) {
        self.platform = platform
        self.components = components
        self.version = version
        self.apiVersion = apiVersion
        self.minAPIVersion = minAPIVersion
        self.os = os
        self.arch = arch
        self.kernelVersion = kernelVersion
    }

    enum CodingKeys: String, CodingKey {
        case platform = "Platform", components = "Components", version = "Version", apiVersion = "ApiVersion"
        case minAPIVersion = "MinAPIVersion", gitCommit = "GitCommit", goVersion = "GoVersion", os = "Os"
        case arch = "Arch", kernelVersion = "KernelVersion", experimental = "Experimental", buildTime = "BuildTime"
    }

    /// Whether this is Podman's Docker-compatible service (`Components` lists "Podman Engine").
    package var isPodman: Bool {
        // lowercased(), not a localized comparison: that loads ICU for a word that is plain ASCII.
        if components?.contains(where: { $0.name?.lowercased().contains("podman") == true }) == true {
            return true
        }
        return platform?.name?.lowercased().contains("podman") == true
    }

    /// The version of the named component, e.g. `component("containerd")`.
    package func component(_ name: String) -> Component? {
        components?.first { $0.name?.lowercased() == name.lowercased() }
    }
}

/// Which engine answers: Docker and Podman differ in what the same endpoints return.
package enum EngineProduct: String, Codable, Sendable, Hashable, CaseIterable {
    case docker, podman, unknown

    /// Reads the `Server` header every response carries: `Docker/20.10.24 (linux)` or `Libpod/4.3.1 (linux)`.
    package init(serverHeader: String?) {
        guard let serverHeader else {
            self = .unknown
            return
        }
        let product = serverHeader.prefix { $0 != "/" && $0 != " " }.lowercased()
        switch product {
        case "libpod", "podman": self = .podman
        case "docker": self = .docker
        default: self = .unknown
        }
    }

    /// Combines the header with `/version`, whichever is known; the header wins when it is decisive.
    package init(serverHeader: String?, version: SystemVersion?) {
        let fromHeader = EngineProduct(serverHeader: serverHeader)
        if fromHeader != .unknown {
            self = fromHeader
        } else if let version {
            self = version.isPodman ? .podman : (version.component("Engine") != nil ? .docker : .unknown)
        } else {
            self = .unknown
        }
    }
}
