import Foundation
import TestSupport
import Testing

@testable import FalcoAlerts

/// Alerts as responders hold them: behind journald, syslog and kubectl prefixes, in journal exports, saved as
/// UTF-16 or with a byte-order mark, pretty-printed, and in the plain text of older Falco versions. Each shape is
/// read the same by the document reader (`--alert`) and the stream reader (`triage`), in both decoding modes.
struct AlertShapesTests {
    /// The alerts and bad lines of `bytes` through every reader in this module, after checking they agree.
    static func read(_ bytes: [UInt8], name: String = "input") throws -> (alerts: [FalcoAlert], bad: [AlertParseError]) {
        let document = AlertReader.readLines(bytes, source: name)
        let file = FileManager.default.temporaryDirectory
            .appendingPathComponent("alert-shapes-\(UUID().uuidString)-\(name)")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        var streamed: [[FalcoAlert]] = []
        var streamedBad: [[Int?]] = []
        for mode in [AlertDecodingMode.complete, .triage] {
            let stream = AlertStream(input: try AlertInput.open(file.path), mode: mode)
            var alerts: [FalcoAlert] = []
            var bad: [Int?] = []
            while let item = try stream.next() {
                switch item {
                case .alert(let alert, _): alerts.append(alert)
                case .badLine(let error): bad.append(error.line)
                }
            }
            streamed.append(alerts)
            streamedBad.append(bad)
        }
        let alerts = document.alerts
        let bad = document.badLines
        // The complete stream gives exactly the document's alerts; the triage mode the same groups.
        #expect(streamed[0] == alerts, "\(name): stream and document disagree")
        #expect(streamedBad[0] == bad.map(\.line), "\(name): bad lines differ")
        #expect(streamed[1].map(\.rule) == alerts.map(\.rule), "\(name): triage mode disagrees")
        #expect(streamed[1].map(\.containerID) == alerts.map(\.containerID), "\(name): triage mode disagrees")
        #expect(streamed[1].map(\.exePath) == alerts.map(\.exePath), "\(name): triage mode disagrees")
        #expect(streamed[1].map(\.time) == alerts.map(\.time), "\(name): triage mode disagrees")
        #expect(streamedBad[1] == bad.map(\.line), "\(name): triage mode bad lines differ")
        return (alerts, bad)
    }

    static func fixture(_ name: String) throws -> [UInt8] {
        Array(try Fixture.data("alerts/" + name))
    }

    @Test func `journald and syslog prefixes are provenance, the alert is unchanged`() throws {
        let (alerts, bad) = try Self.read(try Self.fixture("journald_falco-unit_json-and-text.log"), name: "journal.log")
        try #require(alerts.count == 2)
        #expect(bad.map(\.line) == [1])
        #expect(bad.first?.kind == .notAnAlert)

        let json = alerts[0]
        #expect(json.rule == "Drop and execute new binary in container")
        #expect(json.time?.text == "2026-02-13T20:33:20.104332605Z")
        #expect(json.containerID == "9a1b2c3d4e5f")
        #expect(json.exePath == "/tmp/x")
        #expect(json.hostname == "node-1")
        #expect(json.outputFields.count == 25)
        #expect(
            json.provenance
                == LogProvenance(kind: .syslog, host: "node-1", time: "Feb 13 20:33:20", identifier: "falco", pid: "19460"))
        // Without its prefix, the line is the same alert.
        let bare = try AlertReader.parseAlert(
            Array(try Self.fixture("journald_falco-unit_json-and-text.log").split(separator: 0x0A)[1].dropFirst(37)),
            source: "bare")
        var unprefixed = json
        unprefixed.provenance = nil
        #expect(bare == unprefixed)

        let text = alerts[1]
        #expect(text.rule == "Terminal shell in container")
        #expect(text.unzonedTime?.text == "07:01:02.123456789")
        #expect(text.containerID == "8e2d4c6a1f09")
        #expect(text.containerName == "debug-shell")
        #expect(text.provenance == LogProvenance(kind: .syslog, host: "node-2", time: "Feb  3 07:01:02", identifier: "falco"))
    }

    @Test func `kubectl logs --timestamps prefix, and falcosidekick's uuid with a lowercase priority`() throws {
        let (alerts, bad) = try Self.read(try Self.fixture("kubectl-logs-timestamps_falco-pod.log"), name: "pod.log")
        #expect(bad.isEmpty)
        try #require(alerts.count == 2)
        #expect(alerts[0].provenance == LogProvenance(kind: .kubectlTimestamps, time: "2026-02-13T20:33:20.105000123Z"))
        #expect(alerts[0].rule == "Drop and execute new binary in container")
        #expect(alerts[1].rule == "Read sensitive file untrusted")
        #expect(alerts[1].time?.text == "2026-02-13T20:33:20.999888777+0000")
        #expect(alerts[1].string("fd.name") == "/etc/shadow")
        #expect(alerts[1].k8sNamespace == "shop")

        let sidekick = try AlertReader.parseAlert(
            try Self.fixture("falcosidekick_lowercase-priority_uuid_kubectl.log"), source: "sidekick.log")
        #expect(sidekick.uuid == "3c1f8a2e-6b7d-4e9f-a0c1-2d3e4f5a6b7c")
        #expect(sidekick.hostname == "node-1")
        #expect(sidekick.priority == .warning)
        #expect(sidekick.priorityName == "Warning")
        #expect(sidekick.originalPriority == "warning")
        #expect(sidekick.time?.text == "2026-02-13T20:33:20.1043326Z")
        #expect(sidekick.provenance?.time == "2026-02-13T20:33:20.200000000Z")
    }

    @Test(arguments: [
        ("info", FalcoPriority.informational, "Informational"), ("WARN", .warning, "Warning"),
        ("crit", .critical, "Critical"), ("emerg", .emergency, "Emergency"), ("err", .error, "Error"),
        ("NOTICE", .notice, "Notice"), ("Debug", .debug, "Debug"), ("severe", .unknown, "severe"),
    ])
    func `priorities are read case-insensitively with their aliases, the original kept`(
        written: String, priority: FalcoPriority, name: String
    ) throws {
        let alert = try AlertReader.parseAlert(
            #"{"rule":"r","priority":"\#(written)","time":"2026-04-06T15:32:10Z","output_fields":{}}"#, source: "p")
        #expect(alert.priority == priority)
        #expect(alert.priorityName == name)
        #expect(alert.originalPriority == written)
    }

    @Test func `journalctl -o json entries give the alert in MESSAGE`() throws {
        let (alerts, bad) = try Self.read(try Self.fixture("journalctl-o-json_falco-unit.jsonl"), name: "export.jsonl")
        try #require(alerts.count == 2)
        #expect(bad.map(\.line) == [3])
        #expect(bad.first?.reason.hasPrefix("in the journal entry's MESSAGE: expected a JSON alert") == true)
        #expect(alerts[0].rule == "Drop and execute new binary in container")
        #expect(alerts[0].time?.text == "2026-02-13T20:33:20.104332605Z")
        #expect(
            alerts[0].provenance
                == LogProvenance(
                    kind: .journalExport, host: "node-1", time: "2026-02-13T20:33:20.105432Z", identifier: "falco",
                    pid: "19460"))
        #expect(alerts[1].rule == "Fileless execution via memfd_create")
        #expect(alerts[1].exePath == "memfd:stage2")
        #expect(alerts[1].unzonedTime?.text == "20:33:21.000000001")
        #expect(alerts[1].provenance?.time == "2026-02-13T20:33:21.000001Z")
    }

    /// The source fixture saved as PowerShell's `>` does: UTF-16LE with a byte-order mark and CRLF line ends.
    static func utf16(_ bytes: [UInt8], bigEndian: Bool = false, mark: Bool = true) -> [UInt8] {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n")
        var output: [UInt8] = mark ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
        for unit in text.utf16 {
            output += bigEndian ? [UInt8(unit >> 8), UInt8(unit & 0xFF)] : [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        return output
    }

    @Test func `UTF-16 with a byte-order mark and CRLF, and a UTF-8 byte-order mark, read like UTF-8`() throws {
        let source = try Self.fixture("powershell-redirect_source.log")
        let (plain, plainBad) = try Self.read(source, name: "utf8.log")
        #expect(plainBad.isEmpty)
        try #require(plain.count == 2)
        #expect(plain[1].cmdline == "sh -c 'echo héllo ✓'")
        for (name, bytes) in [
            ("utf16le.log", Self.utf16(source)), ("utf16be.log", Self.utf16(source, bigEndian: true)),
            ("bom.log", [0xEF, 0xBB, 0xBF] + source),
        ] {
            let (alerts, bad) = try Self.read(bytes, name: name)
            #expect(bad.isEmpty, "\(name)")
            #expect(alerts.map(\.rule) == plain.map(\.rule), "\(name)")
            #expect(alerts.map(\.time) == plain.map(\.time), "\(name)")
            #expect(alerts.map(\.outputFields) == plain.map(\.outputFields), "\(name)")
        }
        let document = try AlertReader.parseDocument(Self.utf16(source), source: "ps.log")
        #expect(document.encoding == .utf16LittleEndian)
        #expect(Array(document.text[document.entries[0].byteRange]) == Array(source.split(separator: 0x0A)[0]) + [0x0D])
    }

    @Test func `UTF-16 without a byte-order mark is refused with a message that says UTF-16`() throws {
        let bytes = Self.utf16(try Self.fixture("powershell-redirect_source.log"), mark: false)
        let error = #expect(throws: AlertParseError.self) { try AlertReader.parseDocument(bytes, source: "nobom.log") }
        #expect(error?.description.contains("UTF-16") == true)
        #expect(error?.line == 1)
        let (_, bad) = try Self.read(bytes, name: "nobom.log")
        // Two lines, and the NUL left after the last CRLF.
        #expect(bad.map(\.line) == [1, 2, 3])
        #expect(bad.prefix(2).allSatisfy { $0.reason.contains("UTF-16 without a byte-order mark") })
        // An error inside a UTF-16 file names the encoding it was read in.
        let broken = Self.utf16(Array("{\"rule\": 1}\n".utf8))
        let named = #expect(throws: AlertParseError.self) { try AlertReader.parseDocument(broken, source: "b.log") }
        #expect(named?.description.hasPrefix("b.log (read as UTF-16LE with a byte-order mark): line 1") == true)
    }

    @Test func `a pretty-printed alert is one alert for every reader`() throws {
        let bytes = try Self.fixture("pretty-printed_terminal-shell.json")
        let (alerts, bad) = try Self.read(bytes + bytes, name: "pretty.json")
        #expect(bad.isEmpty)
        try #require(alerts.count == 2)
        #expect(alerts[0].rule == "Terminal shell in container")
        #expect(alerts[0].containerID == "8e2d4c6a1f09")
        #expect(alerts[0].tags == ["T1059", "container", "maturity_stable", "mitre_execution", "shell"])
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pretty-\(UUID().uuidString).json")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let summary = try TriageSummary.read(paths: [file.path])
        #expect(summary.alertCount == 1)
        #expect(summary.badLineCount == 0)
        let document = try AlertReader.parseDocument(bytes, source: "p")
        #expect(document.entries.first?.line == 1)
        #expect(document.entries.first.map { Array(document.text[$0.byteRange]) + [0x0A] } == bytes)
    }

    @Test func `a cut pretty-printed alert is a bad line where it starts`() throws {
        let bytes = try Self.fixture("pretty-printed_terminal-shell.json")
        let cut = Array(bytes.prefix(200))
        let (alerts, bad) = try Self.read(Array("\n".utf8) + cut, name: "cut.json")
        #expect(alerts.isEmpty)
        #expect(bad.map(\.line) == [2])
        #expect(bad.first?.reason.contains("found the end of the input") == true)
    }

    @Test func `old plain-text forms: time of day, container forms, internal rules, command lines, unknown rules`()
        throws
    {
        let (alerts, bad) = try Self.read(
            try Self.fixture("falco-0.2x-0.35_plain-text_old-forms.log"), name: "old.log")
        #expect(bad.isEmpty)
        try #require(alerts.count == 7)

        // -pk (≤0.35): `k8s.ns=… k8s.pod=… container=<id>`.
        let shell = alerts[0]
        #expect(shell.rule == "Terminal shell in container")
        #expect(shell.time == nil)
        #expect(shell.unzonedTime?.text == "03:00:45.104332605")
        #expect(shell.unzonedTime?.fractionDigits == 9)
        #expect(shell.unzonedTime?.date == nil)
        #expect(shell.unreadableFields.contains("time zone"))
        #expect(shell.containerID == "4f2a1c9e8b7d")
        #expect(shell.k8sNamespace == "default")
        #expect(shell.k8sPodName == "web-5d8f")
        #expect(shell.cmdline == "bash")
        #expect(shell.string("proc.name") == "bash")

        // Default `%container.info` (≤0.35): `<name> (id=<id>)`.
        let read = alerts[1]
        #expect(read.rule == "Read sensitive file untrusted")
        #expect(read.containerID == "9a1b2c3d4e5f")
        #expect(read.containerName == "web-1")
        #expect(read.field("proc.aname[4]") == .null)
        #expect(read.cmdline == "cat /etc/shadow")

        // -pc (≤0.35): `container=<name> (id=<id>)`, inside the text of a command line.
        let network = alerts[2]
        #expect(network.containerID == "0a1b2c3d4e5f")
        #expect(network.containerName == "api-2")
        #expect(network.cmdline == "curl -s http://x")
        #expect(network.unzonedTime?.text == "03:00:47.5")
        #expect(network.unzonedTime?.fractionDigits == 1)

        // A date without zone, and a command line's own key=value words.
        let mount = alerts[3]
        #expect(mount.rule == "Drop and execute new binary in container")
        #expect(mount.unzonedTime?.text == "2019-03-07 03:00:48.123456")
        #expect(mount.unzonedTime?.date?.year == 2019)
        #expect(mount.cmdline == "mount -t tmpfs -o size=39001 tmpfs /x")
        #expect(mount.field("size") == nil)
        #expect(mount.string("proc.exe") == "/usr/bin/mount")
        #expect(mount.containerID == "5c6d7e8f9a0b")

        // Internal rules: one rule whatever the count.
        #expect(alerts[4].rule == "Falco internal: syscall event drop")
        #expect(alerts[5].rule == "Falco internal: syscall event drop")
        #expect(alerts[4].source == "internal")
        #expect(alerts[5].string("n_drops") == "1204")
        #expect(alerts[4].message?.hasPrefix("Falco internal: syscall event drop. 9 system calls dropped") == true)

        // A message that names no known rule: the rule is unknown, the text stays the message.
        let unknown = alerts[6]
        #expect(unknown.rule == "unknown")
        #expect(unknown.unreadableFields.contains("rule"))
        #expect(
            unknown.message
                == "Someone ran a tool we did not write a rule name into the output for (user=root command=nmap -sS 10.0.0.0/24 container_id=host container_name=host)"
        )
        #expect(unknown.isHostEvent)
        #expect(unknown.cmdline == "nmap -sS 10.0.0.0/24")
    }

    @Test func `triage keeps a time of day as first and last, and says its zone is unknown`() throws {
        let file = Fixture.url("alerts/falco-0.2x-0.35_plain-text_old-forms.log")
        let summary = try TriageSummary.read(paths: [file.path])
        #expect(summary.alertCount == 7)
        let drops = try #require(summary.groups.first { $0.rule == "Falco internal: syscall event drop" })
        #expect(drops.count == 2)
        #expect(drops.first?.text == "03:00:49.000000000")
        #expect(drops.last?.text == "03:00:50.000000000")
        #expect(drops.first?.isZoneKnown == false)
        #expect(summary.groups.allSatisfy { $0.first != nil && $0.last != nil })
        let text = summary.rendered(as: .text)
        #expect(text.contains("03:00:49.000000000 .. 03:00:50.000000000 (zone unknown)"))
        let json = summary.rendered(as: .json)
        #expect(json.contains(#""first": "03:00:49.000000000""#))
    }
}
