/// The container's security-relevant configuration, as inspect reports it.
package struct ContainerPosture: Sendable, Hashable {
    package var privileged = false
    package var capAdd: [String] = []
    package var capDrop: [String] = []
    package var readonlyRootfs = false
    package var securityOpt: [String] = []
    package var appArmorProfile: String?
    package var pidMode: String?
    package var ipcMode: String?
    package var networkMode: String?
    package var usernsMode: String?
    /// `Config.User`: empty means the image's default, usually root.
    package var user: String?
    /// Host paths and volumes mounted in.
    package var mounts: [Mount] = []

    package init() {}

    package struct Mount: Sendable, Hashable {
        package var source: String
        package var destination: String
        package var writable: Bool

        package init(source: String, destination: String, writable: Bool) {
            self.source = source
            self.destination = destination
            self.writable = writable
        }
    }
}
