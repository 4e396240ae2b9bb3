import DockerEngine
import DockerRuntime
import Foundation
import Investigation
import Runtime
import Testing
import TestSupport

/// The overlay layers of a running container, found on the host for every store of the lab.
@Suite struct LayersLiveTests {
    @Test(.lab, arguments: Lab.EngineName.allCases)
    func `the mount table names the upper dir the lab recorded, on every engine`(engine name: Lab.EngineName) throws {
        guard Lab.isUp(name) || Lab.isRequired else { return }
        let engine = try Lab.require(name)
        let scenario = try engine.scenario("dropped")
        let connection = try EngineConnection.open(.init(hostFlag: engine.host))
        let container = try connection.client.inspectContainer(scenario.containerId).value
        let layers = ContainerLayers.find(container, host: connection.host)
        #expect(layers.source == .mountTable, "\(layers.how)")
        #expect(layers.upperDir == scenario.upperDir)
        #expect(layers.notes.isEmpty, "the engine's GraphDriver and the mount table agree: \(layers.notes)")
        #expect(!layers.lowerDirs.isEmpty)
        #expect(layers.lowerDirs.allSatisfy { connection.host.fileInfo($0)?.kind == .directory }, "\(layers.lowerDirs)")
        #expect(layers.how.contains(name == .docker26Containerd ? "the engine names no overlay dirs" : "agreeing with the engine's GraphDriver"))
    }

    @Test(.lab, arguments: Lab.EngineName.allCases)
    func `doctor says how layers are found`(engine name: Lab.EngineName) throws {
        guard Lab.isUp(name) || Lab.isRequired else { return }
        let engine = try Lab.require(name)
        let report = try EngineDoctor.examine(.init(hostFlag: engine.host))
        #expect(report.layersFound?.hasPrefix("from the mount table of the container's process") == true, "\(report.layersFound ?? "nil")")
        #expect(report.overlayDirsVisible == true)
        #expect(report.containerdImageStore == (name == .docker26Containerd))
        if name == .docker26Containerd {
            #expect(report.consequences.contains { $0.contains("a running container's mount table names them") })
        }
    }
}
