import Crypto
import Foundation
import Testing

@testable import DockerEngine

@Suite struct EndpointResolverTests {
    /// A throwaway home folder, optionally with a docker CLI config and a context.
    private func home(currentContext: String? = nil, context: (name: String, host: String)? = nil, tls: Bool = false) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("home-" + UUID().uuidString.prefix(8)).path
        let docker = root + "/.docker"
        try FileManager.default.createDirectory(atPath: docker, withIntermediateDirectories: true)
        if let currentContext {
            try Data(#"{"auths":{},"currentContext":"\#(currentContext)"}"#.utf8).write(to: URL(fileURLWithPath: docker + "/config.json"))
        }
        if let context {
            let digest = SHA256.hash(data: Data(context.name.utf8)).map { String(format: "%02x", $0) }.joined()
            let meta = docker + "/contexts/meta/" + digest
            try FileManager.default.createDirectory(atPath: meta, withIntermediateDirectories: true)
            let json = #"{"Name":"\#(context.name)","Metadata":{"Description":""},"Endpoints":{"docker":{"Host":"\#(context.host)","SkipTLSVerify":false}}}"#
            try Data(json.utf8).write(to: URL(fileURLWithPath: meta + "/meta.json"))
            if tls {
                let folder = docker + "/contexts/tls/" + digest + "/docker"
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for file in ["ca.pem", "cert.pem", "key.pem"] {
                    try Data("x".utf8).write(to: URL(fileURLWithPath: folder + "/" + file))
                }
            }
        }
        return root
    }

    @Test func `the flag wins over DOCKER_HOST and contexts`() throws {
        let resolver = EndpointResolver(
            environment: ["DOCKER_HOST": "unix:///env.sock", "DOCKER_CONTEXT": "other"], homeDirectory: try home())
        let endpoint = try resolver.resolve(flag: "unix:///flag.sock")
        #expect(endpoint.address == .unix(path: "/flag.sock"))
        #expect(endpoint.source == "--host")
    }

    @Test func `DOCKER_HOST wins over DOCKER_CONTEXT, as in the docker CLI's code`() throws {
        let resolver = EndpointResolver(
            environment: ["DOCKER_HOST": "tcp://10.0.0.1:2375", "DOCKER_CONTEXT": "rootless"], homeDirectory: try home())
        let endpoint = try resolver.resolve(flag: nil)
        #expect(endpoint.address == .tcp(host: "10.0.0.1", port: 2375, basePath: "", tls: nil))
        #expect(endpoint.source == "DOCKER_HOST")
    }

    @Test func `the current context comes from DOCKER_CONTEXT, then config.json`() throws {
        let folder = try home(currentContext: "rootless", context: ("rootless", "unix:///run/user/1000/docker.sock"))
        let fromConfig = try EndpointResolver(environment: [:], homeDirectory: folder).resolve(flag: nil)
        #expect(fromConfig.address == .unix(path: "/run/user/1000/docker.sock"))
        #expect(fromConfig.source == "docker context 'rootless'")

        let missing = EndpointResolver(environment: ["DOCKER_CONTEXT": "absent"], homeDirectory: folder)
        #expect(throws: DockerEngineError.self) { try missing.resolve(flag: nil) }
    }

    @Test func `a tcp context uses the TLS files stored with it`() throws {
        let folder = try home(currentContext: "remote", context: ("remote", "tcp://engine.example:2376"), tls: true)
        let endpoint = try EndpointResolver(environment: [:], homeDirectory: folder).resolve(flag: nil)
        guard case .tcp(let host, let port, _, let tls) = endpoint.address else {
            Issue.record("expected tcp, got \(endpoint)")
            return
        }
        #expect(host == "engine.example" && port == 2376)
        #expect(tls?.verify == true)
        #expect(tls?.caFile?.hasSuffix("/docker/ca.pem") == true)
    }

    @Test func `without anything the default socket is used`() throws {
        let endpoint = try EndpointResolver(environment: [:], homeDirectory: try home()).resolve(flag: nil)
        #expect(endpoint.address == .unix(path: "/var/run/docker.sock"))
        #expect(endpoint.source == "default socket")
        // The "default" context is the same thing.
        let named = try EndpointResolver(environment: ["DOCKER_CONTEXT": "default"], homeDirectory: try home()).resolve(flag: nil)
        #expect(named.address == .unix(path: "/var/run/docker.sock"))
    }

    @Test func `DOCKER_TLS_VERIFY turns TLS on with DOCKER_CERT_PATH files, port 2376 by default`() throws {
        let certs = try home()
        for file in ["ca.pem", "cert.pem", "key.pem"] { try Data().write(to: URL(fileURLWithPath: certs + "/" + file)) }
        let resolver = EndpointResolver(
            environment: ["DOCKER_HOST": "tcp://engine", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs],
            homeDirectory: certs)
        let endpoint = try resolver.resolve(flag: nil)
        let expected = EngineEndpoint.TLSFiles(
            caFile: certs + "/ca.pem", certFile: certs + "/cert.pem", keyFile: certs + "/key.pem", verify: true,
            folder: certs)
        #expect(endpoint.address == .tcp(host: "engine", port: 2376, basePath: "", tls: expected))
    }

    @Test(arguments: [
        ("tcp://[::1]:2375/base/", EngineEndpoint.Address.tcp(host: "::1", port: 2375, basePath: "/base", tls: nil)),
        ("localhost:1234", .tcp(host: "localhost", port: 1234, basePath: "", tls: nil)),
        ("tcp://:2375", .tcp(host: "localhost", port: 2375, basePath: "", tls: nil)),
        ("unix://", .unix(path: "/var/run/docker.sock")),
    ])
    func `host strings parse like the docker CLI's`(text: String, expected: EngineEndpoint.Address) throws {
        let endpoint = try EndpointResolver(environment: [:], homeDirectory: "/nonexistent").resolve(flag: text)
        #expect(endpoint.address == expected)
    }

    @Test(arguments: [
        "ssh://me:pw@host", "ssh://me@host/path", "ssh://me@host:0", "ssh://-oProxyCommand=x", "http://host:1",
        "tcp://host:notaport", "tcp://host:70000",
    ])
    func `unsupported or malformed hosts are clear errors`(text: String) {
        #expect(throws: DockerEngineError.self) {
            try EndpointResolver(environment: [:], homeDirectory: "/nonexistent").resolve(flag: text)
        }
    }

    @Test func `--context picks a context over DOCKER_HOST, and not together with --host`() throws {
        let folder = try home(context: ("remote", "tcp://engine.example:2375"))
        let resolver = EndpointResolver(environment: ["DOCKER_HOST": "unix:///env.sock"], homeDirectory: folder)
        let endpoint = try resolver.resolve(flag: nil, context: "remote")
        #expect(endpoint.address == .tcp(host: "engine.example", port: 2375, basePath: "", tls: nil))
        #expect(endpoint.source == "docker context 'remote'")
        #expect(throws: DockerEngineError.self) { try resolver.resolve(flag: "unix:///flag.sock", context: "remote") }
        #expect(throws: DockerEngineError.self) { try resolver.resolve(flag: nil, context: "absent") }
    }

    @Test func `DOCKER_CONFIG moves contexts and the default certificate folder`() throws {
        let folder = try home(context: ("remote", "tcp://engine.example:2376"))
        let config = folder + "/.docker"
        for file in ["ca.pem", "cert.pem", "key.pem"] { try Data().write(to: URL(fileURLWithPath: config + "/" + file)) }
        let resolver = EndpointResolver(
            environment: ["DOCKER_CONFIG": config, "DOCKER_CONTEXT": "remote"], homeDirectory: "/nonexistent")
        #expect(try resolver.resolve(flag: nil).source == "docker context 'remote'")
        let tls = EndpointResolver(
            environment: ["DOCKER_CONFIG": config, "DOCKER_TLS_VERIFY": "1"], homeDirectory: "/nonexistent")
        guard case .tcp(_, _, _, let files) = try tls.resolve(flag: "tcp://engine").address else {
            Issue.record("expected tcp")
            return
        }
        #expect(files?.caFile == config + "/ca.pem")
    }

    @Test func `a missing certificate file is named, not left to the handshake`() throws {
        let certs = try home()
        let resolver = EndpointResolver(
            environment: ["DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": certs], homeDirectory: certs)
        do {
            _ = try resolver.resolve(flag: "tcp://engine:2376")
            Issue.record("resolved without ca.pem")
        } catch {
            #expect(error.description.contains("no ca.pem in \(certs)"), "\(error)")
            #expect(error.isUnreachable, "exit 69: the engine cannot be reached over TLS")
        }
        try Data().write(to: URL(fileURLWithPath: certs + "/ca.pem"))
        try Data().write(to: URL(fileURLWithPath: certs + "/cert.pem"))
        #expect(throws: DockerEngineError.self) { try resolver.resolve(flag: "tcp://engine:2376") }  // key.pem missing
    }

    @Test func `tcp+tls as doctor prints it is accepted`() throws {
        let certs = try home()
        for file in ["ca.pem", "cert.pem", "key.pem"] { try Data().write(to: URL(fileURLWithPath: certs + "/" + file)) }
        let resolver = EndpointResolver(environment: ["DOCKER_CERT_PATH": certs], homeDirectory: certs)
        let endpoint = try resolver.resolve(flag: "tcp+tls://engine:2376")
        guard case .tcp(let host, let port, _, let tls) = endpoint.address else {
            Issue.record("expected tcp")
            return
        }
        #expect(host == "engine" && port == 2376 && tls?.verify == true)
        #expect(endpoint.description == "tcp+tls://engine:2376", "what doctor prints parses back to itself")
    }

    @Test(arguments: [
        ("ssh://me@host", EngineEndpoint.Address.ssh(destination: "me@host", port: nil)),
        ("ssh://me@host:2222/", .ssh(destination: "me@host", port: 2222)),
        ("ssh://host", .ssh(destination: "host", port: nil)),
    ])
    func `ssh hosts parse as the docker CLI takes them`(text: String, expected: EngineEndpoint.Address) throws {
        let endpoint = try EndpointResolver(environment: [:], homeDirectory: "/nonexistent").resolve(flag: text)
        #expect(endpoint.address == expected)
    }

    @Test func `DOCKER_API_VERSION pins the version, within what the client speaks`() throws {
        func pinned(_ text: String) throws -> APIVersion? {
            try EndpointResolver(environment: ["DOCKER_API_VERSION": text], homeDirectory: "/nonexistent").pinnedAPIVersion()
        }
        #expect(try pinned("1.41") == APIVersion(1, 41))
        #expect(try pinned("") == nil)
        #expect(throws: DockerEngineError.self) { try pinned("1.12") }
        #expect(throws: DockerEngineError.self) { try pinned("latest") }
    }
}
