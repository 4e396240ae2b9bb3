import DockerEngine
import Foundation
import Investigation
import TestSupport
import Testing

/// Secret-looking values never reach a report, in any format, while the bundle's raw evidence keeps them
/// exactly (docs/redaction.md).
@Suite(.serialized) struct SecretRedactionTests {
    @Test(arguments: [
        ("PATH=/bin AWS_SECRET_ACCESS_KEY=abc123 HOME=/root", "PATH=/bin AWS_SECRET_ACCESS_KEY=<redacted> HOME=/root"),
        ("payload --password=abc123 -v", "payload --password=<redacted> -v"),
        ("mysql --db-password abc123 -h db", "mysql --db-password <redacted> -h db"),
        ("sh -c export TOKEN=\"a b\"; run", "sh -c export TOKEN=<redacted>; run"),
        ("/bin/sh -c #(nop)  ENV MYSQL_ROOT_PASSWORD=abc123", "/bin/sh -c #(nop)  ENV MYSQL_ROOT_PASSWORD=<redacted>"),
        ("ENV  MYSQL_ROOT_PASSWORD abc123", "ENV  MYSQL_ROOT_PASSWORD <redacted>"),
        ("built by: ENV api_key=abc | CMD run", "built by: ENV api_key=<redacted> | CMD run"),
        ("PATH=/usr/bin LANG=C.UTF-8", "PATH=/usr/bin LANG=C.UTF-8"),
        ("a password is needed", "a password is needed"),
        ("--token -x", "--token -x"),
    ])
    func `env-style, option and ENV values whose names look secret are redacted`(input: String, expected: String) {
        #expect(SecretRedaction.text(input) == expected)
    }

    @Test func `an alert field whose argument names a secret is redacted whole`() {
        #expect(SecretRedaction.field("proc.env[GITHUB_TOKEN]", .string("abc")) == .string("<redacted>"))
        #expect(SecretRedaction.field("proc.env[HOME]", .string("/root")) == .string("/root"))
        #expect(
            SecretRedaction.field("proc.env", .string("A=1 DB_PASSWORD=abc")) == .string("A=1 DB_PASSWORD=<redacted>"))
        #expect(SecretRedaction.field("proc.pid", .number("42")) == .number("42"))
    }

    /// docker-dropped with secrets planted where real ones turn up: the alert's `proc.env`, a `proc.env[…]`
    /// field and its command line, an image build step and a label.
    private static func plantedRecording() throws -> (folder: URL, alert: URL) {
        let source = Fixture.url("recordings/docker-dropped")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "redaction-" + UUID().uuidString.prefix(8))
        try FileManager.default.copyItem(at: source, to: folder)
        let bodies = folder.appendingPathComponent("bodies")
        for name in try FileManager.default.contentsOfDirectory(atPath: bodies.path) {
            let url = bodies.appendingPathComponent(name)
            guard name.hasSuffix(".json") else { continue }
            var text = try String(contentsOf: url, encoding: .utf8)
            if name.hasSuffix("_history.json") {
                text = text.replacingOccurrences(
                    of: "\"CreatedBy\":\"\"",
                    with: "\"CreatedBy\":\"/bin/sh -c #(nop)  ENV MYSQL_ROOT_PASSWORD=hunter2-history\"")
            } else if name.contains("_containers_0a8f2c69d33f_json") {
                text = text.replacingOccurrences(
                    of: "\"alert-inspect.lab\":\"1\"", with: "\"alert-inspect.lab\":\"1\",\"app.db-password\":\"hunter2-label\"")
            } else {
                continue
            }
            try FileManager.default.removeItem(at: url)
            try Data(text.utf8).write(to: url)
        }
        var alert = try String(contentsOf: source.appendingPathComponent("alert.json"), encoding: .utf8)
        alert = alert.replacingOccurrences(
            of: "\"proc.cmdline\":\"payload\"",
            with:
                "\"proc.cmdline\":\"payload --password=hunter2-cmd TOKEN=hunter2-cmd2\",\"proc.env\":\"PATH=/bin AWS_SECRET_ACCESS_KEY=hunter2-env HOME=/root\",\"proc.env[GITHUB_TOKEN]\":\"hunter2-field\""
        )
        let alertURL = folder.appendingPathComponent("planted-alert.json")
        try Data(alert.utf8).write(to: alertURL)
        return (folder, alertURL)
    }

    @Test func `no report format shows a planted secret, though each shows where it was`() throws {
        let (folder, alert) = try Self.plantedRecording()
        defer { try? FileManager.default.removeItem(at: folder) }
        for format in ["text", "markdown", "json"] {
            let run = try Tool.run(
                ["--replay", folder.path, "--alert", alert.path, "--format", format, "--color", "never"], timeLimit: 60)
            #expect(run.status == 0, "\(run)")
            #expect(!run.output.contains("hunter2"), "\(format) shows a secret:\n\(run.output)")
            for name in ["AWS_SECRET_ACCESS_KEY", "--password", "MYSQL_ROOT_PASSWORD"] {
                // Markdown escapes `_`.
                #expect(run.output.replacingOccurrences(of: "\\", with: "").contains(name), "\(format) lost \(name)")
            }
            #expect(run.output.contains("<redacted>") || run.output.contains("\\u003credacted\\u003e"))
        }
    }

    @Test func `a bundle's reports are redacted, its raw evidence is not`() throws {
        let (folder, alert) = try Self.plantedRecording()
        defer { try? FileManager.default.removeItem(at: folder) }
        let engine = try FakeEngine.replaying(folder)
        defer { engine.stop() }
        let out = folder.appendingPathComponent("bundle")
        let run = try Tool.run(
            ["collect", "--alert", alert.path, "--host", "unix://" + engine.socketPath, "--out", out.path],
            timeLimit: 120)
        #expect(run.status == 0, "\(run)")
        for report in ["report.json", "report.md"] {
            let text = try String(contentsOf: out.appendingPathComponent(report), encoding: .utf8)
            #expect(!text.contains("hunter2"), "\(report) shows a secret")
        }
        #expect(!run.output.contains("hunter2"))
        let kept = try String(contentsOf: out.appendingPathComponent("alert.json"), encoding: .utf8)
        #expect(kept.contains("hunter2-env") && kept.contains("hunter2-field"), "alert.json is not as received")
        let recording = out.appendingPathComponent("engine/recording/bodies")
        let raw = try FileManager.default.contentsOfDirectory(atPath: recording.path).map {
            (try? String(contentsOf: recording.appendingPathComponent($0), encoding: .utf8)) ?? ""
        }.joined()
        #expect(raw.contains("hunter2-history") && raw.contains("hunter2-label"), "raw engine answers were changed")
    }
}
