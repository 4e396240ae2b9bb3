import Foundation
import TestSupport
import Testing

@testable import FalcoAlerts

/// Grouping a stream of alerts, and the three renderings.
struct TriageTests {
    private func summary(_ fixtures: String...) throws -> TriageSummary {
        try TriageSummary.read(paths: fixtures.map { Fixture.url("alerts/" + $0).path })
    }

    private func alert(_ json: String) throws -> FalcoAlert {
        try AlertReader.parseAlert(json, source: "test")
    }

    private func alert(rule: String, priority: String, time: String, container: String?, exe: String?, flags: String?)
        throws -> FalcoAlert
    {
        var fields: [String] = []
        if let container { fields.append(#""container.id":"\#(container)""#) }
        if let exe { fields.append(#""proc.exepath":"\#(exe)""#) }
        if let flags { fields.append(#""evt.arg.flags":"\#(flags)""#) }
        return try alert(
            #"{"rule":"\#(rule)","priority":"\#(priority)","time":"\#(time)","output_fields":{\#(fields.joined(separator: ","))}}"#
        )
    }

    @Test func `alerts group by rule, container and executable`() throws {
        var summary = TriageSummary()
        let drop = "Drop and execute new binary in container"
        summary.add(
            try alert(
                rule: drop, priority: "Warning", time: "2026-04-06T15:00:02Z", container: "aaa", exe: "/x",
                flags: "EXE_WRITABLE"))
        summary.add(
            try alert(
                rule: drop, priority: "Critical", time: "2026-04-06T15:00:01Z", container: "aaa", exe: "/x",
                flags: "EXE_UPPER_LAYER"))
        summary.add(
            try alert(
                rule: drop, priority: "Notice", time: "2026-04-06T15:00:03Z", container: "aaa", exe: "/x", flags: "0"))
        summary.add(
            try alert(
                rule: drop, priority: "Critical", time: "2026-04-06T15:00:00Z", container: "aaa", exe: "/y", flags: nil)
        )
        summary.add(
            try alert(
                rule: drop, priority: "Critical", time: "2026-04-06T15:00:00Z", container: "bbb", exe: "/x", flags: nil)
        )
        summary.add(
            try alert(
                rule: "Other", priority: "Debug", time: "2026-04-06T15:00:00Z", container: nil, exe: nil,
                flags: "O_CREAT|FD_UPPER_LAYER"))
        #expect(summary.alertCount == 6)
        let groups = summary.groups
        #expect(groups.count == 4)
        let first = try #require(groups.first)
        #expect(first.rule == drop)
        #expect(first.containerID == "aaa")
        #expect(first.exePath == "/x")
        #expect(first.count == 3)
        #expect(first.first?.text == "2026-04-06T15:00:01Z")
        #expect(first.last?.text == "2026-04-06T15:00:03Z")
        #expect(first.priority == .critical)
        #expect(first.flags.names == ["EXE_WRITABLE", "EXE_UPPER_LAYER"])
        #expect(groups.map(\.count) == [3, 1, 1, 1])
        #expect(groups.last?.rule == "Other")
        #expect(groups.last?.flags.isEmpty == true)
        #expect(groups.last?.containerID == nil)

        let containers = summary.containers
        #expect(containers.first?.id == "aaa")
        #expect(containers.first?.alertCount == 4)
        #expect(containers.first?.upperLayerGroups.map(\.exePath) == ["/x"])
        #expect(containers.first?.ranUnusualBinaries == true)
    }

    @Test func `a stream with bad lines is summarised and the bad lines listed`() throws {
        let summary = try summary("stream_with-bad-lines.jsonl")
        #expect(summary.alertCount == 5)
        #expect(summary.badLineCount == 6)
        #expect(summary.badLines.map(\.line) == [1, 3, 6, 8, 10, 11])
        let groups = summary.groups
        #expect(groups.map(\.count) == [3, 1, 1])
        #expect(groups[0].rule == "Drop and execute new binary in container")
        #expect(groups[0].containerName == "api-1")
        #expect(groups[1].containerID == "host")
        #expect(groups[2].priority == .notice)
    }

    @Test func `only so many bad lines are kept, all are counted`() {
        var summary = TriageSummary()
        for line in 1...1500 {
            summary.addBadLine(AlertParseError(.notAnAlert, source: "s", line: line, column: 1, reason: "no"))
        }
        #expect(summary.badLineCount == 1500)
        #expect(summary.badLines.count == TriageSummary.maximumBadLinesKept)
        #expect(summary.rendered(as: .text).contains("… 500 more not listed"))
    }

    @Test func `JSON output follows the triage schema with sorted keys`() throws {
        let summary = try summary("stream_with-bad-lines.jsonl", "falco-0.38_jsoncpp_drop-and-execute_k8s-docker.json")
        let text = summary.rendered(as: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["schema", "alerts", "groups", "badLines", "badLineCount"])
        #expect(object["schema"] as? String == "alert-inspect/triage/v1")
        #expect(object["alerts"] as? Int == 6)
        #expect(object["badLineCount"] as? Int == 6)
        let groups = try #require(object["groups"] as? [[String: Any]])
        #expect(groups.count == 4)
        let top = try #require(groups.first)
        #expect(
            Set(top.keys) == [
                "rule", "containerId", "containerName", "exePath", "count", "first", "last", "priority", "flags",
            ])
        #expect(top["rule"] as? String == "Drop and execute new binary in container")
        #expect(top["containerId"] as? String == "5b7e9d1c3a20")
        #expect(top["count"] as? Int == 3)
        #expect(top["flags"] as? [String] == ["EXE_WRITABLE", "EXE_UPPER_LAYER"])
        #expect(top["priority"] as? String == "Critical")
        // The plain-text line (line 7) names the same instant as the JSON alert on line 2: the first seen stays.
        #expect(top["first"] as? String == "2026-04-06T15:32:10.317643960Z")
        #expect(top["last"] as? String == "2026-04-06T15:32:10.317643960Z")
        let badLines = try #require(object["badLines"] as? [[String: Any]])
        #expect(badLines.first?["line"] as? Int == 1)
        #expect((badLines.first?["source"] as? String)?.hasSuffix("stream_with-bad-lines.jsonl") == true)
        #expect((badLines.first?["error"] as? String)?.hasPrefix("byte 1: expected a JSON alert") == true)
        // Keys are written sorted, at every level.
        let keyOrder = ["\"alerts\"", "\"badLineCount\"", "\"badLines\"", "\"groups\"", "\"schema\""]
        let positions = keyOrder.compactMap { text.range(of: $0)?.lowerBound }
        #expect(positions == positions.sorted() && positions.count == keyOrder.count)
        #expect(TriageSummary().rendered(as: .json).contains(#""groups": [],"#))
        var unknown = TriageSummary()
        unknown.add(
            try alert(rule: "r", priority: "Notice", time: "2026-04-06T15:00:00Z", container: nil, exe: nil, flags: nil)
        )
        let unknownText = unknown.rendered(as: .json)
        #expect(unknownText.contains(#""containerId": null"#))
        #expect(unknownText.contains(#""exePath": null"#))
        #expect(unknownText.contains(#""flags": []"#))
    }

    @Test func `text output puts containers that ran unusual binaries first and escapes controls`() throws {
        let summary = try summary(
            "hostile/control-characters.jsonl", "falco-0.39_sorted-keys_terminal-shell_message.json")
        let text = summary.rendered(as: .text)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        #expect(!text.contains("\u{202e}"))
        #expect(text.contains(#"8e2d4c6a1f09 (web\x1b[2J\x1b]0;pwned\x07)"#))
        #expect(text.contains(#"/tmp/\u{202e}gpj.exe"#))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(
            lines.first == "3 alerts in 3 groups from \(Fixture.url("alerts/hostile/control-characters.jsonl").path), "
                + "\(Fixture.url("alerts/falco-0.39_sorted-keys_terminal-shell_message.json").path); 0 bad lines")
        #expect(lines[2] == "Containers that ran binaries from their writable layer or from memory")
        #expect(lines[4].hasPrefix("    writable layer  /tmp/\\u{202e}gpj.exe  1× Terminal shell in container"))
    }

    @Test func `Markdown output escapes alert data`() throws {
        var summary = TriageSummary()
        summary.add(
            try alert(
                rule: "Rule | with *stars*", priority: "Critical", time: "2026-04-06T15:00:00Z", container: "c1",
                exe: "/tmp/a_b", flags: "EXE_UPPER_LAYER"))
        let markdown = summary.rendered(as: .markdown)
        #expect(markdown.hasPrefix("# Falco alert triage\n"))
        #expect(markdown.contains(#"| Rule \| with \*stars\* |"#))
        #expect(markdown.contains(#"/tmp/a\_b"#))
        #expect(!markdown.contains("with *stars*"))
    }

    // MARK: - The command

    /// The built `alert-inspect` next to the test bundle, when the whole package was built.
    static let binary: URL? = {
        let candidates = [
            Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for folder in candidates {
            for base in [folder, folder.deletingLastPathComponent()] {
                let url = base.appendingPathComponent("alert-inspect")
                if FileManager.default.isExecutableFile(atPath: url.path) { return url }
            }
        }
        return nil
    }()

    private func run(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, output: String, error: String)
    {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        let input = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        try input.fileHandleForWriting.close()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (
            process.terminationStatus, String(decoding: outputData, as: UTF8.self),
            String(decoding: errorData, as: UTF8.self)
        )
    }

    @Test(.enabled(if: TriageTests.binary != nil, "alert-inspect is not built (swift build --build-tests)"))
    func `triage reads standard input and files, and exits 0 with bad lines`() throws {
        let stream = try Fixture.data("alerts/stream_with-bad-lines.jsonl")
        let fromStdin = try run(["triage", "--format", "json"], stdin: stream)
        #expect(fromStdin.status == 0)
        #expect(fromStdin.output.contains(#""badLineCount": 6"#))
        #expect(fromStdin.output.contains(#""source": "<stdin>""#))
        let dash = try run(["triage", "--format", "json", "-"], stdin: stream)
        #expect(dash.output == fromStdin.output)
        let fromFile = try run(["triage", Fixture.url("alerts/stream_with-bad-lines.jsonl").path])
        #expect(fromFile.status == 0)
        #expect(fromFile.output.contains("5 alerts in 3 groups"))
    }

    @Test(.enabled(if: TriageTests.binary != nil, "alert-inspect is not built (swift build --build-tests)"))
    func `a missing input exits 66 and names it`() throws {
        let result = try run(["triage", Fixture.url("alerts/stream_with-bad-lines.jsonl").path, "/nonexistent.jsonl"])
        #expect(result.status == 66)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("/nonexistent.jsonl: cannot read: no such file or directory"))
    }
}
