import Foundation
import Testing
import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Every row of SPEC's exit-code table, and every case the command line once got wrong, run against the built
/// binary as a script sees it: (arguments → exit code, what stderr says). The engines are recordings served on
/// a socket (`FakeEngine.replaying`), a socket path with nothing behind it, and a plain TCP port.
@Suite(.serialized) struct ExitCodeTableTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var name: String
        var arguments: [String]
        var environment: [String: String] = [:]
        var status: Int32
        var stderr: [String] = []
        var testDescription: String { "\(status): \(name)" }
    }

    /// The files and engines the rows use; `$NAME` in a row's arguments or environment is replaced by them.
    final class Setup: @unchecked Sendable {
        let folder: URL
        let engine: FakeEngine
        let plainPort: PlainHTTPPort
        var values: [String: String] = [:]

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("exit-codes-" + UUID().uuidString.prefix(8))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let dropped = Fixture.url("recordings/docker-dropped")
            // As a real engine answers for a name it does not know (LAB-NOTES): 404 "No such container".
            engine = try FakeEngine.replaying(dropped) { _, target in
                guard let match = target.firstMatch(of: /\/containers\/([^\/]+)\/json/),
                    !match.1.hasPrefix("0a8f2c69d33f")
                else { return nil }
                return .respond(
                    status: 404, headers: ["Content-Type": "application/json"],
                    body: Data(#"{"message":"No such container: \#(match.1)"}"#.utf8))
            }
            plainPort = try PlainHTTPPort()
            let alert = try String(contentsOf: dropped.appendingPathComponent("alert.json"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            func write(_ name: String, _ text: String) throws -> String {
                let url = folder.appendingPathComponent(name)
                try Data(text.utf8).write(to: url)
                return url.path
            }
            values["DROPPED"] = dropped.path
            values["REMOVED"] = Fixture.url("recordings/docker-removed").path
            values["ALERT"] = dropped.appendingPathComponent("alert.json").path
            values["THREE"] = try write("three.jsonl", [alert, alert, alert].joined(separator: "\n") + "\n")
            values["HOSTALERT"] = try write(
                "host.json", alert.replacingOccurrences(of: #""container.id":"0a8f2c69d33f""#, with: #""container.id":"host""#))
            values["MALFORMED"] = try write("malformed.json", #"{"rule": "x", "output_fields": {"#)
            values["MISSING"] = folder.appendingPathComponent("no-such-alert.json").path
            values["ENGINE"] = "unix://" + engine.socketPath
            values["NOSOCKET"] = "unix://" + folder.appendingPathComponent("no-engine.sock").path
            values["PLAIN"] = "tcp+tls://127.0.0.1:\(plainPort.port)"
            let certs = folder.appendingPathComponent("certs")
            try FileManager.default.createDirectory(at: certs, withIntermediateDirectories: true)
            values["CERTS"] = certs.path
            values["EXISTING"] = folder.path
            values["BUNDLE"] = folder.appendingPathComponent("bundle").path
        }

        func resolve(_ text: String) -> String {
            var text = text
            for (name, value) in values.sorted(by: { $0.key.count > $1.key.count }) {
                text = text.replacingOccurrences(of: "$" + name, with: value)
            }
            return text
        }

        deinit {
            engine.stop()
            plainPort.close()
            try? FileManager.default.removeItem(at: folder)
        }
    }

    static let rows: [Row] = [
        // 0 done
        Row(name: "a replayed investigation", arguments: ["--replay", "$DROPPED", "--alert", "$ALERT"], status: 0),
        Row(
            name: "several alerts: which one was taken is said", arguments: ["--replay", "$DROPPED", "--alert", "$THREE"],
            status: 0, stderr: ["holds 3 alerts: took alert 1", "--alert-index last"]),
        Row(
            name: "--alert-index last", arguments: ["--replay", "$DROPPED", "--alert", "$THREE", "--alert-index", "last"],
            status: 0, stderr: ["took alert 3 (--alert-index last)"]),
        Row(name: "--version", arguments: ["--version"], status: 0),
        // 1 unexpected failure; verify: a bundle that does not match (see the test below for verify)
        Row(
            name: "a recording that lacks a request", arguments: ["lab-other", "--replay", "$DROPPED"], status: 1,
            stderr: ["has no answer for"]),
        // 2 --fail-on matched, once or among several
        Row(
            name: "--fail-on matched", arguments: ["--replay", "$DROPPED", "--alert", "$ALERT", "--fail-on", "confirmed"],
            status: 2),
        Row(
            name: "--fail-on repeated keeps every value",
            arguments: ["--replay", "$DROPPED", "--alert", "$ALERT", "--fail-on", "confirmed", "--fail-on", "disputed"],
            status: 2),
        Row(
            name: "--fail-on not matched",
            arguments: ["--replay", "$DROPPED", "--alert", "$ALERT", "--fail-on", "disputed", "--fail-on", "inconclusive"],
            status: 0),
        // 3 the container does not exist
        Row(
            name: "a removed container", arguments: ["--replay", "$REMOVED", "--alert", "$REMOVED/alert.json"], status: 3,
            stderr: ["no such container: 28fbb996c2d1 at unix://"]),
        Row(
            name: "no such container on a live engine", arguments: ["no-such-web", "--host", "$ENGINE"], status: 3,
            stderr: ["no such container: no-such-web at $ENGINE"]),
        // 64 usage
        Row(
            name: "a mistyped command", arguments: ["colect", "--host", "$ENGINE"], status: 64,
            stderr: ["unknown command 'colect'", "did you mean `collect`?", "$ENGINE"]),
        Row(
            name: "a mistyped command, no engine", arguments: ["colect", "--host", "$NOSOCKET"], status: 64,
            stderr: ["did you mean `collect`?"]),
        Row(
            name: "version as a word", arguments: ["version", "--host", "$ENGINE"], status: 64,
            stderr: ["did you mean `alert-inspect --version`?"]),
        Row(
            name: "--alert-index past the end", arguments: ["--replay", "$DROPPED", "--alert", "$THREE", "--alert-index", "9"],
            status: 64, stderr: ["--alert-index 9", "holds 3 alert(s)"]),
        Row(name: "an unknown option", arguments: ["inspect", "web", "--no-such-option"], status: 64, stderr: ["--no-such-option"]),
        Row(name: "nothing to inspect", arguments: ["inspect"], status: 64, stderr: ["name a container"]),
        Row(
            name: "an invalid endpoint", arguments: ["web", "--host", "bogus://x"], status: 64,
            stderr: ["invalid engine endpoint 'bogus://x'"]),
        Row(
            name: "an unknown DOCKER_CONTEXT", arguments: ["web"], environment: ["DOCKER_CONTEXT": "nope", "HOME": "$EXISTING"],
            status: 64, stderr: ["no docker context of that name"]),
        Row(
            name: "an unknown --context", arguments: ["web", "--context", "nope"], environment: ["HOME": "$EXISTING"],
            status: 64, stderr: ["no docker context of that name"]),
        Row(
            name: "--host and --context together", arguments: ["web", "-H", "$ENGINE", "--context", "x"], status: 64,
            stderr: ["either --host or --context"]),
        Row(
            name: "an ssh:// host with a password", arguments: ["web", "-H", "ssh://me:pw@host"], status: 64,
            stderr: ["no password in an ssh:// host"]),
        Row(
            name: "a DOCKER_API_VERSION out of range", arguments: ["web", "-H", "$ENGINE"],
            environment: ["DOCKER_API_VERSION": "1.12"], status: 64, stderr: ["DOCKER_API_VERSION=1.12"]),
        Row(
            name: "a host alert and no container", arguments: ["--replay", "$DROPPED", "--alert", "$HOSTALERT"], status: 64,
            stderr: ["container.id=host", "name a container"]),
        // 65 malformed alert
        Row(name: "a malformed alert", arguments: ["web", "--alert", "$MALFORMED"], status: 65, stderr: ["$MALFORMED"]),
        // 66 input unreadable
        Row(name: "an alert file that is not there", arguments: ["web", "--alert", "$MISSING"], status: 66, stderr: ["$MISSING"]),
        Row(name: "verify of no bundle", arguments: ["verify", "$MISSING"], status: 66),
        // 69 engine unreachable
        Row(name: "no socket", arguments: ["web", "--host", "$NOSOCKET"], status: 69, stderr: ["no engine socket at"]),
        Row(
            name: "TLS against a plain port", arguments: ["web", "-H", "$PLAIN"],
            environment: ["DOCKER_TLS": "1", "DOCKER_CERT_PATH": "$CERTS"], status: 69,
            stderr: ["the port answered without TLS"]),
        Row(
            name: "a missing ca.pem", arguments: ["web", "-H", "tcp://127.0.0.1:1"],
            environment: ["DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": "$CERTS"], status: 69,
            stderr: ["no ca.pem in $CERTS"]),
        Row(
            name: "a missing ca.pem under DOCKER_CONFIG", arguments: ["web", "-H", "tcp://127.0.0.1:1"],
            environment: ["DOCKER_TLS_VERIFY": "1", "DOCKER_CONFIG": "$CERTS"], status: 69,
            stderr: ["no ca.pem in $CERTS"]),
        Row(name: "doctor with no engine", arguments: ["doctor", "--host", "$NOSOCKET"], status: 69),
        Row(
            name: "an ssh:// host without ssh", arguments: ["web", "-H", "ssh://me@host"], environment: ["PATH": "/nonexistent"],
            status: 69, stderr: ["ssh is not installed"]),
        // 73 output cannot be created
        Row(
            name: "a bundle folder that exists", arguments: ["collect", "--host", "$ENGINE", "--alert", "$ALERT", "--out", "$EXISTING"],
            status: 73, stderr: ["$EXISTING"]),
    ]

    static let setup = Result { try Setup() }

    @Test(arguments: rows)
    func `each case exits as the table says`(row: Row) throws {
        let setup = try Self.setup.get()
        let arguments = row.arguments.map(setup.resolve)
        var environment = row.environment.mapValues(setup.resolve)
        environment["HOME"] = environment["HOME"] ?? setup.folder.path  // no docker config of the machine's
        let run = try Tool.run(arguments, environment: environment, timeLimit: 60)
        #expect(run.status == row.status, "\(arguments.joined(separator: " ")): \(run)")
        for text in row.stderr.map(setup.resolve) {
            #expect(run.stderr.contains(text), "stderr should say '\(text)': \(run.stderr)")
        }
    }

    @Test func `every code of the table has a row`() {
        let codes = Set(Self.rows.map(\.status))
        // 1 for verify is covered below.
        #expect(codes.isSuperset(of: [0, 1, 2, 3, 64, 65, 66, 69, 73]))
    }

    @Test func `verify: a bundle that does not match exits 1 naming the file`() throws {
        let setup = try Self.setup.get()
        let bundle = setup.folder.appendingPathComponent("bundle-\(UUID().uuidString.prefix(6))").path
        let collect = try Tool.run(
            ["collect", "--host", setup.values["ENGINE"]!, "--alert", setup.values["ALERT"]!, "--out", bundle],
            environment: ["HOME": setup.folder.path], timeLimit: 120)
        #expect(collect.status == 0, "\(collect)")
        #expect(try Tool.run(["verify", bundle]).status == 0)
        let report = bundle + "/report.md"
        try Data("tampered\n".utf8).write(to: URL(fileURLWithPath: report))
        let verify = try Tool.run(["verify", bundle])
        #expect(verify.status == 1, "\(verify)")
        #expect((verify.output + verify.stderr).contains("report.md"))
    }
}

/// A TCP port on 127.0.0.1 that answers anything with a plain HTTP 400, as a Docker engine's plain port does
/// to a TLS ClientHello.
final class PlainHTTPPort: @unchecked Sendable {
    let port: Int
    private let descriptor: Int32

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        descriptor = listener
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                if connection < 0 { return }
                var scratch = [UInt8](repeating: 0, count: 4096)
                _ = read(connection, &scratch, scratch.count)
                let answer = "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n"
                    + "Client sent an HTTP request to an HTTPS server.\n"
                _ = answer.withCString { send(connection, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
                _ = Glibc.close(connection)
            }
        }.start()
    }

    func close() {
        shutdown(descriptor, Int32(SHUT_RDWR))
        _ = Glibc.close(descriptor)
    }
}
