/// `GET /images/{name}/json`: the image a container was created from.
package struct ImageInspect: Codable, Sendable, Hashable {
    /// `RootFS`: the layers as DiffIDs (sha256 of each uncompressed layer tar), bottom first.
    package struct RootFS: Codable, Sendable, Hashable {
        package var type: String?
        package var layers: [String]?

        package init(type: String? = nil, layers: [String]? = nil) {
            self.type = type
            self.layers = layers
        }

        enum CodingKeys: String, CodingKey { case type = "Type", layers = "Layers" }
    }

    /// `sha256:…`: the config's digest with a graph driver; with containerd's image store the
    /// manifest's (or index's) digest, equal to `descriptor.digest`.
    package var id: String
    package var repoTags: [String]?
    package var repoDigests: [String]?
    package var parent: String?
    package var comment: String?
    package var created: String?
    package var dockerVersion: String?
    package var author: String?
    package var config: ContainerConfig?
    package var architecture: String?
    package var variant: String?
    package var os: String?
    package var osVersion: String?
    /// Bytes: the unpacked layers with a graph driver, but the compressed content with containerd's
    /// image store. `VirtualSize` (the same number) is gone since API 1.44.
    package var size: Int64?
    package var rootFS: RootFS?
    /// The manifest this image is (API 1.48+, containerd's image store only).
    package var descriptor: OCIDescriptor?
    /// Host paths of the layers with a graph driver; absent or without `Data` with the containerd store.
    package var graphDriver: GraphDriverData?

    package init(id: String, repoTags: [String]? = nil, config: ContainerConfig? = nil, rootFS: RootFS? = nil) {
        self.id = id
        self.repoTags = repoTags
        self.config = config
        self.rootFS = rootFS
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", parent = "Parent", comment = "Comment"
        case created = "Created", dockerVersion = "DockerVersion", author = "Author", config = "Config"
        case architecture = "Architecture", variant = "Variant", os = "Os", osVersion = "OsVersion", size = "Size"
        case rootFS = "RootFS", graphDriver = "GraphDriver", descriptor = "Descriptor"
    }

    /// True when `id` is a manifest digest rather than a config digest (containerd's image store, API 1.48+).
    package var idIsManifestDigest: Bool { descriptor?.digest == id }

    /// `Created` parsed exactly.
    package var createdTime: EngineTime? { EngineTime.parseEngineDate(created) }

    /// The image's layer directories on the host, uppermost first (graph drivers only).
    package var layerDirs: [String] {
        guard let graphDriver else { return [] }
        return (graphDriver.upperDir.map { [$0] } ?? []) + graphDriver.lowerDirs
    }
}

/// One entry of `GET /images/{name}/history`, newest first.
package struct ImageHistoryItem: Codable, Sendable, Hashable {
    /// Image ID of the step, or the literal `<missing>` when that step has no local image.
    package var id: String?
    /// Unix seconds.
    package var created: Int64?
    /// The Dockerfile instruction, e.g. `/bin/sh -c #(nop) COPY file:… in /usr/local/bin/`.
    package var createdBy: String?
    package var tags: [String]?
    package var size: Int64?
    package var comment: String?

    package init(id: String? = nil, created: Int64? = nil, createdBy: String? = nil, size: Int64? = nil) {
        self.id = id
        self.created = created
        self.createdBy = createdBy
        self.size = size
    }

    enum CodingKeys: String, CodingKey {
        case id = "Id", created = "Created", createdBy = "CreatedBy", tags = "Tags", size = "Size", comment = "Comment"
    }

    /// Whether the step has no local image ID.
    package var isMissingImage: Bool { id == nil || id == "<missing>" || id == "" }

    /// `Created` as an instant.
    package var createdTime: EngineTime? { created.map { EngineTime(seconds: $0) } }
}
