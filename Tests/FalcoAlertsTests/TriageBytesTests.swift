import Foundation
import TestSupport
import Testing

@testable import FalcoAlerts

/// Triage counts most lines straight from their bytes; the summary, and every rendering of it, must be the same
/// as when every line is read as a whole alert.
struct TriageBytesTests {
    /// The JSON, text and Markdown renderings of the file at `path`, and how many alerts were counted from their
    /// bytes.
    private func rendered(_ path: String, byBytes: Bool) throws -> (texts: [String], fromBytes: Int) {
        var summary = TriageSummary()
        try summary.read(AlertStream(input: try AlertInput.open(path), mode: .triage), byBytes: byBytes)
        let read = summary
        return (TriageFormat.allCases.map { read.rendered(as: $0) }, read.alertsCountedFromBytes)
    }

    /// Compares both ways of reading `bytes`; returns how many alerts were counted from their bytes.
    @discardableResult
    private func expectSameSummary(_ bytes: [UInt8], name: String) throws -> Int {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "triage-bytes-" + UUID().uuidString.prefix(8))
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let full = try rendered(url.path, byBytes: false)
        let fast = try rendered(url.path, byBytes: true)
        #expect(full.fromBytes == 0)
        for (format, (expected, actual)) in zip(TriageFormat.allCases, zip(full.texts, fast.texts)) {
            #expect(actual == expected, "\(name), \(format)")
        }
        return fast.fromBytes
    }

    private static func fixtureNames() throws -> [String] {
        let folder = Fixture.url("alerts")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0 != "hostile" }
        let hostile = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("hostile").path)
        return (names + hostile.map { "hostile/" + $0 }).sorted()
    }

    @Test func `every alert fixture gives the same summary from bytes as from whole alerts, in UTF-8 and UTF-16`()
        throws
    {
        var fromBytes = 0
        for name in try Self.fixtureNames() {
            let bytes = [UInt8](try Fixture.data("alerts/" + name))
            fromBytes += try expectSameSummary(bytes, name: name)
            try expectSameSummary(AlertShapesTests.utf16(bytes), name: name + ".utf16le")
            try expectSameSummary(AlertShapesTests.utf16(bytes, bigEndian: true), name: name + ".utf16be")
        }
        // The fixtures are mostly single-line JSON alerts: the byte path must have taken most of them.
        #expect(fromBytes > 10)
    }

    @Test func `a mixed corpus gives the same summary from bytes as from whole alerts`() throws {
        let corpus = Self.corpus(lines: 4000)
        let fromBytes = try expectSameSummary(corpus, name: "corpus.jsonl")
        #expect(fromBytes > 400)
        try expectSameSummary(AlertShapesTests.utf16(corpus), name: "corpus.utf16le")
    }

    static let hasPython = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")

    @Test(.enabled(if: hasPython, "python3 is needed to generate the benchmark's corpus"))
    func `a sample of the benchmark's generated corpora gives the same summary from bytes as from whole alerts`()
        throws
    {
        for (lines, shape) in [(8000, "default"), (3000, "wide")] {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "triage-bytes-generated-" + UUID().uuidString.prefix(8))
            defer { try? FileManager.default.removeItem(at: url) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                Fixture.root.appendingPathComponent("Benchmarks/generate-alerts.py").path, String(lines), url.path,
                "--shape", shape,
            ]
            try process.run()
            process.waitUntilExit()
            try #require(process.terminationStatus == 0)
            // Not `--clean`: the corpus has plain-text alerts and bad lines among the JSON.
            let bytes = [UInt8](try Data(contentsOf: url))
            let fromBytes = try expectSameSummary(bytes, name: shape)
            #expect(fromBytes > lines / 2, "\(shape)")
            if shape == "default" { try expectSameSummary(AlertShapesTests.utf16(bytes), name: shape + ".utf16le") }
        }
    }

    /// Lines in every shape the byte path must either read exactly or leave to the full reader: Falco's key
    /// orders, escapes, non-ASCII keys (precomposed, decomposed, and a KELVIN SIGN that is canonically `K`),
    /// `null` and empty values, numeric flags, log prefixes, plain text, pretty-printed alerts and bad lines.
    static func corpus(lines count: Int) -> [UInt8] {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func pick<T>(_ choices: [T]) -> T {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return choices[Int((state >> 33) % UInt64(choices.count))]
        }
        let rules = [
            "Drop and execute new binary in container", "Terminal shell in container", "Kelvin K", "Kelvin \u{212A}",
            "R\\u00e9sum\\u00e9 rule", "Résumé rule", "Write below etc",
        ]
        let containers = [
            #""container.id":"1a2b3c4d5e6f""#, #""container.id":"host""#, #""container.id":"""#,
            #""container.id":null"#, #""container.id":"","container.full_id":"9f8e7d6c5b4a3928171605f4e3d2c1b0""#,
            #""container.full_id":"host""#, #""container.id":"1a2b\u0033c4d5e6f""#, "",
        ]
        let exes = [
            #""proc.exepath":"/usr/bin/curl""#, #""proc.exepath":"","proc.exe":"/tmp/x""#,
            #""proc.exe":"sh""#, #""proc.exepath":"\/bin\/sh""#, #""proc.exepath":"/tmp/caf\#u{e9}""#,
            #""proc.exepath":"/tmp/cafe\#u{301}""#, #""proc.exepath":null"#, "",
        ]
        let flags = [
            #""evt.arg.flags":"EXE_WRITABLE|EXE_UPPER_LAYER","evt.type":"execve""#,
            #""evt.arg.flags":"EXE_FROM_MEMFD","evt.type":"execve""#, #""evt.arg.flags":"O_RDONLY","evt.type":"openat""#,
            #""evt.arg.flags":24"#, #""evt.arg.flags":null"#, #""evt.arg.flags":"0""#, "",
        ]
        let names = [#""container.name":"api-1""#, #""container.name":"""#, #""container.name":null"#, ""]
        let priorities = ["Warning", "warning", "CRITICAL", "Notice", "info", "Bogus", "Emergency"]
        let times = [
            "2026-04-06T15:00:0%d.123456789Z", "2026-04-06T15:00:0%d.000000001+0000", "2026-04-06T17:00:0%dZ",
            "2026-04-06T15:00:0%d.5+02:00",
        ]
        var text = ""
        for line in 0..<count {
            let time = pick(times).replacingOccurrences(of: "%d", with: String(line % 10))
            let fields = [pick(containers), pick(names), pick(exes), pick(flags), #""evt.time":1775487600123456789"#]
                .filter { !$0.isEmpty }.joined(separator: ",")
            let rule = pick(rules)
            let priority = pick(priorities)
            let sorted =
                #"{"hostname":"node-1","output":"out \"q\" \u00e9","output_fields":{\#(fields)},"priority":"\#(priority)","rule":"\#(rule)","source":"syscall","tags":["a","b"],"time":"\#(time)"}"#
            let jsoncpp =
                #"{"output":"o","priority":"\#(priority)","rule":"\#(rule)","time":"\#(time)","output_fields": {\#(fields)}}"#
            let shape = pick(Array(0..<20))
            switch shape {
            case 0: text += "Feb 13 20:33:20 node-1 falco[19460]: " + sorted
            case 1: text += "  " + jsoncpp + " \r"
            case 2: text += "{\n  \"rule\": \"\(rule)\",\n  \"priority\": \"Notice\",\n  \"time\": \"\(time)\"\n}"
            case 3: text += String(sorted.dropLast(3))
            case 4: text += sorted.replacingOccurrences(of: #""source":"syscall""#, with: #""rule":"again""#)
            case 5: text += sorted.replacingOccurrences(of: time, with: "yesterday")
            case 6: text += sorted + " x"
            case 7: text += "2026-04-06T15:00:01.000000000+0000: Warning Shell spawned (container_id=1a2b3c4d5e6f)"
            case 8: text += sorted.replacingOccurrences(of: #""output_fields":{"#, with: #""output_fields":{"container.id":"a","#)
            case 9: text += jsoncpp.replacingOccurrences(of: #""rule":"\#(rule)""#, with: #""rule":7"#)
            case 10: text += ""
            case 11, 12, 13: text += jsoncpp
            default: text += sorted
            }
            text += "\n"
        }
        return Array(text.utf8)
    }
}
