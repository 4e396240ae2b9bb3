import Investigation
import Runtime

extension Investigator {
    /// An investigation of the engine behind `connection`, with the host view that goes with it.
    package init(connection: EngineConnection, settings: Settings) {
        self.init(runtime: connection.runtime, host: connection.host, settings: settings)
    }
}
