import DockerEngine
import Foundation
import Runtime

package enum EngineDoctor {
    /// Examines the endpoint that `options` resolve to; never throws for an unreachable engine (that is the finding).
    package static func examine(_ options: EngineConnection.Options, resolver: EndpointResolver = EndpointResolver()) throws
        -> DoctorReport
    {
        let endpoint = try resolver.resolve(flag: options.hostFlag, context: options.context)
        var report = DoctorReport(
            endpoint: endpoint.description, endpointSource: endpoint.source, reachable: false, consequences: [])
        let connection: EngineConnection
        do {
            connection = try EngineConnection.open(options, resolver: resolver)
        } catch let error as DockerEngineError {
            report.problem = error.description
            report.consequences.append("no investigation can run until the engine answers at \(endpoint)")
            return report
        }
        let client = connection.client
        report.reachable = true
        report.engineAPIVersion = client.ping.apiVersion
        report.negotiatedAPIVersion = client.apiVersion.description
        let version = try? client.version().value
        let info = try? client.info().value
        report.engine = client.ping.isPodman || (version?.isPodman ?? false) ? "podman" : "docker"
        report.serverVersion = version?.version ?? info?.serverVersion
        report.storageDriver = info?.driver
        report.containerdImageStore = info?.usesContainerdImageStore
        report.dataRoot = info?.dockerRootDir

        let host = connection.host
        if host is NoHostView {
            report.overlayDirsVisible = false
            report.hostProcVisible = false
            report.consequences.append("the engine is remote: overlay dirs and /proc of its host cannot be read; claims rest on the API alone")
        } else {
            let running = runningContainer(client)
            if let running {
                let layers = ContainerLayers.find(running, host: host)
                report.layersFound = layers.how
                report.overlayDirsVisible = layers.upperDir.map { host.fileInfo($0)?.kind == .directory }
            } else {
                report.layersFound = "not tried: no container is running to read a mount table from"
            }
            if report.overlayDirsVisible == nil, let root = info?.dockerRootDir, let driver = info?.driver {
                report.overlayDirsVisible = host.fileInfo(root + "/" + driver)?.kind == .directory
            }
            report.hostProcVisible = running?.state?.pid.map { host.linkTarget("/proc/\($0)/exe") != nil }
        }
        if report.containerdImageStore == true, report.overlayDirsVisible == true {
            report.consequences.append("containerd image store: the API exposes no overlay paths, but a running container's mount table names them: a dropped file's inode times can be compared with the alert's (not for a stopped container, whose layers are not mounted)")
        } else if report.containerdImageStore == true {
            report.consequences.append("containerd image store: the API exposes no overlay paths, so the writable layer is judged from /changes only")
        } else if report.overlayDirsVisible == true {
            report.consequences.append("overlay upper dirs are readable: a dropped file's inode times can be compared with the alert's")
        } else if !(host is NoHostView) {
            report.consequences.append("overlay dirs are not readable from here (run as root on the engine's host): inode times cannot be compared")
        }
        if report.hostProcVisible == true {
            report.consequences.append("host /proc is readable: memfd and deleted executables can be examined and recovered")
        } else if report.hostProcVisible == false {
            report.consequences.append("host /proc is not readable: memfd and deleted executables cannot be examined or recovered")
        } else if !(host is NoHostView) {
            report.consequences.append("no container is running to try host /proc on")
        }
        if report.engine == "podman" {
            report.consequences.append("Podman: top and logs may come back empty, and top may exec inside the container for some ps options (alert-inspect only asks the default)")
        }
        return report
    }

    /// Some running container (with a host pid), to try reading its `/proc/<pid>/exe` and mount table.
    private static func runningContainer(_ client: EngineClient) -> ContainerInspect? {
        guard let first = (try? client.runningContainerIDs(limit: 1))?.first,
            let container = (try? client.inspectContainer(first))?.value, (container.state?.pid ?? 0) > 0
        else { return nil }
        return container
    }
}
