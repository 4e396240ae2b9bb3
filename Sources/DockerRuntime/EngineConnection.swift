import DockerEngine
import Foundation
import Runtime

/// An engine to ask and the host view that goes with it: live, live and recorded, or replayed.
package struct EngineConnection: Sendable {
    package let client: EngineClient
    package let host: any HostView
    /// Set when `--record` is on: the collector reads exchanges from it.
    package let recorder: RecordingTransport?
    /// Set when `--replay` is on.
    package let replay: ReplayTransport?

    /// The engine as a `ContainerRuntime`, for an investigation.
    package var runtime: DockerRuntime { DockerRuntime(self) }

    package struct Options: Sendable {
        package var hostFlag: String?
        /// `--context NAME`: a docker context, over DOCKER_HOST (not together with `hostFlag`).
        package var context: String?
        package var timeout: Double
        package var record: URL?
        package var replay: URL?
        package var userAgent: String
        package var isCancelled: @Sendable () -> Bool
        /// Told of each recorded exchange with its timing (only with `record`).
        package var onExchange: (@Sendable (Recording.Exchange, Date, Double) -> Void)?
        /// Wraps the live transport, below the recorder: an evidence bundle caps long bodies and hashes
        /// them as they stream there, so the recording keeps exactly what the bundle accounts for.
        package var wrapLive: (@Sendable (any EngineTransport) -> any EngineTransport)?

        package init(
            hostFlag: String? = nil, timeout: Double = 30, record: URL? = nil, replay: URL? = nil,
            userAgent: String = "alert-inspect", isCancelled: @escaping @Sendable () -> Bool = { false }
        ) {
            self.hostFlag = hostFlag
            self.timeout = timeout
            self.record = record
            self.replay = replay
            self.userAgent = userAgent
            self.isCancelled = isCancelled
        }
    }

    /// Resolves the endpoint (unless replaying), connects and negotiates the API version.
    package static func open(_ options: Options, resolver: EndpointResolver = EndpointResolver()) throws -> EngineConnection {
        if let folder = options.replay {
            let replay = try ReplayTransport(folder: folder)
            return EngineConnection(
                client: try EngineClient.connect(replay), host: ReplayedHostView(replay), recorder: nil, replay: replay)
        }
        let endpoint = try resolver.resolve(flag: options.hostFlag, context: options.context)
        let live = try CurlTransport(
            endpoint: endpoint, limits: .init(connect: min(options.timeout, 10), request: options.timeout),
            userAgent: options.userAgent, isCancelled: options.isCancelled)
        var transport: any EngineTransport = options.wrapLive?(live) ?? live
        var recorder: RecordingTransport?
        if let folder = options.record {
            let recording = try RecordingTransport(
                recording: transport, into: folder, recordedBy: options.userAgent, observer: options.onExchange)
            recorder = recording
            transport = recording
        }
        // The host's overlay dirs and /proc are this machine's only when the engine is on a local socket.
        let host: any HostView
        if case .unix = endpoint.address {
            host = LocalHostView(recordingInto: recorder)
        } else {
            host = NoHostView()
        }
        if ProcessInfo.processInfo.environment["ALERT_INSPECT_TRACE"] != nil { transport = TracingTransport(transport) }
        return EngineConnection(
            client: try EngineClient.connect(transport, pinned: resolver.pinnedAPIVersion()), host: host,
            recorder: recorder, replay: nil)
    }
}
