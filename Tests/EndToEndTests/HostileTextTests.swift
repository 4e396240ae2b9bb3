import Foundation
import Reporting
import SafeText
import TestSupport
import Testing

/// Terminal safety from end to end: an alert, a container and its logs and events that carry ANSI
/// and OSC escape sequences, backspaces, NUL, C1 controls, a bidirectional override and invalid
/// UTF-8, investigated by the built tool (the recorded `docker-dropped` engine, with those answers
/// made hostile). Text and Markdown must show every such character as a visible escape and emit
/// none raw; JSON must carry every valid string exactly (escaped as JSON escapes it), and nothing
/// a terminal would act on either.
@Suite(.serialized) struct HostileTextTests {
    static let recording = Fixture.url("recordings/docker-dropped")

    /// What the hostile side wrote, piece by piece.
    static let osc = "\u{1b}]0;owned\u{7}"
    static let clear = "\u{1b}[2J\u{1b}[H"
    static let backspaces = "safe\u{8}\u{8}\u{8}\u{8}EVIL"
    static let nul = "before\u{0}after"
    static let c1 = "\u{9b}31mred"
    static let bidi = "txt.\u{202e}exe"
    static let containerName = "lab-dropped" + osc
    static let labelValue = clear + backspaces
    static let logLine = "log " + osc + clear + backspaces + nul + c1 + bidi
    static let cmdline = "payload " + osc + backspaces
    static let eventName = "ev" + clear

    /// The alert with hostile fields (valid UTF-8: JSON alerts must be, see the test on invalid ones).
    private func hostileAlert(in folder: URL) throws -> URL {
        let original = try Data(contentsOf: Self.recording.appendingPathComponent("alert.json"))
        var alert = try #require(try JSONSerialization.jsonObject(with: original) as? [String: Any])
        var fields = alert["output_fields"] as? [String: Any] ?? [:]
        fields["proc.cmdline"] = Self.cmdline
        fields["container.name"] = Self.containerName
        alert["output_fields"] = fields
        alert["rule"] = "Drop and execute new binary in container" + Self.c1 + Self.bidi
        let url = folder.appendingPathComponent("alert.json")
        try JSONSerialization.data(withJSONObject: alert, options: [.sortedKeys]).write(to: url)
        return url
    }

    /// The engine: the recording, with the container's name and a label, its logs and its events hostile.
    private func hostileEngine() throws -> FakeEngine {
        let recorded = try JSONDecoder().decode(
            RecordingIndex.self, from: Data(contentsOf: Self.recording.appendingPathComponent("recording.json")))
        let inspectPath = try #require(
            recorded.exchanges.first { $0.target.hasSuffix("/json") && $0.target.contains("/containers/") }?.body)
        var inspect = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: Self.recording.appendingPathComponent(inspectPath)))
                as? [String: Any])
        let id = try #require(inspect["Id"] as? String)
        inspect["Name"] = "/" + Self.containerName
        var config = inspect["Config"] as? [String: Any] ?? [:]
        var labels = config["Labels"] as? [String: Any] ?? [:]
        labels["note" + Self.osc] = Self.labelValue
        config["Labels"] = labels
        inspect["Config"] = config
        let inspectBody = try JSONSerialization.data(withJSONObject: inspect)

        var logs = Data()
        for (stream, line) in [
            (UInt8(1), Array(("2026-11-29T11:24:13.000000001Z " + Self.logLine + "\n").utf8)),
            (UInt8(2), Array("2026-11-29T11:24:13.000000002Z bytes ".utf8) + [0xFF, 0xFE, 0x80, 0x0A]),
        ] {
            logs += [stream, 0, 0, 0] + withUnsafeBytes(of: UInt32(line.count).bigEndian) { Array($0) } + line
        }
        let event: [String: Any] = [
            "Type": "container", "Action": "exec_start: sh -c " + Self.osc, "status": "exec_start: sh -c " + Self.osc,
            "id": id, "from": "alert-inspect/lab:1", "scope": "local",
            "Actor": ["ID": id, "Attributes": ["name": Self.eventName, "image": "alert-inspect/lab:1"]],
            "time": 1_795_951_453, "timeNano": 1_795_951_453_352_372_868,
        ]
        let events = try JSONSerialization.data(withJSONObject: event) + Data("\n".utf8)
        let (inspectReply, logsReply, eventsReply) = (inspectBody, logs, events)
        return try FakeEngine.replaying(Self.recording) { _, target in
            let json = ["Content-Type": "application/json", "Api-Version": "1.41"]
            if target.hasSuffix("/json"), target.contains("/containers/") {
                return .respond(status: 200, headers: json, body: inspectReply)
            }
            if target.contains("/logs?") {
                return .respond(
                    status: 200, headers: ["Content-Type": "application/vnd.docker.raw-stream"], body: logsReply)
            }
            if target.contains("/events?") { return .respond(status: 200, headers: json, body: eventsReply) }
            return nil
        }
    }

    private func run(format: String, alert: ((URL) throws -> URL)? = nil, status: Int32 = 0) throws -> ToolRun {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "hostile-text-" + UUID().uuidString.prefix(8))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let engine = try hostileEngine()
        defer { engine.stop() }
        let alertFile = try alert?(folder) ?? hostileAlert(in: folder)
        let run = try Tool.run(
            [
                "inspect", "--alert", alertFile.path, "--host", engine.address,
                "--format", format, "--color", "always", "--timeout", "5",
            ],
            timeLimit: 120)
        #expect(run.status == status, "\(run)")
        #expect(
            rawControls(in: Data(run.stderr.utf8), allowingSGR: false).isEmpty,
            "raw controls on stderr: \(run.stderr.debugDescription)")
        return run
    }

    /// Bytes a terminal would act on, or that would hide text: C0 controls but newline (and tab),
    /// DEL, C1 controls, bidirectional controls, and anything that is not UTF-8.
    private func rawControls(in output: Data, allowingSGR: Bool) -> [String] {
        guard let text = String(validating: output, as: UTF8.self) else { return ["output is not valid UTF-8"] }
        var found: [String] = []
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.popFirst() {
            switch scalar.value {
            case 0x0A, 0x09:
                continue
            case 0x1B where allowingSGR:
                // The tool's own colours (`--color always`): CSI digits/semicolons then `m`, nothing else.
                var sequence = "ESC"
                guard scalars.first == "[" else {
                    found.append("ESC not starting a colour")
                    continue
                }
                while let next = scalars.popFirst() {
                    sequence.unicodeScalars.append(next)
                    if next == "m" { break }
                    guard next == "[" || next == ";" || ("0"..."9").contains(next) else {
                        found.append("escape sequence \(sequence.debugDescription) is not a colour")
                        break
                    }
                }
            case 0x00..<0x20, 0x7F...0x9F, 0x200E, 0x200F, 0x061C, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029:
                found.append("U+" + String(scalar.value, radix: 16))
            default:
                continue
            }
        }
        return found
    }

    @Test(arguments: ["text", "markdown"])
    func `text and Markdown show every control as a visible escape`(format: String) throws {
        let run = try run(format: format)
        let raw = rawControls(in: run.stdout, allowingSGR: format == "text")
        #expect(raw.isEmpty, "raw controls in \(format): \(raw)")
        let output = run.output
        // What was hidden is shown: the escapes as text, the invalid bytes as such.
        #expect(
            output.contains(#"\x1b]0;owned\x07"#) || output.contains(#"\\x1b\]0;owned\\x07"#), "\(output.prefix(3000))")
        #expect(output.contains(#"\x08"#) || output.contains(#"\\x08"#))
        #expect(output.contains(#"\x00"#) || output.contains(#"\\x00"#))
        #expect(output.contains("202e"))
        #expect(output.contains("9b"))
        #expect(output.contains("EVIL"))
        // Bytes that are not UTF-8 show as the bytes they were, not as U+FFFD.
        #expect(output.contains(#"bytes \xff\xfe\x80"#), "\(output.suffix(3000))")
        #expect(!output.contains("\u{fffd}"))
    }

    @Test func `JSON carries every valid string exactly and nothing a terminal acts on`() throws {
        let run = try run(format: "json")
        #expect(rawControls(in: run.stdout, allowingSGR: false).isEmpty)
        let report = try run.json()
        let alert = try #require(report["alert"] as? [String: Any])
        let fields = try #require(alert["fields"] as? [String: Any])
        #expect(fields["proc.cmdline"] as? String == Self.cmdline)
        #expect(fields["container.name"] as? String == Self.containerName)
        #expect((alert["rule"] as? String)?.hasSuffix(Self.c1 + Self.bidi) == true)
        let container = try #require(report["container"] as? [String: Any])
        #expect(container["name"] as? String == Self.containerName)
        #expect((container["labels"] as? [String: String])?["note" + Self.osc] == Self.labelValue)
        let logs = try #require((report["logs"] as? [String: Any])?["lines"] as? [[String: Any]])
        #expect(logs.contains { $0["text"] as? String == Self.logLine && $0["base64"] == nil }, "\(logs)")
        // A line that is not UTF-8 keeps its exact bytes beside its text.
        let invalid = try #require(logs.first { ($0["text"] as? String)?.hasPrefix("bytes ") == true }, "\(logs)")
        #expect(invalid["base64"] as? String == Data(Array("bytes ".utf8) + [0xFF, 0xFE, 0x80]).base64EncodedString())
        let events = try #require(report["events"] as? [[String: Any]])
        #expect(events.contains { ($0["detail"] as? String)?.contains(Self.osc) == true }, "\(events)")
    }
}

extension HostileTextTests {
    @Test func `a JSON alert with invalid UTF-8 is malformed input, placed exactly and quoted safely`() throws {
        let run = try run(
            format: "text",
            alert: { folder in
                var bytes = try Data(contentsOf: Self.recording.appendingPathComponent("alert.json"))
                let range = try #require(bytes.range(of: Data(#""user.name":"root""#.utf8)))
                bytes.replaceSubrange(
                    range,
                    with: Data(#""user.name":"ro"#.utf8) + Data([0xFF, 0x1B, 0x5B, 0x32, 0x4A]) + Data(#"ot""#.utf8))
                let url = folder.appendingPathComponent("alert.json")
                try bytes.write(to: url)
                return url
            }, status: 65)
        #expect(run.stderr.contains("alert.json: line 1, byte "), "\(run.stderr)")
        #expect(run.stderr.contains("expected valid UTF-8 in a string, found byte 0xff"), "\(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    @Test(arguments: ["text", "markdown", "json"])
    func `a plain-text alert with escapes and invalid UTF-8 is read as a best effort and shown safely`(
        format: String
    ) throws {
        let run = try run(
            format: format,
            alert: { folder in
                var line = Data(
                    "2026-11-29T11:24:13.352372868+0000: Critical Executing binary not part of base image | ".utf8)
                line += Data("proc_exe=/tmp/payload proc_exepath=/tmp/payload command=pay\u{1b}]0;x\u{7}load ".utf8)
                line +=
                    Data("user=ro".utf8) + Data([0xFF, 0xFE])
                    + Data("ot\u{8}\u{8} exe_flags=EXE_WRITABLE|EXE_UPPER_LAYER ".utf8)
                line += Data("container_id=0a8f2c69d33f container_name=lab-dropped\n".utf8)
                let url = folder.appendingPathComponent("alert.log")
                try line.write(to: url)
                return url
            })
        #expect(rawControls(in: run.stdout, allowingSGR: format == "text").isEmpty, "\(run.output.prefix(3000))")
        #expect(run.stderr.contains("plain-text alert"), "\(run.stderr)")
    }
}

@Suite struct VisibleBytesTests {
    @Test(
        arguments: [
            ([0x61, 0xFF, 0x62], #"a\xffb"#),
            ([0xC3, 0xA9, 0x1B, 0x5B], #"é\x1b["#),
            ([0xC0, 0x80], #"\xc0\x80"#),  // an overlong NUL
            ([0xED, 0xA0, 0x80], #"\xed\xa0\x80"#),  // a surrogate
            ([0xE2, 0x82], #"\xe2\x82"#),  // cut short
            ([0x5C, 0xFF], #"\\\xff"#),  // a backslash before a byte reads as itself
            ([0x5C, 0x78, 0x66, 0x66], #"\\xff"#),  // the text "\xff" cannot pass for a byte
            ([0xE2, 0x80, 0xAE, 0x80], #"\u{202e}\x80"#),
        ] as [([UInt8], String)])
    func `bytes that are not UTF-8 show as hex escapes that nothing else can look like`(bytes: [UInt8], shown: String) {
        #expect(TerminalText.escaped(bytes: bytes) == shown)
    }
}

/// Just what this test reads of a recording's index.
private struct RecordingIndex: Decodable {
    struct Exchange: Decodable {
        var target: String
        var body: String?
    }
    var exchanges: [Exchange]
}
