/// Where a log put an alert line: the host and time the log wrote before it, as it wrote them.
///
/// The alert itself is read from what follows the prefix, unchanged; this is kept beside it.
package struct LogProvenance: Sendable, Hashable {
    /// Which log wrapped the line.
    package enum Kind: String, Sendable, Hashable {
        /// `journalctl` / syslog: `Feb 13 20:33:20 node-1 falco[19460]: ` (or its ISO form).
        case syslog
        /// `kubectl logs --timestamps`: an RFC 3339 time and a space.
        case kubectlTimestamps
        /// `journalctl -o json`: the alert is the entry's `MESSAGE`.
        case journalExport
    }

    package var kind: Kind
    /// The log's host (`node-1`), when it names one.
    package var host: String?
    /// The log's time, exactly as written (`Feb 13 20:33:20`); for a journal export, `__REALTIME_TIMESTAMP`
    /// (microseconds) written as RFC 3339 with six digits.
    package var time: String?
    /// The program the log names (`falco`), and its process id.
    package var identifier: String?
    package var pid: String?

    package init(
        kind: Kind, host: String? = nil, time: String? = nil, identifier: String? = nil, pid: String? = nil
    ) {
        self.kind = kind
        self.host = host
        self.time = time
        self.identifier = identifier
        self.pid = pid
    }
}

/// Recognises the text logs put before an alert line.
enum LinePrefix {
    /// The prefix at the start of `line`: how many bytes it takes and what it says; `nil` when there is none.
    static func strip(_ line: UnsafeBufferPointer<UInt8>) -> (length: Int, provenance: LogProvenance)? {
        guard let first = line.first else { return nil }
        if first &- UInt8(ascii: "A") < 26 { return syslog(line) }
        if first &- UInt8(ascii: "0") <= 9 { return isoSyslog(line) ?? kubectl(line) }
        return nil
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Feb 13 20:33:20 node-1 falco[19460]: ` (day space-padded or not; `short-precise` adds microseconds).
    private static func syslog(_ line: UnsafeBufferPointer<UInt8>) -> (Int, LogProvenance)? {
        guard line.count > 16, line[3] == UInt8(ascii: " ") else { return nil }
        let month = String(decoding: line[0..<3], as: UTF8.self)
        guard months.contains(month) else { return nil }
        var position = 4
        if line[position] == UInt8(ascii: " ") { position += 1 }
        let dayStart = position
        while position < line.count, line[position] &- UInt8(ascii: "0") <= 9 { position += 1 }
        guard (1...2).contains(position - dayStart), position < line.count, line[position] == UInt8(ascii: " ")
        else { return nil }
        position += 1
        guard let timeEnd = clockEnd(line, from: position) else { return nil }
        return hostAndIdentifier(line, from: timeEnd, time: text(line, 0, timeEnd))
    }

    /// `2026-02-13T20:33:20+0000 node-1 falco[19460]: ` (`journalctl -o short-iso`, rsyslog's ISO form).
    private static func isoSyslog(_ line: UnsafeBufferPointer<UInt8>) -> (Int, LogProvenance)? {
        guard let space = firstIndex(of: UInt8(ascii: " "), in: line, from: 0, limit: 40) else { return nil }
        let time = text(line, 0, space)
        guard AlertTime(time) != nil else { return nil }
        return hostAndIdentifier(line, from: space, time: time)
    }

    /// `2026-02-13T20:33:20.123456789Z ` before the line (`kubectl logs --timestamps`).
    private static func kubectl(_ line: UnsafeBufferPointer<UInt8>) -> (Int, LogProvenance)? {
        guard let space = firstIndex(of: UInt8(ascii: " "), in: line, from: 0, limit: 40), space + 1 < line.count
        else { return nil }
        let time = text(line, 0, space)
        guard AlertTime(time) != nil else { return nil }
        return (space + 1, LogProvenance(kind: .kubectlTimestamps, time: time))
    }

    /// ` host ident[pid]: ` from `position` (a space); the prefix's length and provenance.
    private static func hostAndIdentifier(
        _ line: UnsafeBufferPointer<UInt8>, from position: Int, time: String
    ) -> (Int, LogProvenance)? {
        guard position < line.count, line[position] == UInt8(ascii: " ") else { return nil }
        let hostStart = position + 1
        guard let hostEnd = firstIndex(of: UInt8(ascii: " "), in: line, from: hostStart, limit: 256),
            hostEnd > hostStart
        else { return nil }
        let identStart = hostEnd + 1
        var index = identStart
        while index < line.count, index - identStart < 128 {
            let byte = line[index]
            if byte == UInt8(ascii: ":") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: " ") { break }
            index += 1
        }
        guard index > identStart, index < line.count else { return nil }
        let identifier = text(line, identStart, index)
        var pid: String?
        if line[index] == UInt8(ascii: "[") {
            let pidStart = index + 1
            guard let close = firstIndex(of: UInt8(ascii: "]"), in: line, from: pidStart, limit: 16) else { return nil }
            pid = text(line, pidStart, close)
            index = close + 1
        }
        guard index + 1 < line.count, line[index] == UInt8(ascii: ":"), line[index + 1] == UInt8(ascii: " ")
        else { return nil }
        let provenance = LogProvenance(
            kind: .syslog, host: text(line, hostStart, hostEnd), time: time, identifier: identifier, pid: pid)
        return (index + 2, provenance)
    }

    /// The end of `HH:MM:SS` (with an optional fraction) starting at `start`.
    private static func clockEnd(_ line: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard start + 8 <= line.count else { return nil }
        for offset in [0, 1, 3, 4, 6, 7] where line[start + offset] &- UInt8(ascii: "0") > 9 { return nil }
        guard line[start + 2] == UInt8(ascii: ":"), line[start + 5] == UInt8(ascii: ":") else { return nil }
        var end = start + 8
        if end < line.count, line[end] == UInt8(ascii: ".") {
            end += 1
            while end < line.count, line[end] &- UInt8(ascii: "0") <= 9 { end += 1 }
        }
        return end
    }

    private static func firstIndex(
        of byte: UInt8, in line: UnsafeBufferPointer<UInt8>, from start: Int, limit: Int
    ) -> Int? {
        var index = start
        while index < line.count, index - start <= limit {
            if line[index] == byte { return index }
            index += 1
        }
        return nil
    }

    private static func text(_ line: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
    }

    // MARK: - journalctl -o json

    /// Whether the JSON object at `start` is a journal entry rather than an alert: journal field names start
    /// with `_` (`__CURSOR` comes first), Falco's never do.
    static func isJournalEntry(_ line: UnsafeBufferPointer<UInt8>, objectStart start: Int) -> Bool {
        var index = start + 1
        while index < line.count, line[index] == 0x20 || line[index] == 0x09 { index += 1 }
        return index + 1 < line.count && line[index] == UInt8(ascii: "\"") && line[index + 1] == UInt8(ascii: "_")
    }

    /// The entry's `MESSAGE` as bytes (journald writes a message that is not UTF-8 as an array of bytes) and
    /// its provenance; `nil` when the entry has no message.
    static func journalMessage(_ members: [FieldMember]) -> (message: [UInt8], provenance: LogProvenance)? {
        func string(_ name: String) -> String? {
            members.first { $0.name == name }?.value.stringValue
        }
        guard let value = members.first(where: { $0.name == "MESSAGE" })?.value else { return nil }
        let message: [UInt8]
        switch value {
        case .string(let text):
            message = Array(text.utf8)
        case .array(let elements):
            var bytes: [UInt8] = []
            for element in elements {
                guard let byte = element.numberValue?.int64Value, (0...255).contains(byte) else { return nil }
                bytes.append(UInt8(byte))
            }
            message = bytes
        default:
            return nil
        }
        var time: String?
        if let text = string("__REALTIME_TIMESTAMP"), let micros = Int64(text),
            case (let nanoseconds, false) = micros.multipliedReportingOverflow(by: 1000)
        {
            let instant = AlertTime(nanosecondsSinceEpoch: nanoseconds).iso8601
            // Microseconds are what the journal keeps: the last three of nine digits are not written.
            time = String(instant.dropLast(4)) + "Z"
        }
        let provenance = LogProvenance(
            kind: .journalExport, host: string("_HOSTNAME"), time: time,
            identifier: string("SYSLOG_IDENTIFIER"), pid: string("_PID") ?? string("SYSLOG_PID"))
        return (message, provenance)
    }
}
