import Crypto
import DockerEngine
import FalcoAlerts
import Foundation
import Investigation

/// The JSON lines `watch` keeps on disk, written in one place so the journal, the merged-alerts files and
/// the code that reads them back agree on every byte.
///
/// Every object is written with sorted keys through ``JSONText``, so no control character from an alert is
/// ever written raw. An alert's bytes are kept exactly: as the `raw` string when they are UTF-8, else as
/// `rawBase64`.
package enum RecordText {
    /// `2026-11-29T11:24:13.352372868Z`: arrival times in the same form as Falco's `time` (UTC, nine digits).
    package static func timestamp(_ date: Date) -> String {
        let total = (date.timeIntervalSince1970 * 1e9).rounded()
        // Arrival times are now; anything before 1970 or past 2262 is a broken clock, shown as the epoch.
        guard total >= 0, total < 9.2e18 else { return "1970-01-01T00:00:00.000000000Z" }
        return EngineTime(unixNanoseconds: Int64(total)).description
    }

    /// The most bytes of an alert a journal or merged-alerts record keeps. A Falco alert is a few KiB; a body
    /// past this is kept as its identity, size and sha256 only, so a flood of large POSTs cannot fill the disk
    /// through the records.
    package static let keptRawLimit = 64 << 10

    /// The member that carries an alert's bytes exactly, written: `"raw":"…"` (JSON-escaped text) when they are
    /// UTF-8, else `"rawBase64":"…"`; past ``keptRawLimit``, `"rawOmitted":<bytes>` instead. All sort between
    /// `entry` and `receivedAt`.
    static func rawMember(_ raw: [UInt8]) -> String {
        if raw.count > keptRawLimit { return "\"rawOmitted\":\(raw.count)" }
        if let quoted = quotedPrintableASCII(raw) { return "\"raw\":" + quoted }
        if let text = String(validating: raw, as: UTF8.self) { return "\"raw\":" + JSONText.quoted(text) }
        return "\"rawBase64\":\"" + Data(raw).base64EncodedString() + "\""
    }

    /// `bytes` as a JSON string when they are all printable ASCII, the usual case for an alert: only `"` and `\`
    /// need escaping, so a byte loop does what ``JSONText`` does scalar by scalar (a burst writes thousands).
    /// `nil` for anything else.
    static func quotedPrintableASCII(_ bytes: [UInt8]) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8 + 2)
        out.append(0x22)
        for byte in bytes {
            guard byte >= 0x20, byte < 0x7F else { return nil }
            if byte == 0x22 || byte == 0x5C { out.append(0x5C) }
            out.append(byte)
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes back from `raw` or `rawBase64`.
    static func rawBytes(text: String?, base64: String?) -> [UInt8]? {
        if let text { return Array(text.utf8) }
        if let base64, let data = Data(base64Encoded: base64) { return Array(data) }
        return nil
    }

    static func sha256(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).hexString
    }

    static func line(_ members: [FieldMember]) -> String {
        FieldValue.object(members).jsonText(sortedKeys: true) + "\n"
    }

    static func number(_ value: Int) -> FieldValue { .number(ExactNumber(Int64(value))) }

    static func text(_ value: String?) -> FieldValue { value.map(FieldValue.string) ?? .null }
}

/// One line of a merged-alerts file (`<bundle>.merged.jsonl`): an alert merged into that bundle's
/// investigation, exactly as received.
///
/// `{"alert":{…},"entry":42,"mergedInto":"0a8f2c69d33f-20261129T112413.352372868Z","raw":"{…}",
/// "receivedAt":"…","sha256":"…"}`; `sha256` is over the alert's exact bytes. The file's last line, once its
/// dedupe window has closed, seals it: `{"sealed":{"at":"…","lines":N,"sha256":"…"}}` where `sha256` is over
/// every byte before that line (`head -n -1 FILE | sha256sum`).
package struct MergedRecord: Sendable, Hashable {
    package var identity: AlertIdentity
    /// The alert's number in this run's (or its journal's) sequence.
    package var entry: Int
    /// The bundle folder's name.
    package var mergedInto: String
    package var raw: [UInt8]
    package var receivedAt: Date

    /// The record as one line, keys sorted (`alert`, `entry`, `mergedInto`, `raw`, `receivedAt`, `sha256`).
    package var line: String { line(identity: identity.json.jsonText()) }

    /// The line around the identity already written as JSON (the outcome line uses the same text).
    func line(identity: String) -> String {
        "{\"alert\":\(identity),\"entry\":\(entry),\"mergedInto\":\(JSONText.quoted(mergedInto)),"
            + RecordText.rawMember(raw)
            + ",\"receivedAt\":\"\(RecordText.timestamp(receivedAt))\",\"sha256\":\"\(RecordText.sha256(raw))\"}\n"
    }

    /// The closing line of a merged-alerts file.
    static func sealLine(lines: Int, sha256: String, at date: Date) -> String {
        RecordText.line([
            FieldMember(
                name: "sealed",
                value: .object([
                    FieldMember(name: "at", value: .string(RecordText.timestamp(date))),
                    FieldMember(name: "lines", value: RecordText.number(lines)),
                    FieldMember(name: "sha256", value: .string(sha256)),
                ]))
        ])
    }

    /// The identity (as written) and entry number of a line this type wrote, without decoding the whole line:
    /// a burst leaves thousands of them to read back when the investigation ends.
    static func head(of line: Substring.UTF8View) -> (identity: String, entry: Int)? {
        let prefix = Array("{\"alert\":".utf8)
        guard line.starts(with: prefix) else { return nil }
        let start = line.index(line.startIndex, offsetBy: prefix.count)
        guard let end = JSONObjectEnd.find(in: line, from: start) else { return nil }
        let marker = Array(",\"entry\":".utf8)
        guard line[end...].starts(with: marker) else { return nil }
        let digits = line[line.index(end, offsetBy: marker.count)...].prefix { $0 >= 0x30 && $0 <= 0x39 }
        guard let entry = Int(Substring(digits)) else { return nil }
        return (String(Substring(line[start..<end])), entry)
    }
}

/// Finds where a JSON object written by ``JSONText`` ends, minding strings and their escapes.
enum JSONObjectEnd {
    /// The index just past the object that starts at `start`, or `nil` when it does not close.
    static func find(in text: Substring.UTF8View, from start: Substring.UTF8View.Index) -> Substring.UTF8View.Index? {
        guard start < text.endIndex, text[start] == UInt8(ascii: "{") else { return nil }
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < text.endIndex {
            let byte = text[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return text.index(after: index) }
            }
            index = text.index(after: index)
        }
        return nil
    }
}
