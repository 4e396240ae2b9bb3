import DockerEngine
import Foundation
import TestSupport
import Testing

/// What `collect` prints comes partly from the alert: an executable path holding terminal controls must be
/// shown escaped, never act on the terminal that runs the tool.
@Suite struct HostileCollectSummaryTests {
    @Test func `collect's summary shows a hostile executable path escaped`() throws {
        let recording = Fixture.url("recordings/docker-dropped")
        // ESC ] 0 ; … BEL sets the window title; U+202E reverses what follows.
        let hostile = "/tmp/payload\u{1B}]0;owned\u{07}\u{202E}exe"
        let escapedJSON = "/tmp/payload\\u001b]0;owned\\u0007\u{202E}exe"
        let index = try JSONDecoder().decode(
            Recording.self, from: Data(contentsOf: recording.appendingPathComponent(Recording.indexName)))
        var answers: [String: FakeEngine.Reply] = [:]
        for exchange in index.exchanges where exchange.target.contains("/archive?") {
            let body = try exchange.body.map { try Data(contentsOf: recording.appendingPathComponent($0)) } ?? Data()
            answers[exchange.method] = .respond(status: exchange.status, headers: exchange.headers, body: body)
        }
        let archive = answers
        let changes = Data("[{\"Path\":\"/tmp\",\"Kind\":0},{\"Path\":\"\(escapedJSON)\",\"Kind\":1}]".utf8)
        // The engine's own evidence shows the file changed, so the investigation stands behind acquiring it.
        let engine = try FakeEngine.replaying(recording) { method, target in
            if target.hasSuffix("/changes") {
                return .respond(status: 200, headers: ["Content-Type": "application/json"], body: changes)
            }
            return target.contains("/archive?") ? archive[method] : nil
        }
        defer { engine.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("summary-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: folder) }
        let alert = try String(contentsOf: recording.appendingPathComponent("alert.json"), encoding: .utf8)
            .replacingOccurrences(of: "\"proc.exepath\":\"/tmp/payload\"", with: "\"proc.exepath\":\"\(escapedJSON)\"")
        #expect(alert.contains("owned"))
        try Data(alert.utf8).write(to: folder.appendingPathComponent("alert.json"))
        let run = try Tool.run(
            [
                "collect", "--alert", folder.appendingPathComponent("alert.json").path, "--host",
                "unix://" + engine.socketPath, "--out", folder.appendingPathComponent("bundle").path,
            ], timeLimit: 120)
        #expect(run.status == 0, "\(run)")
        #expect(run.output.contains("executable /tmp/payload"), "\(run.output)")
        #expect(!run.output.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 || $0.value == 0x202E })
        #expect(run.output.contains("\\x1b]0;owned\\x07\\u{202e}exe"), "\(run.output)")
        #expect(!hostile.isEmpty)
    }
}
