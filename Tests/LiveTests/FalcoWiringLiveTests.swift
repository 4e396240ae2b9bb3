import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Every wiring in docs/falco.md, run as written there (only the paths, and a free port, changed), fed exactly what
/// that path sends: Falco's `http_output` POST, a `program_output` stream, lines appended by `file_output`, and
/// falcosidekick's webhook POST with its re-encoded body and custom headers. Each must end in an investigated,
/// confirmed alert of the lab's dropped-binary scenario.
@Suite(.serialized) struct FalcoWiringLiveTests {
    typealias WatchRun = WatchLiveTests.WatchRun
    typealias Scratch = WatchLiveTests.Scratch

    static let document: String = (try? String(contentsOf: Fixture.root.appendingPathComponent("docs/falco.md"), encoding: .utf8)) ?? ""

    /// The documented `alert-inspect watch …` command that contains `marker`, as the arguments after `watch`,
    /// with the documented paths moved into `scratch`, a free port, and the lab's engine.
    static func documentedWatch(containing marker: String, scratch: Scratch, engine: Lab.Engine) throws -> [String] {
        let line = try #require(
            document.split(separator: "\n").first { $0.contains("alert-inspect watch") && $0.contains(marker) },
            "docs/falco.md shows a watch command with \(marker)")
        var text = String(line)
        if let program = text.firstMatch(of: /program: "(.*)"/) { text = String(program.1) }
        let moved = [
            "/var/lib/alert-inspect/bundles": scratch.path("out"), "/var/lib/alert-inspect/watch.jsonl": scratch.path("journal.jsonl"),
            "/var/log/falco/events.json": scratch.path("events.json"), "/etc/alert-inspect/watch.token": scratch.path("watch.token"),
            "127.0.0.1:2801": "127.0.0.1:0", "10.0.0.5:2802": "127.0.0.1:0",
        ]
        for (from, to) in moved { text = text.replacingOccurrences(of: from, with: to) }
        let words = text.split(separator: " ").map(String.init)
        try #require(Array(words.prefix(2)) == ["alert-inspect", "watch"], "\(text)")
        return Array(words.dropFirst(2)) + ["--host", engine.host]
    }

    /// The lab's dropped-binary alert as Falco 0.43 writes it (one JSON line).
    static func droppedAlert(_ engine: Lab.Engine) throws -> (line: String, scenario: Lab.Scenario) {
        let scenario = try engine.scenario("dropped")
        let text = try String(contentsOf: scenario.alertURL, encoding: .utf8)
        return (text.trimmingCharacters(in: .whitespacesAndNewlines), scenario)
    }

    /// POSTs `body` with exactly `headers` (curl adds Host, Content-Length and Accept): the status.
    static func post(port: Int, body: String, headers: [String]) throws -> Int {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("wiring-" + UUID().uuidString)
        try Data(body.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var arguments = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Expect:"]
        for header in headers { arguments += ["-H", header] }
        arguments += ["--data-binary", "@" + file.path, "http://127.0.0.1:\(port)/"]
        let child = try ChildProcess(arguments, environment: ProcessInfo.processInfo.environment)
        let run = child.finish(within: 30)
        return Int(run.output) ?? 0
    }

    /// Waits for `count` outcome lines, stops the watcher with SIGTERM where it would run on, and checks them.
    static func expectConfirmed(_ run: WatchRun, count: Int, stop: Bool) async throws -> [WatchLiveTests.Outcome] {
        let arrived = try await run.until(180) { try run.outcomes.count >= count }
        #expect(arrived, "\(run.lines) \(run.stderr)")
        if stop { run.signal(SIGTERM) }
        #expect(await run.exit(within: 60) == 0, "\(run.stderr)")
        let outcomes = try run.outcomes
        let first = try #require(outcomes.first)
        #expect(first.action == "investigated", "\(first)")
        #expect(first.verdict == "confirmed", "\(first)")
        if let bundle = first.bundle { #expect(try WatchLiveTests.verify(bundle) == 0) }
        return outcomes
    }

    /// Whether `watch` has `--token-file` yet (the token part of the falcosidekick path needs it).
    static var watchTakesTokenFile: Bool {
        guard let run = try? Tool.run(["watch", "--help"]) else { return false }
        return run.output.contains("--token-file")
    }

    @Test(.lab) func `Falco http_output POSTs to watch --listen`() async throws {
        let engine = try Lab.require(.docker)
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(Self.document.contains("url: http://127.0.0.1:2801/"), "the http_output URL is the documented --listen")
        let run = try WatchRun(try Self.documentedWatch(containing: "--listen 127.0.0.1:2801", scratch: scratch, engine: engine))
        let port = try #require(await run.listeningPort(), "\(run.stderr)")
        let alert = try Self.droppedAlert(engine)
        // Falco's http_output (outputs_http.cpp): JSON content type with json_output, its own user agent.
        let status = try Self.post(
            port: port, body: alert.line, headers: ["Content-Type: application/json", "User-Agent: falcosecurity/falco"])
        #expect(status == 200)
        _ = try await Self.expectConfirmed(run, count: 1, stop: true)
    }

    @Test(.lab) func `Falco program_output streams into watch --input -`() async throws {
        let engine = try Lab.require(.docker)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let arguments = try Self.documentedWatch(containing: "--input -", scratch: scratch, engine: engine)
        #expect(Self.document.contains("keep_alive: true\n  program: \"alert-inspect watch --input -"))
        let run = try WatchRun(arguments)
        let alert = try Self.droppedAlert(engine)
        // With keep_alive, one process gets every alert as a line on stdin; Falco's exit closes it.
        try run.write(alert.line + "\n" + alert.line + "\n")
        try run.closeInput()
        let outcomes = try await Self.expectConfirmed(run, count: 2, stop: false)
        #expect(outcomes.map(\.action) == ["investigated", "merged"])
    }

    @Test(.lab) func `Falco file_output is followed by watch --input FILE`() async throws {
        let engine = try Lab.require(.docker)
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(Self.document.contains("filename: /var/log/falco/events.json"))
        let alert = try Self.droppedAlert(engine)
        let events = scratch.path("events.json")
        try Data((alert.line + "\n").utf8).write(to: URL(fileURLWithPath: events))
        let run = try WatchRun(try Self.documentedWatch(containing: "--input /var/log/falco/events.json", scratch: scratch, engine: engine))
        // Falco appends the next alert while watch follows the file.
        try await Task.sleep(for: .milliseconds(500))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: events))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((alert.line + "\n").utf8))
        try handle.close()
        let outcomes = try await Self.expectConfirmed(run, count: 2, stop: true)
        #expect(outcomes.map(\.action) == ["investigated", "merged"])
    }

    /// The alert as falcosidekick's webhook output re-posts it (types.FalcoPayload marshalled by Go): a random
    /// uuid first, fields in the struct's order, output_fields' keys sorted, `time` with trailing zeros dropped.
    static func falcosidekickBody(from line: String) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        func string(_ key: String) throws -> String {
            let value = try #require(object[key] as? String, "\(key)")
            let encoded = try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes])
            return String(decoding: encoded, as: UTF8.self)
        }
        // The output fields exactly as Falco wrote them (big integers kept, keys already sorted by Falco ≥ 0.39).
        let fields = try #require(line.firstMatch(of: /"output_fields":(\{[^{}]*\})/)?.1, "output_fields")
        var time = try #require(object["time"] as? String)
        if let fraction = time.firstMatch(of: /\.(\d+)Z$/) {
            let trimmed = String(fraction.1).replacing(/0+$/, with: "")
            time = String(time[..<fraction.range.lowerBound]) + (trimmed.isEmpty ? "" : "." + trimmed) + "Z"
        }
        let tags = ((object["tags"] as? [String]) ?? []).sorted().map { "\"\($0)\"" }.joined(separator: ",")
        return "{\"uuid\":\"\(UUID().uuidString.lowercased())\",\"output\":\(try string("output")),"
            + "\"priority\":\(try string("priority")),\"rule\":\(try string("rule")),\"time\":\"\(time)\","
            + "\"output_fields\":\(fields),\"source\":\(try string("source")),\"tags\":[\(tags)],"
            + "\"hostname\":\(try string("hostname"))}"
    }

    @Test(.lab) func `falcosidekick's webhook output with its token header reaches watch --listen`() async throws {
        let engine = try Lab.require(.docker)
        let scratch = try Scratch()
        defer { scratch.remove() }
        let config = try #require(
            Self.document.firstMatch(of: /webhook:\n  address: http:\/\/10\.0\.0\.5:2802\/\n(?:  .*\n)*?  customHeaders:\n    Authorization: Bearer (\S+)/),
            "docs/falco.md sets webhook.address to the --listen address and the token in webhook.customHeaders")
        let token = "t0k3n-" + UUID().uuidString
        #expect(config.1.contains("CHANGE-ME"))
        var arguments = try Self.documentedWatch(containing: "--token-file", scratch: scratch, engine: engine)
        let takesToken = Self.watchTakesTokenFile
        if takesToken {
            try Data((token + "\n").utf8).write(to: URL(fileURLWithPath: scratch.path("watch.token")))
            chmod(scratch.path("watch.token"), 0o600)
        } else if let index = arguments.firstIndex(of: "--token-file") {
            // Only the token part waits for watch's --token-file; the body and headers are checked regardless.
            arguments.removeSubrange(index...(index + 1))
        }
        let run = try WatchRun(arguments)
        let port = try #require(await run.listeningPort(), "\(run.stderr)")
        let body = try Self.falcosidekickBody(from: try Self.droppedAlert(engine).line)
        // falcosidekick's webhook client: its content type and user agent, and the custom header.
        let headers = ["Content-Type: application/json; charset=utf-8", "User-Agent: Falcosidekick"]
        if takesToken {
            #expect(try Self.post(port: port, body: body, headers: headers) == 401, "no token: refused")
        }
        let status = try Self.post(port: port, body: body, headers: headers + ["Authorization: Bearer \(token)"])
        #expect(status == 200)
        let outcomes = try await Self.expectConfirmed(run, count: 1, stop: true)
        #expect(outcomes.first?.alert.uuid != nil, "the re-post's uuid is kept")
    }
}
