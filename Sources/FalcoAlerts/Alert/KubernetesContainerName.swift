/// A Docker container name given by the Kubernetes dockershim or cri-dockerd runtime:
/// `k8s_<container>_<pod>_<namespace>_<pod uid>_<attempt>`.
package struct KubernetesContainerName: Sendable, Hashable {
    /// The container's name in the pod spec; `POD` for the pod's sandbox ("pause") container.
    package var container: String
    package var pod: String
    package var namespace: String
    package var podUID: String
    /// The restart attempt, 0 for the first run.
    package var attempt: Int

    /// Whether this is the pod's sandbox container (`k8s_POD_…`) rather than a workload container.
    package var isSandbox: Bool { container == "POD" }

    /// Parses a Docker container name (with or without Docker's leading `/`); `nil` when it is not in the
    /// Kubernetes runtime's form. Kubernetes names cannot contain `_`, so the six parts are unambiguous.
    package init?(_ name: String) {
        let trimmed = name.hasPrefix("/") ? name.dropFirst() : Substring(name)
        let parts = trimmed.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "k8s", let attempt = Int(parts[5]), attempt >= 0,
            parts[1...4].allSatisfy({ !$0.isEmpty })
        else { return nil }
        container = String(parts[1])
        pod = String(parts[2])
        namespace = String(parts[3])
        podUID = String(parts[4])
        self.attempt = attempt
    }
}
