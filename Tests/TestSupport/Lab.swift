import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The live lab that `make lab` starts (`Lab/lab.sh`): private Docker (20.10 overlay2, 26.1 overlay2,
/// 26.1 with containerd's image store) and Podman engines running the
/// investigation scenarios, each a real container with the Falco alert written for it, all described
/// by `$LAB_DIR/lab.json` (`LAB_DIR` defaults to `/tmp/alert-inspect-lab`).
///
/// A live test asks for the lab with the `.lab` trait, then for what it needs:
///
///     @Suite(.lab) struct DroppedBinaryTests {
///         @Test func confirmsTheDrop() throws {
///             let docker = try Lab.require(.docker)
///             let dropped = try docker.scenario("dropped")
///             // dropped.host, dropped.alertURL, dropped.containerId, dropped.sha256...
///         }
///     }
///
/// Outside CI a test whose engine is down is skipped. With `CI` set the lab is required: the trait
/// keeps the test enabled and `require` throws, so the test fails instead of passing unnoticed.
package enum Lab {
    /// The lab folder: `LAB_DIR`, else `/tmp/alert-inspect-lab`, as in the Makefile.
    package static let directory: URL = {
        let value = ProcessInfo.processInfo.environment["LAB_DIR"] ?? ""
        return URL(fileURLWithPath: value.isEmpty ? "/tmp/alert-inspect-lab" : value)
    }()

    /// `$LAB_DIR/lab.json`, written by `Lab/labkit.py manifest` after every `lab.sh up`.
    package static var manifestURL: URL { directory.appendingPathComponent("lab.json") }

    /// True when the environment says this is CI (`CI` set, not empty): live tests must then run.
    package static let isRequired: Bool = !(ProcessInfo.processInfo.environment["CI"] ?? "").isEmpty

    /// The manifest as read once for this test process, or why it could not be read.
    package static let manifest: Result<Manifest, LabError> = {
        let data: Data
        do {
            data = try Data(contentsOf: manifestURL)
        } catch {
            return .failure(.noManifest(manifestURL.path))
        }
        do {
            return .success(try JSONDecoder().decode(Manifest.self, from: data))
        } catch {
            return .failure(.badManifest(manifestURL.path, String(describing: error)))
        }
    }()

    /// The engines the manifest lists that answer `/_ping` now, asked once per test process.
    private static let answeringEngines: [EngineName: Engine] = {
        Dictionary(uniqueKeysWithValues: EngineName.allCases.compactMap { name in answering(name).map { (name, $0) } })
    }()

    /// The Docker 20.10 engine when the manifest lists it and it answers `/_ping` now.
    package static var docker: Engine? { answeringEngines[.docker] }

    /// Podman's Docker-compatible service when the manifest lists it and it answers `/_ping` now.
    package static var podman: Engine? { answeringEngines[.podman] }

    /// True when the lab's Docker 20.10 engine is up (the engine most live tests need).
    package static var isUp: Bool { docker != nil }

    /// True when the given engine is up.
    package static func isUp(_ engine: EngineName) -> Bool { answeringEngines[engine] != nil }

    /// The engine, or an error saying why not and how to start it.
    package static func require(_ engine: EngineName) throws -> Engine {
        if let answering = answeringEngines[engine] { return answering }
        switch manifest {
        case .failure(let error):
            throw error
        case .success(let manifest):
            guard let listed = manifest[engine] else { throw LabError.engineNotSetUp(engine) }
            throw LabError.engineNotAnswering(engine, listed.socket)
        }
    }

    package enum EngineName: String, Sendable, CaseIterable, CustomStringConvertible {
        /// Docker 20.10 (Debian 12), overlay2.
        case docker
        /// Docker 26.1 (Debian 13's packages), overlay2.
        case docker26
        /// Docker 26.1 keeping containers in containerd's image store.
        case docker26Containerd = "docker26-containerd"
        /// Podman 4.3's Docker-compatible service.
        case podman
        package var description: String { rawValue }

        /// The Docker engines: every scenario runs on each.
        package static let dockers: [EngineName] = [.docker, .docker26, .docker26Containerd]

        package var isDocker: Bool { self != .podman }
    }

    private static func answering(_ name: EngineName) -> Engine? {
        guard case .success(let manifest) = manifest, let engine = manifest[name] else { return nil }
        return ping(socketPath: engine.socket) ? engine : nil
    }

    /// `GET /_ping` over the Unix socket, answered `200 OK` within two seconds. A socket file alone
    /// proves nothing: a killed engine leaves its socket behind.
    package static func ping(socketPath: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let path = Array(socketPath.utf8)
        guard path.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path)
            buffer[path.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard connected == 0 else { return false }

        let request = Array("GET /_ping HTTP/1.0\r\nHost: lab\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            return false
        }
        var answer = [UInt8](repeating: 0, count: 512)
        let count = answer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return false }
        let head = String(decoding: answer[..<count], as: UTF8.self)
        return head.hasPrefix("HTTP/1.0 200") || head.hasPrefix("HTTP/1.1 200")
    }
}

extension Lab {
    /// `lab.json`: `{schema, labDir, alerts, docker?, docker26?, docker26-containerd?, podman?}`. An
    /// engine is listed only when it answered when the file was written.
    package struct Manifest: Codable, Sendable {
        package var schema: String
        package var labDir: String
        /// JSON lines: every scenario's alert, oldest first.
        package var alerts: String
        package var docker: Engine?
        package var docker26: Engine?
        package var docker26Containerd: Engine?
        package var podman: Engine?

        enum CodingKeys: String, CodingKey {
            case schema, labDir, alerts, docker, docker26, docker26Containerd = "docker26-containerd", podman
        }

        package subscript(_ name: EngineName) -> Engine? {
            switch name {
            case .docker: docker
            case .docker26: docker26
            case .docker26Containerd: docker26Containerd
            case .podman: podman
            }
        }

        /// Every engine listed, in the lab's order.
        package var engines: [Engine] { EngineName.allCases.compactMap { self[$0] } }

        package var alertsURL: URL { URL(fileURLWithPath: alerts) }
    }

    /// One engine of the lab.
    package struct Engine: Codable, Sendable {
        /// `unix:///…/docker.sock`, ready for `--host` or `DOCKER_HOST`.
        package var host: String
        /// The socket's path.
        package var socket: String
        /// The engine's pid (dockerd, or `podman system service`).
        package var pid: Int
        package var serverVersion: String
        package var apiVersion: String
        /// `overlay2` (Docker), `overlayfs` (Docker with containerd's image store) or `overlay` (Podman).
        package var storageDriver: String
        /// `containerd` when the engine keeps containers in containerd's image store, else `graphdriver`.
        package var imageStore: String?
        package var dataRoot: String?
        /// The image every scenario container runs (`alert-inspect/lab:1`, Podman: `localhost/…`).
        package var image: String
        package var imageId: String
        /// The cgroup every container of this engine lives under.
        package var cgroupParent: String?
        /// By scenario name: `dropped`, `overwritten`, `deleted`, `false-claim`, `memfd`, `tty`,
        /// `risky`, `removed` on each Docker engine; `dropped` on Podman.
        package var scenarios: [String: Scenario]

        package func scenario(_ name: String) throws -> Scenario {
            guard let scenario = scenarios[name] else { throw LabError.noScenario(name, host) }
            return scenario
        }

        /// Runs the docker CLI against this engine (setting up a container is not the tool's job: it
        /// only reads); stdout and stderr together.
        package func docker(_ arguments: [String]) throws -> (status: Int32, output: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["docker", "--host", host] + arguments
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, text)
        }
    }

    /// A scenario: a real container, what happened in it, the alert written for it, and what an
    /// investigation should find.
    package struct Scenario: Codable, Sendable {
        /// The engine's name in the lab (`Lab.EngineName`'s raw value): `docker`, `docker26`,
        /// `docker26-containerd` or `podman`.
        package var engine: String
        /// The scenario's name (the key in `Engine.scenarios`).
        package var scenario: String
        package var description: String
        /// The full 64-hex container id (the alert carries its first 12 characters).
        package var containerId: String
        /// The container's name, without the leading `/`.
        package var name: String
        /// `Config.Image` as the container was started.
        package var image: String
        package var imageId: String
        /// `proc.exepath` of the alert: `/tmp/payload`, `/usr/bin/lab-tool`, `memfd:lab-payload`.
        package var exePath: String
        /// Path of the alert file (one JSON alert in Falco 0.43's shape).
        package var alert: String
        /// The alert's `time`.
        package var alertTime: String
        package var rule: String
        /// The alert's `evt.arg.flags`, as written (possibly false, see `false-claim`).
        package var flags: String
        /// SHA-256 of the program that really runs (the dropped binary, the memfd's contents...).
        package var sha256: String
        package var size: Int
        /// SHA-256 of the image's own file at `exePath`, where the image has one.
        package var imageSha256: String?
        /// Host pid of the process, while it runs.
        package var hostPid: Int?
        /// Whether the process still runs.
        package var running: Bool
        package var containerExists: Bool
        package var containerRunning: Bool
        /// Whether the container was started with a terminal (`-t`): its logs are one raw stream.
        package var tty: Bool
        /// The container's writable layer on the host (gone once the container is removed).
        package var upperDir: String?
        /// The executable's `change`: `added`, `modified`, `deleted`, `unchanged`, `memfd`, `unknown`.
        package var expectedChange: String
        /// The overall verdict the report should reach, where one is certain (`nil`: the tool's call).
        package var expectedVerdict: String?
        /// Risk ids the report must include (besides any that apply to every lab container).
        package var expectedRisks: [String]
        /// An environment variable holding a secret-looking value the report must redact.
        package var secretEnv: SecretEnv?
        /// The program that started a fileless process (`memfd`).
        package var launcher: String?

        package struct SecretEnv: Codable, Sendable {
            package var name: String
            package var value: String
        }

        package var alertURL: URL { URL(fileURLWithPath: alert) }

        /// The alert file's bytes.
        package func alertData() throws -> Data { try Data(contentsOf: alertURL) }

        /// The 12-character id the alert carries.
        package var shortId: String { String(containerId.prefix(12)) }
    }

    package enum LabError: Error, Sendable, CustomStringConvertible {
        case noManifest(String)
        case badManifest(String, String)
        case engineNotSetUp(EngineName)
        case engineNotAnswering(EngineName, String)
        case noScenario(String, String)

        package var description: String {
            switch self {
            case .noManifest(let path):
                return "the lab is not up: no \(path) (run `make lab`)"
            case .badManifest(let path, let error):
                return "the lab's manifest \(path) does not decode: \(error)"
            case .engineNotSetUp(let engine):
                return "the lab's \(engine) engine is not set up (run `make lab-\(engine)`)"
            case .engineNotAnswering(let engine, let socket):
                return "the lab's \(engine) engine does not answer on \(socket) (run `make lab-\(engine)`)"
            case .noScenario(let name, let host):
                return "no scenario \"\(name)\" on \(host)"
            }
        }
    }
}

extension Trait where Self == ConditionTrait {
    /// Runs the test when the lab's Docker engine is up, or always in CI, where a down lab must fail.
    package static var lab: Self { lab(.docker) }

    /// Runs the test when the lab's `engine` is up, or always in CI, where a down lab must fail.
    package static func lab(_ engine: Lab.EngineName) -> Self {
        .enabled(
            if: Lab.isRequired || Lab.isUp(engine),
            "the lab's \(engine) engine is down (`make lab`); required when CI is set"
        )
    }
}
