import FalcoAlerts
import Investigation
import Testing

/// Which alert of a document an investigation is about.
@Suite struct AlertSelectionTests {
    static let document = Array(
        """
        {"rule":"a","priority":"Notice","time":"2026-04-06T15:00:01Z","output_fields":{"container.id":"host"}}
        {"rule":"b","priority":"Notice","time":"2026-04-06T15:00:02Z","output_fields":{"container.id":"aaaaaaaaaaaa","container.name":"web"}}
        {"rule":"c","priority":"Notice","time":"2026-04-06T15:00:03Z","output_fields":{"container.id":"bbbbbbbbbbbb","container.name":"db"}}
        not an alert
        """.utf8)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var container: String?
        var index: AlertSelection.Index?
        var rule: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        Case(name: "the first about a container, host events skipped", container: nil, index: nil, rule: "b"),
        Case(name: "the first about the named container, by name", container: "db", index: nil, rule: "c"),
        Case(name: "by a full id the alert's short id starts", container: "bbbbbbbbbbbb0123", index: nil, rule: "c"),
        Case(name: "a container no alert names: the first", container: "zzz", index: nil, rule: "a"),
        Case(name: "the Nth, whatever it is about", container: "db", index: .number(1), rule: "a"),
        Case(name: "the last", container: "web", index: .last, rule: "c"),
    ])
    func `an alert is chosen`(_ row: Case) throws {
        let chosen = try AlertSelection.choose(from: Self.document, source: "alerts.jsonl", container: row.container, index: row.index)
        #expect(chosen.alert.rule == row.rule)
        #expect(String(decoding: chosen.bytes, as: UTF8.self).contains(#""rule":"\#(row.rule)""#))
        #expect(chosen.warnings.count == 1 && chosen.warnings[0].hasPrefix("skipped "), "\(chosen.warnings)")
        #expect(chosen.notes.count == 1 && chosen.notes[0].hasPrefix("alerts.jsonl holds 3 alerts: took alert "), "\(chosen.notes)")
    }

    @Test func `an index past the end and a document with no alert are refused`() {
        #expect(throws: AlertSelection.Failure.indexOutOfRange(index: 4, source: "alerts.jsonl", count: 3)) {
            try AlertSelection.choose(from: Self.document, source: "alerts.jsonl", container: nil, index: .number(4))
        }
        // A document without one alert is malformed input (exit 65), said by the reader.
        #expect(throws: AlertParseError.self) {
            try AlertSelection.choose(from: Array("not json\n".utf8), source: "empty", container: nil, index: nil)
        }
    }
}
