import Crypto
import Foundation

/// Finds the engine the way the docker CLI does, so `alert-inspect` talks to the same one:
/// `--host`/`-H`, or `--context`, then `DOCKER_HOST`, then the current docker context (`DOCKER_CONTEXT`, then
/// `currentContext` in the CLI's config.json), then the default socket. `DOCKER_CONFIG` moves the CLI's
/// folder (config.json, contexts, and the default certificate folder) as it does for the docker CLI.
package struct EndpointResolver: Sendable {
    package static let defaultSocket = "/var/run/docker.sock"

    package var environment: [String: String]
    package var homeDirectory: String

    package init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        homeDirectory: String = NSHomeDirectory()
    ) {
        self.environment = environment
        self.homeDirectory = homeDirectory
    }

    /// Resolves the endpoint; `flag` is the value of `--host`, `context` that of `--context`, if given.
    /// As in the docker CLI, the two cannot be given together, and `--context` wins over `DOCKER_HOST`.
    package func resolve(flag: String?, context: String? = nil) throws(DockerEngineError) -> EngineEndpoint {
        let flag = flag.flatMap { $0.isEmpty ? nil : $0 }
        let context = context.flatMap { $0.isEmpty ? nil : $0 }
        if let flag, context != nil {
            throw .invalidEndpoint(flag, reason: "give either --host or --context, not both")
        }
        if let flag {
            return try certificatesChecked(endpoint(parsing: flag, source: "--host", tls: tlsFromEnvironment()))
        }
        if let context {
            if context == "default" {
                return EngineEndpoint(address: .unix(path: Self.defaultSocket), source: "docker context 'default'")
            }
            return try contextEndpoint(named: context)
        }
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            return try certificatesChecked(endpoint(parsing: host, source: "DOCKER_HOST", tls: tlsFromEnvironment()))
        }
        if let name = currentContextName(), name != "default" {
            return try contextEndpoint(named: name)
        }
        return EngineEndpoint(address: .unix(path: Self.defaultSocket), source: "default socket")
    }

    /// `ssh://[user@]host[:port]`, as the docker CLI takes it: no path, no password in the URL.
    private func sshEndpoint(_ text: String, source: String) throws(DockerEngineError) -> EngineEndpoint {
        var authority = text.dropFirst("ssh://".count)
        if authority.hasSuffix("/") { authority = authority.dropLast() }
        guard !authority.contains("/") else {
            throw .invalidEndpoint(text, reason: "an ssh:// host takes no path (the remote engine's own default socket is used)")
        }
        let user = authority.lastIndex(of: "@").map { authority[..<$0] }
        if let user, user.contains(":") {
            throw .invalidEndpoint(text, reason: "no password in an ssh:// host: use an ssh key or agent")
        }
        var host = user.map { authority[authority.index(after: $0.endIndex)...] } ?? authority
        var port: Int?
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") {
            guard let value = Int(host[host.index(after: colon)...]), (1...65535).contains(value) else {
                throw .invalidEndpoint(text, reason: "bad port")
            }
            port = value
            host = host[..<colon]
        }
        guard !host.isEmpty, !host.hasPrefix("-") else { throw .invalidEndpoint(text, reason: "no host") }
        let destination = (user.map { String($0) + "@" } ?? "") + host
        return EngineEndpoint(address: .ssh(destination: destination, port: port), source: source)
    }

    /// Parses `unix:///path`, `tcp://host:port[/base]`, `tcp+tls://host:port` (as `doctor` prints a TLS endpoint)
    /// or a bare `host:port` (treated as tcp, as the CLI does).
    package func endpoint(parsing text: String, source: String, tls: EngineEndpoint.TLSFiles?) throws(DockerEngineError)
        -> EngineEndpoint
    {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            return EngineEndpoint(address: .unix(path: path.isEmpty ? Self.defaultSocket : path), source: source)
        }
        if text.hasPrefix("ssh://") { return try sshEndpoint(text, source: source) }
        if text.hasPrefix("npipe://") || text.hasPrefix("fd://") {
            throw .invalidEndpoint(text, reason: "only unix://, tcp:// and tcp+tls:// endpoints are supported")
        }
        var tls = tls
        var rest = Substring(text)
        if rest.hasPrefix("tcp://") {
            rest = rest.dropFirst("tcp://".count)
        } else if rest.hasPrefix("tcp+tls://") {
            rest = rest.dropFirst("tcp+tls://".count)
            // TLS asked for by the scheme: the certificate folder's files, and the server checked unless the
            // environment (DOCKER_TLS without DOCKER_TLS_VERIFY) or the context said otherwise.
            if tls == nil { tls = tlsFiles(in: certificateFolder, verify: true) }
        } else if rest.contains("://") {
            throw .invalidEndpoint(text, reason: "unknown scheme; use unix:///path, tcp://host:port or tcp+tls://host:port")
        }
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let hostPort = rest[..<slash]
        let basePath = rest[slash...].hasSuffix("/") ? String(rest[slash...].dropLast()) : String(rest[slash...])
        var host = "localhost"
        var port = tls == nil ? 2375 : 2376
        if hostPort.hasPrefix("[") {  // [::1]:2376
            guard let close = hostPort.firstIndex(of: "]") else { throw .invalidEndpoint(text, reason: "unclosed '['") }
            host = String(hostPort[hostPort.index(after: hostPort.startIndex)..<close])
            let after = hostPort[hostPort.index(after: close)...]
            if after.hasPrefix(":") {
                guard let value = Int(after.dropFirst()) else { throw .invalidEndpoint(text, reason: "bad port") }
                port = value
            }
        } else if let colon = hostPort.lastIndex(of: ":") {
            if colon != hostPort.startIndex { host = String(hostPort[..<colon]) }
            guard let value = Int(hostPort[hostPort.index(after: colon)...]) else {
                throw .invalidEndpoint(text, reason: "bad port")
            }
            port = value
        } else if !hostPort.isEmpty {
            host = String(hostPort)
        }
        guard (1...65535).contains(port) else { throw .invalidEndpoint(text, reason: "port out of range") }
        return EngineEndpoint(address: .tcp(host: host, port: port, basePath: basePath, tls: tls), source: source)
    }

    /// TLS as the docker CLI sets it from the environment: `DOCKER_TLS_VERIFY` (verify) or `DOCKER_TLS`,
    /// with certificates from `DOCKER_CERT_PATH` (default: `DOCKER_CONFIG`, then `~/.docker`); missing files
    /// are left out here and named by `checkPresent`.
    package func tlsFromEnvironment() -> EngineEndpoint.TLSFiles? {
        let verify = !(environment["DOCKER_TLS_VERIFY"] ?? "").isEmpty
        let enabled = verify || !(environment["DOCKER_TLS"] ?? "").isEmpty
        guard enabled else { return nil }
        return tlsFiles(in: certificateFolder, verify: verify)
    }

    /// `DOCKER_CERT_PATH`, else the CLI's configuration folder, as the docker CLI looks for certificates.
    package var certificateFolder: String {
        environment["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? configDirectory
    }

    /// A missing certificate file is named before any connection, instead of surfacing as a puzzling
    /// handshake failure ("self-signed certificate in certificate chain" for a missing ca.pem). As in the
    /// docker CLI, this holds for the certificate folder (DOCKER_CERT_PATH); a context may leave its CA out
    /// and rely on the system's.
    private func certificatesChecked(_ endpoint: EngineEndpoint) throws(DockerEngineError) -> EngineEndpoint {
        guard case .tcp(_, _, _, let tls?) = endpoint.address else { return endpoint }
        if tls.verify, tls.caFile == nil {
            throw .tls(
                endpoint: endpoint.description,
                detail: "no ca.pem in \(tls.folder ?? certificateFolder): the server's certificate cannot be checked without it "
                    + "(put the CA there, point DOCKER_CERT_PATH at the folder that has it, or unset DOCKER_TLS_VERIFY)")
        }
        if (tls.certFile == nil) != (tls.keyFile == nil) {
            let missing = tls.certFile == nil ? "cert.pem" : "key.pem"
            throw .tls(
                endpoint: endpoint.description,
                detail: "no \(missing) in \(tls.folder ?? certificateFolder): a client certificate needs both cert.pem and key.pem")
        }
        return endpoint
    }

    // MARK: - API version

    /// `DOCKER_API_VERSION`, as the docker CLI reads it: when set, that version is used instead of negotiating.
    package func pinnedAPIVersion() throws(DockerEngineError) -> APIVersion? {
        guard let text = environment["DOCKER_API_VERSION"], !text.isEmpty else { return nil }
        guard let version = APIVersion(parsing: text.hasPrefix("v") ? String(text.dropFirst()) : text) else {
            throw .invalidEndpoint("DOCKER_API_VERSION=\(text)", reason: "not an API version such as 1.41")
        }
        let oldest = EngineClient.oldestAPIVersion
        let newest = EngineClient.newestAPIVersion
        guard version >= oldest, version <= newest else {
            throw .invalidEndpoint(
                "DOCKER_API_VERSION=\(text)", reason: "alert-inspect speaks API \(oldest) to \(newest); unset it to negotiate")
        }
        return version
    }

    // MARK: - Contexts

    /// `DOCKER_CONTEXT`, else `currentContext` from `$DOCKER_CONFIG/config.json` (default `~/.docker`).
    package func currentContextName() -> String? {
        if let name = environment["DOCKER_CONTEXT"], !name.isEmpty { return name }
        let path = configDirectory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path),
            let config = try? JSONDecoder().decode(CLIConfig.self, from: data),
            let name = config.currentContext, !name.isEmpty
        else { return nil }
        return name
    }

    private var configDirectory: String {
        environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.docker"
    }

    /// Reads `contexts/meta/<sha256(name)>/meta.json` and the context's TLS files, as the CLI stores them.
    private func contextEndpoint(named name: String) throws(DockerEngineError) -> EngineEndpoint {
        let digest = SHA256.hash(data: Data(name.utf8)).hexString
        let metaPath = configDirectory + "/contexts/meta/" + digest + "/meta.json"
        guard let data = FileManager.default.contents(atPath: metaPath) else {
            throw .invalidEndpoint(
                "context \(name)", reason: "no docker context of that name (\(metaPath) does not exist; `docker context ls` lists them)")
        }
        let meta: ContextMeta
        do { meta = try JSONDecoder().decode(ContextMeta.self, from: data) } catch {
            throw .invalidEndpoint("context \(name)", reason: "unreadable \(metaPath): \(error)")
        }
        guard let docker = meta.Endpoints?["docker"], let host = docker.Host, !host.isEmpty else {
            throw .invalidEndpoint("context \(name)", reason: "the context has no docker endpoint")
        }
        let tlsFolder = configDirectory + "/contexts/tls/" + digest + "/docker"
        let tls =
            host.hasPrefix("unix://") || !FileManager.default.fileExists(atPath: tlsFolder)
            ? nil : tlsFiles(in: tlsFolder, verify: !(docker.SkipTLSVerify ?? false))
        return try endpoint(parsing: host, source: "docker context '\(name)'", tls: tls)
    }

    private func tlsFiles(in folder: String, verify: Bool) -> EngineEndpoint.TLSFiles {
        func existing(_ file: String) -> String? {
            let path = folder + "/" + file
            return FileManager.default.fileExists(atPath: path) ? path : nil
        }
        return EngineEndpoint.TLSFiles(
            caFile: existing("ca.pem"), certFile: existing("cert.pem"), keyFile: existing("key.pem"), verify: verify,
            folder: folder)
    }

    private struct CLIConfig: Decodable {
        var currentContext: String?
    }

    // Field names as the docker CLI writes them.
    private struct ContextMeta: Decodable {
        struct Endpoint: Decodable {
            var Host: String?
            var SkipTLSVerify: Bool?
        }
        var Name: String?
        var Endpoints: [String: Endpoint]?
    }
}
