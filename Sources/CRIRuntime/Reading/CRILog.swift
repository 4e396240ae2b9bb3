import DockerEngine

/// One record of a CRI container log file, partial lines joined.
///
/// Kubelet's format (`k8s.io/cri-api` logging): one line per write, `<RFC3339Nano> <stream> <tag> <message>`,
/// where the tag is `F` for a full line or `P` for a part of a longer one (the runtime splits lines of
/// 16 KiB and more); the parts of one line follow in order, on the same stream, ending with an `F`.
package struct CRILogRecord: Sendable, Hashable {
    package enum Stream: String, Sendable, Hashable { case stdout, stderr }

    /// When the record's first part was written.
    package var time: EngineTime
    package var stream: Stream
    /// The message, without its line end.
    package var text: String
    /// False for a line whose last part never came (the file ends after a `P`).
    package var isComplete: Bool

    package init(time: EngineTime, stream: Stream, text: String, isComplete: Bool = true) {
        self.time = time
        self.stream = stream
        self.text = text
        self.isComplete = isComplete
    }
}

/// Reads CRI log lines into records, keeping those that start inside a time window.
package struct CRILogReader: Sendable {
    package var since: EngineTime?
    package var until: EngineTime?
    /// Records kept so far.
    package private(set) var records: [CRILogRecord] = []
    /// Lines that are not in the CRI format (skipped, and counted so a report can say so).
    package private(set) var malformedLines = 0
    private var open: [CRILogRecord.Stream: CRILogRecord] = [:]

    package init(since: EngineTime? = nil, until: EngineTime? = nil) {
        self.since = since
        self.until = until
    }

    /// The records of a whole log text that start in `since...until`.
    package static func records(in text: String, since: EngineTime? = nil, until: EngineTime? = nil) -> CRILogReader {
        var reader = CRILogReader(since: since, until: until)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) { reader.read(line: line) }
        reader.finish()
        return reader
    }

    /// Reads one line (without its `\n`).
    package mutating func read(line: Substring) {
        guard let (time, stream, isFull, message) = Self.parse(line) else {
            malformedLines += 1
            return
        }
        var record = open.removeValue(forKey: stream) ?? CRILogRecord(time: time, stream: stream, text: "")
        record.text += message
        if isFull {
            keep(record)
        } else {
            open[stream] = record
        }
    }

    /// Ends the input: a line whose last part never came is kept, marked incomplete.
    package mutating func finish() {
        for (_, record) in open.sorted(by: { $0.value.time < $1.value.time }) {
            var record = record
            record.isComplete = false
            keep(record)
        }
        open = [:]
    }

    private mutating func keep(_ record: CRILogRecord) {
        if let since, record.time < since { return }
        if let until, until < record.time { return }
        records.append(record)
    }

    /// The four fields of a line, or `nil` when it is not a CRI log line.
    package static func parse(_ line: Substring) -> (EngineTime, CRILogRecord.Stream, isFull: Bool, message: Substring)? {
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        guard fields.count >= 3 else { return nil }
        let timeText = fields[0]
        let parsed = timeText.utf8.withContiguousStorageIfAvailable { EngineTime.parsePrefix(UnsafeRawBufferPointer($0)) }
            ?? Array(timeText.utf8).withUnsafeBytes { EngineTime.parsePrefix($0) }
        guard let (time, length) = parsed, length == timeText.utf8.count,
            let stream = CRILogRecord.Stream(rawValue: String(fields[1]))
        else { return nil }
        let isFull: Bool
        switch fields[2] {
        case "F": isFull = true
        case "P": isFull = false
        default: return nil
        }
        return (time, stream, isFull, fields.count == 4 ? fields[3] : "")
    }
}
