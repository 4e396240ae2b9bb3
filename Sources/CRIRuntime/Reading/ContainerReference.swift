/// How a user or an alert names a container on a node: an id (or its prefix, as Falco's 12-character
/// `container.id`), or a pod and a container name (`[namespace/]pod/container`).
package enum ContainerReference: Sendable, Hashable, CustomStringConvertible {
    case id(String)
    case pod(namespace: String?, pod: String, container: String)

    /// `ns/pod/container` or `pod/container` name a pod's container; anything else is an id or its prefix.
    package init(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if parts.count == 3, !parts.contains(where: \.isEmpty) {
            self = .pod(namespace: parts[0], pod: parts[1], container: parts[2])
        } else if parts.count == 2, !parts.contains(where: \.isEmpty) {
            self = .pod(namespace: nil, pod: parts[0], container: parts[1])
        } else {
            self = .id(text)
        }
    }

    package var description: String {
        switch self {
        case .id(let id): id
        case .pod(let namespace, let pod, let container): [namespace, pod, container].compactMap { $0 }.joined(separator: "/")
        }
    }

    /// The one container this reference names among a node's containers and sandboxes.
    ///
    /// An id matches exactly or as a unique prefix. A pod reference matches the pod's containers of that
    /// name; when a pod has several (restarts), the running one, else the most recently created, wins.
    package func resolve(in containers: [Runtime_V1_Container], sandboxes: [Runtime_V1_PodSandbox])
        throws(CRIRuntimeError) -> Runtime_V1_Container
    {
        switch self {
        case .id(let id):
            let wanted = id.lowercased()
            guard !wanted.isEmpty else { throw .noSuchContainer(id) }
            if let exact = containers.first(where: { $0.id == wanted }) { return exact }
            let matches = containers.filter { $0.id.hasPrefix(wanted) }
            guard let first = matches.first else { throw .noSuchContainer(id) }
            guard matches.count == 1 else { throw .ambiguousContainer(id, candidates: matches.map { String($0.id.prefix(12)) }) }
            return first
        case .pod(let namespace, let pod, let container):
            let pods = sandboxes.filter { sandbox in
                guard let identity = PodIdentity(sandbox) else { return false }
                return identity.name == pod && (namespace == nil || identity.namespace == namespace)
            }
            let namespaces = Set(pods.compactMap { PodIdentity($0)?.namespace })
            guard namespaces.count <= 1 else {
                throw .ambiguousContainer(description, candidates: namespaces.sorted().map { "\($0)/\(pod)/\(container)" })
            }
            let sandboxIDs = Set(pods.map(\.id))
            let matches = containers.filter { sandboxIDs.contains($0.podSandboxID) && $0.metadata.name == container }
            let running = matches.filter { $0.state == .containerRunning }
            if running.count == 1 { return running[0] }
            guard running.isEmpty else {
                throw .ambiguousContainer(description, candidates: running.map { String($0.id.prefix(12)) })
            }
            guard let latest = matches.max(by: { $0.createdAt < $1.createdAt }) else { throw .noSuchContainer(description) }
            return latest
        }
    }
}
