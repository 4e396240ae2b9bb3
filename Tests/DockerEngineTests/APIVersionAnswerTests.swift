import DockerEngine
import Foundation
import Testing
import TestSupport

/// Real answers of Docker 20.10 (API 1.41), 26.1 (1.45, the lab's) and 29.7 (1.55, at /v1.55 and at /v1.41),
/// each with a graph driver (overlay2) and with containerd's image store: every shape reads correctly.
@Suite struct APIVersionAnswerTests {
    struct ContainerCase: Sendable, CustomTestStringConvertible {
        var fixture: String
        var name: String
        var pid: Int
        /// overlay2: GraphDriver names the upper dir. containerd: no host path at all.
        var containerdStore: Bool
        var storageName: String
        /// `ImageManifestDescriptor` (containerd store, API 1.48+).
        var manifestDescriptor: Bool
        /// The legacy top-level `NetworkSettings.IPAddress` is still there (API ≤ 1.43 shape).
        var legacyNetworkFields: Bool
        var testDescription: String { fixture }
    }

    static let containers: [ContainerCase] = [
        .init(fixture: "docker-20.10-api-1.41-container.json", name: "web", pid: 48213, containerdStore: false, storageName: "overlay2", manifestDescriptor: false, legacyNetworkFields: true),
        .init(fixture: "docker-26.1-api-1.45-container-overlay2.json", name: "lab-dropped", pid: 6754, containerdStore: false, storageName: "overlay2", manifestDescriptor: false, legacyNetworkFields: true),
        .init(fixture: "docker-26.1-api-1.45-container-containerd.json", name: "lab-dropped", pid: 4356, containerdStore: true, storageName: "overlayfs", manifestDescriptor: false, legacyNetworkFields: true),
        .init(fixture: "docker-29.7-api-1.41-container-overlay2.json", name: "t2", pid: 22087, containerdStore: false, storageName: "overlay2", manifestDescriptor: false, legacyNetworkFields: true),
        .init(fixture: "docker-29.7-api-1.41-container-containerd.json", name: "t2", pid: 19649, containerdStore: true, storageName: "overlayfs", manifestDescriptor: false, legacyNetworkFields: true),
        .init(fixture: "docker-29.7-api-1.55-container-overlay2.json", name: "t2", pid: 22087, containerdStore: false, storageName: "overlay2", manifestDescriptor: false, legacyNetworkFields: false),
        .init(fixture: "docker-29.7-api-1.55-container-containerd.json", name: "t2", pid: 19649, containerdStore: true, storageName: "overlayfs", manifestDescriptor: true, legacyNetworkFields: false),
    ]

    @Test(arguments: containers)
    func `container inspect of every version and store`(_ c: ContainerCase) throws {
        let container = try EngineJSON.decode(ContainerInspect.self, from: Fixture.data("engine-json/" + c.fixture), request: "GET /containers/x/json")
        #expect(container.id.count == 64)
        #expect(container.name == c.name)
        #expect(container.state?.pid == c.pid && container.state?.running == true)
        #expect(container.image?.hasPrefix("sha256:") == true)
        #expect(container.storageDriverName == c.storageName)
        #expect(container.usesSnapshotter == c.containerdStore)
        #expect((container.upperDir != nil) == !c.containerdStore)
        if !c.containerdStore {
            #expect(container.upperDir?.hasSuffix("/diff") == true)
            #expect(container.lowerDirs.first?.hasSuffix("-init/diff") == true)
        }
        #expect((container.imageManifestDescriptor != nil) == c.manifestDescriptor)
        if c.manifestDescriptor {
            #expect(container.imageManifestDescriptor?.digest == container.image)
            #expect(container.imageManifestDescriptor?.platform?.os == "linux")
        }
        let network = try #require(container.networkSettings, "NetworkSettings is in every version")
        #expect((network.legacyIPAddress != nil) == c.legacyNetworkFields)
        #expect(network.sandboxKey != nil)
    }

    struct ImageCase: Sendable, CustomTestStringConvertible {
        var fixture: String
        var manifestDigestId: Bool
        var layerDirs: Bool
        var size: Int64
        var testDescription: String { fixture }
    }

    static let images: [ImageCase] = [
        .init(fixture: "docker-26.1-api-1.45-image-overlay2.json", manifestDigestId: false, layerDirs: true, size: 3_519_345),
        .init(fixture: "docker-26.1-api-1.45-image-containerd.json", manifestDigestId: false, layerDirs: false, size: 1_758_447),
        .init(fixture: "docker-29.7-api-1.41-image-overlay2.json", manifestDigestId: false, layerDirs: true, size: 1_982_291),
        .init(fixture: "docker-29.7-api-1.41-image-containerd.json", manifestDigestId: false, layerDirs: false, size: 1_080_709),
        .init(fixture: "docker-29.7-api-1.55-image-overlay2.json", manifestDigestId: false, layerDirs: true, size: 1_982_291),
        .init(fixture: "docker-29.7-api-1.55-image-containerd.json", manifestDigestId: true, layerDirs: false, size: 1_080_709),
    ]

    @Test(arguments: images)
    func `image inspect of every version and store`(_ c: ImageCase) throws {
        let image = try EngineJSON.decode(ImageInspect.self, from: Fixture.data("engine-json/" + c.fixture), request: "GET /images/x/json")
        #expect(image.id.hasPrefix("sha256:") && image.id.count == 71)
        #expect(image.idIsManifestDigest == c.manifestDigestId)
        #expect(image.layerDirs.isEmpty == !c.layerDirs)
        #expect(image.rootFS?.layers?.count == 1)
        // On containerd's store Size is the compressed content; on overlay2 the unpacked layers.
        #expect(image.size == c.size)
        #expect(image.repoTags?.isEmpty == false)
    }

    @Test func `on containerd's store the image id is the manifest digest the container names`() throws {
        let container = try EngineJSON.decode(
            ContainerInspect.self, from: Fixture.data("engine-json/docker-29.7-api-1.55-container-containerd.json"), request: "test")
        let image = try EngineJSON.decode(
            ImageInspect.self, from: Fixture.data("engine-json/docker-29.7-api-1.55-image-containerd.json"), request: "test")
        #expect(container.image == image.id)
        #expect(image.descriptor?.digest == image.id)
        #expect(image.descriptor?.mediaType == "application/vnd.oci.image.manifest.v1+json")
        #expect(image.repoDigests?.first?.hasSuffix(image.id) == true)
    }

    @Test(arguments: [
        ("docker-26.1-api-1.45-info-overlay2.json", "overlay2", false),
        ("docker-26.1-api-1.45-info-containerd.json", "overlayfs", true),
        ("docker-29.7-api-1.55-info-overlay2.json", "overlay2", false),
        ("docker-29.7-api-1.55-info-containerd.json", "overlayfs", true),
    ])
    func `info says which store`(_ fixture: String, _ driver: String, _ containerd: Bool) throws {
        let info = try EngineJSON.decode(SystemInfo.self, from: Fixture.data("engine-json/" + fixture), request: "GET /info")
        #expect(info.driver == driver)
        #expect(info.usesContainerdImageStore == containerd)
    }

    @Test(arguments: [
        ("docker-26.1-api-1.45-version.json", "26.1.5+dfsg1", "1.45"),
        ("docker-29.7-api-1.55-version.json", "29.7.2", "1.55"),
    ])
    func `version`(_ fixture: String, _ version: String, _ api: String) throws {
        let answer = try EngineJSON.decode(SystemVersion.self, from: Fixture.data("engine-json/" + fixture), request: "GET /version")
        #expect(answer.version == version)
        #expect(answer.apiVersion == api)
        #expect(!answer.isPodman)
    }

    @Test(arguments: ["overlay2", "containerd"])
    func `changes and top at 1.55 are unchanged`(_ store: String) throws {
        let changes = try EngineJSON.decode(
            [ContainerChange]?.self, from: Fixture.data("engine-json/docker-29.7-api-1.55-changes-\(store).json"), request: "test") ?? []
        #expect(changes.map(\.path) == ["/tmp", "/tmp/x"])
        #expect(changes.map(\.kind) == [.modified, .added])
        let top = try EngineJSON.decode(ProcessList.self, from: Fixture.data("engine-json/docker-29.7-api-1.55-top-\(store).json"), request: "test")
        #expect(top.rows.first?.command == "sleep 1000")
        #expect(top.rows.first?.pid != nil)
    }

    @Test func `the client speaks up to the newest version it was tested against`() {
        #expect(EngineClient.newestAPIVersion == APIVersion(1, 55))
        #expect(EngineClient.oldestAPIVersion == APIVersion(1, 40))
    }
}
