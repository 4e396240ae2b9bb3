import Foundation

/// Where the engine listens, and why we chose it (shown by `doctor` and in reports).
package struct EngineEndpoint: Sendable, Hashable, Codable, CustomStringConvertible {
    package enum Address: Sendable, Hashable, Codable {
        /// A Unix socket path.
        case unix(path: String)
        /// TCP, with TLS when `tls` is set. `basePath` is an optional API prefix from the URL.
        case tcp(host: String, port: Int, basePath: String, tls: TLSFiles?)
        /// `ssh://[user@]host[:port]`: HTTP over `ssh … docker system dial-stdio`, as the docker CLI does.
        case ssh(destination: String, port: Int?)
        /// Not a live engine: a recording replayed from a folder.
        case recording(path: String)
    }

    /// Client certificate material, as the docker CLI finds it in DOCKER_CERT_PATH.
    package struct TLSFiles: Sendable, Hashable, Codable {
        package var caFile: String?
        package var certFile: String?
        package var keyFile: String?
        /// Check the server's certificate (DOCKER_TLS_VERIFY set).
        package var verify: Bool
        /// Where the files were looked for (named when one is missing).
        package var folder: String?

        package init(caFile: String?, certFile: String?, keyFile: String?, verify: Bool, folder: String? = nil) {
            self.caFile = caFile
            self.certFile = certFile
            self.keyFile = keyFile
            self.verify = verify
            self.folder = folder
        }
    }

    package var address: Address
    /// How it was chosen, e.g. "DOCKER_HOST" or "docker context 'rootless'".
    package var source: String

    package init(address: Address, source: String) {
        self.address = address
        self.source = source
    }

    /// The endpoint as a URL-like string: `unix:///var/run/docker.sock`, `tcp://host:2376`.
    package var description: String {
        switch address {
        case .unix(let path): return "unix://" + path
        case .tcp(let host, let port, let basePath, let tls):
            return (tls == nil ? "tcp://" : "tcp+tls://") + host + ":" + String(port) + basePath
        case .ssh(let destination, let port): return "ssh://" + destination + (port.map { ":\($0)" } ?? "")
        case .recording(let path): return "replay:" + path
        }
    }
}
