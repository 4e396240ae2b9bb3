import FalcoAlerts
import Foundation
import TestSupport
import Testing

@testable import AlertWatch

/// Every entry point reads the same alerts from the same bytes: `--alert` (the document reader), `triage` (the
/// stream reader, in parts at once for a large file) and `watch --input` (the follower and its intake), for
/// every shape a responder holds alerts in.
struct ReaderAgreementTests {
    static let shapes = [
        "journald_falco-unit_json-and-text.log", "kubectl-logs-timestamps_falco-pod.log",
        "journalctl-o-json_falco-unit.jsonl", "falcosidekick_lowercase-priority_uuid_kubectl.log",
        "powershell-redirect_source.log", "pretty-printed_terminal-shell.json",
        "falco-0.2x-0.35_plain-text_old-forms.log", "falco-plain-text_mixed-eras.log", "stream_with-bad-lines.jsonl",
    ]

    /// What watch's intake makes of `file`: each arrival's alert or error line.
    static func watchRead(_ file: URL) throws -> (alerts: [FalcoAlert], bad: [Int], raws: [[UInt8]]) {
        let follower = try InputFollower(path: file.path)
        var reader = AlertAssembler(source: follower.source)
        var alerts: [FalcoAlert] = []
        var bad: [Int] = []
        var raws: [[UInt8]] = []
        func take(_ arrival: Watcher.Arrival?) {
            guard let arrival else { return }
            switch arrival.parsed {
            case .success(let alert):
                alerts.append(alert)
                raws.append(arrival.raw)
            case .failure(let error): bad.append(error.line ?? 0)
            }
        }
        while let pieces = try follower.read(), !pieces.isEmpty {
            reader.encoding = follower.encoding
            for piece in pieces { take(StreamIntake.arrival(piece, source: follower.source, reader: &reader)) }
        }
        if case .badLine(let error) = reader.finish() { bad.append(error.line ?? 0) }
        return (alerts, bad, raws)
    }

    static func variants(_ name: String) throws -> [(String, [UInt8])] {
        let bytes = Array(try Fixture.data("alerts/" + name))
        var utf16: [UInt8] = [0xFF, 0xFE]
        for unit in String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf16 {
            utf16 += [UInt8(unit & 0xFF), UInt8(unit >> 8)]
        }
        return [(name, bytes), (name + " (UTF-16LE, CRLF)", utf16), (name + " (UTF-8 BOM)", [0xEF, 0xBB, 0xBF] + bytes)]
    }

    @Test(arguments: shapes)
    func `inspect, triage and watch read the same alerts`(shape: String) throws {
        for (name, bytes) in try Self.variants(shape) {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("agree-\(UUID().uuidString)")
            try Data(bytes).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }

            let document = try AlertReader.parseDocument(bytes, source: file.path)
            let summary = try TriageSummary.read(paths: [file.path])
            var stream: [FalcoAlert] = []
            let alertStream = try AlertStream(path: file.path)
            while let item = try alertStream.next() { if case .alert(let alert, _) = item { stream.append(alert) } }
            let watch = try Self.watchRead(file)

            #expect(!document.alerts.isEmpty, "\(name)")
            #expect(stream == document.alerts, "\(name): triage's reader")
            #expect(watch.alerts == document.alerts, "\(name): watch")
            #expect(watch.bad == document.badLines.compactMap(\.line), "\(name): watch bad lines")
            #expect(summary.alertCount == document.alerts.count, "\(name): triage count")
            #expect(summary.badLineCount == document.badLines.count, "\(name): triage bad lines")
            // What watch keeps as the alert's bytes is what `--alert` keeps.
            // (Watch's line splitter drops a line's CR.)
            let kept = document.entries.map { entry in
                Array(document.text[entry.byteRange]).split(separator: 0x0D, omittingEmptySubsequences: false)
                    .joined().map { $0 }
            }
            #expect(watch.raws == kept, "\(name): raw bytes")
        }
    }

    @Test func `a large file read in two parts at once gives the one-pass summary`() throws {
        let lines = try Fixture.data("alerts/kubectl-logs-timestamps_falco-pod.log")
        let pretty = try Fixture.data("alerts/pretty-printed_terminal-shell.json")
        let old = try Fixture.data("alerts/falco-0.2x-0.35_plain-text_old-forms.log")
        var big = Data()
        var index = 0
        while big.count < 6 << 20 {
            big.append(index % 50 == 0 ? pretty : index % 7 == 0 ? old + Data("\n".utf8) : lines)
            if index % 101 == 0 { big.append(Data("not an alert \(index)\n".utf8)) }
            index += 1
        }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).log")
        try big.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let parted = try TriageSummary.read(paths: [file.path])
        var onePass = TriageSummary()
        let stream = try AlertStream(path: file.path)
        while let item = try stream.next() {
            switch item {
            case .alert(let alert, _): onePass.add(alert)
            case .badLine(let error): onePass.addBadLine(error)
            }
        }
        #expect(parted.alertCount == onePass.alertCount)
        #expect(parted.badLineCount == onePass.badLineCount)
        #expect(parted.badLines == onePass.badLines)
        #expect(parted.groups == onePass.groups)
        #expect(parted.rendered(as: .json) == onePass.rendered(as: .json))
    }
}
