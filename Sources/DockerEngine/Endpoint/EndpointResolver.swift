import Crypto
import Foundation

/// Finds the engine the way the docker CLI does, so `alert-inspect` talks to the same one:
/// `--host`, then `DOCKER_HOST`, then the current docker context (`DOCKER_CONTEXT`, then
/// `currentContext` in the CLI's config.json), then the default socket.
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

    /// Resolves the endpoint; `flag` is the value of `--host`, if given.
    package func resolve(flag: String?) throws(DockerEngineError) -> EngineEndpoint {
        if let flag, !flag.isEmpty {
            return try endpoint(parsing: flag, source: "--host", tls: tlsFromEnvironment())
        }
        if let host = environment["DOCKER_HOST"], !host.isEmpty {
            return try endpoint(parsing: host, source: "DOCKER_HOST", tls: tlsFromEnvironment())
        }
        if let name = currentContextName(), name != "default" {
            return try contextEndpoint(named: name)
        }
        return EngineEndpoint(address: .unix(path: Self.defaultSocket), source: "default socket")
    }

    /// Parses `unix:///path`, `tcp://host:port[/base]` or a bare `host:port` (treated as tcp, as the CLI does).
    package func endpoint(parsing text: String, source: String, tls: EngineEndpoint.TLSFiles?) throws(DockerEngineError)
        -> EngineEndpoint
    {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            return EngineEndpoint(address: .unix(path: path.isEmpty ? Self.defaultSocket : path), source: source)
        }
        if text.hasPrefix("ssh://") || text.hasPrefix("npipe://") || text.hasPrefix("fd://") {
            throw .invalidEndpoint(text, reason: "only unix:// and tcp:// endpoints are supported")
        }
        var rest = Substring(text)
        if rest.hasPrefix("tcp://") {
            rest = rest.dropFirst("tcp://".count)
        } else if rest.contains("://") {
            throw .invalidEndpoint(text, reason: "unknown scheme; use unix:///path or tcp://host:port")
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
    /// with certificates from `DOCKER_CERT_PATH` (default `~/.docker`); missing files are left out.
    package func tlsFromEnvironment() -> EngineEndpoint.TLSFiles? {
        let verify = !(environment["DOCKER_TLS_VERIFY"] ?? "").isEmpty
        let enabled = verify || !(environment["DOCKER_TLS"] ?? "").isEmpty
        guard enabled else { return nil }
        let folder = environment["DOCKER_CERT_PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.docker"
        return tlsFiles(in: folder, verify: verify)
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
            throw .invalidEndpoint("context \(name)", reason: "no context metadata at \(metaPath)")
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
            caFile: existing("ca.pem"), certFile: existing("cert.pem"), keyFile: existing("key.pem"), verify: verify)
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
