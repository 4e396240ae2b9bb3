/// Which pod a sandbox or container belongs to, as Falco's `k8s.ns.name` and `k8s.pod.name` name it.
///
/// Kubelet labels every sandbox and container with `io.kubernetes.pod.namespace` and
/// `io.kubernetes.pod.name`; the sandbox's metadata says the same. The labels come first (they are what
/// Falco's container plugin reads); the metadata fills in for a sandbox made without them.
package struct PodIdentity: Sendable, Hashable, CustomStringConvertible {
    package static let namespaceLabel = "io.kubernetes.pod.namespace"
    package static let nameLabel = "io.kubernetes.pod.name"
    package static let containerNameLabel = "io.kubernetes.container.name"

    package var namespace: String
    package var name: String

    package init(namespace: String, name: String) {
        self.namespace = namespace
        self.name = name
    }

    /// The identity from kubelet's labels, else from the sandbox metadata; `nil` when neither says.
    package init?(labels: [String: String], metadata: Runtime_V1_PodSandboxMetadata? = nil) {
        let namespace = labels[Self.namespaceLabel] ?? metadata?.namespace ?? ""
        let name = labels[Self.nameLabel] ?? metadata?.name ?? ""
        guard !namespace.isEmpty, !name.isEmpty else { return nil }
        self.init(namespace: namespace, name: name)
    }

    package init?(_ sandbox: Runtime_V1_PodSandbox) {
        self.init(labels: sandbox.labels, metadata: sandbox.hasMetadata ? sandbox.metadata : nil)
    }

    package init?(_ status: Runtime_V1_PodSandboxStatus) {
        self.init(labels: status.labels, metadata: status.hasMetadata ? status.metadata : nil)
    }

    /// `namespace/name`, as kubectl writes it.
    package var description: String { "\(namespace)/\(name)" }
}
