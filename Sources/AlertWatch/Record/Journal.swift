import FalcoAlerts
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--journal FILE`: JSON lines of every accepted alert and what became of it, so a restart picks up what was
/// accepted and not finished.
///
/// Three records, each with the alert's `entry` number:
/// - `{"alert":{…},"entry":7,"raw":"{…}","receivedAt":"…","record":"accepted","sha256":"…"}` when the alert is
///   accepted (`rawBase64` instead of `raw` when its bytes are not UTF-8; `rawOmitted` with the byte count when
///   they are past ``RecordText/keptRawLimit``: then a restart reports it, it cannot investigate it again);
/// - `{"action":"investigated","bundle":"…","entry":7,"error":null,"record":"outcome","verdict":"confirmed"}`
///   once its outcome line is printed: it is finished;
/// - `{"entry":7,"reason":"…","record":"deferred"}` when the run stopped before it was finished: still owed.
///
/// Every record is written (and `fsync`ed) before the outcome line it stands for is printed. On start, every
/// accepted entry without an `outcome` is queued again, in order, under its first identity. The file is locked
/// (`flock`) so two runs never share it; a torn last line (a crash mid-write) is ignored.
package final class Journal {
    /// An accepted alert that has no outcome yet.
    package struct Unfinished: Sendable, Hashable {
        package var entry: Int
        package var identity: AlertIdentity
        package var raw: [UInt8]
        package var receivedAt: Date
        /// Set when the journal kept only the size of the alert's bytes (past ``RecordText/keptRawLimit``).
        package var omittedBytes: Int? = nil
        package var sha256: String? = nil
    }

    package let path: String
    /// The journal's descriptor: opened for appending, locked; -1 once closed.
    private(set) var descriptor: Int32
    /// The accepted entries with no outcome, oldest first.
    package private(set) var unfinished: [Unfinished] = []
    /// The first entry number free for this run.
    package private(set) var nextEntry = 1
    /// Lines that were not records (reported, then ignored).
    package private(set) var badLines: [Int] = []

    /// Opens (creating, 0600) and locks the journal, and reads what an earlier run left unfinished.
    package init(path: String) throws(WatchError) {
        self.path = path
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .journalUnusable(path: path, reason: systemError(), isWrite: false)
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let reason = errno == EWOULDBLOCK ? "another watch is using it" : systemError()
            systemClose(descriptor)
            throw .journalUnusable(path: path, reason: reason, isWrite: false)
        }
        self.descriptor = descriptor
        do {
            try read()
        } catch {
            close()
            throw error
        }
    }

    deinit {
        close()
    }

    /// Closes the journal, which releases its lock.
    func close() {
        if descriptor >= 0 { systemClose(descriptor) }
        descriptor = -1
    }

    // MARK: - Records

    /// Keys sorted: `alert`, `entry`, `raw` (or `rawBase64`, `rawOmitted`), `receivedAt`, `record`, `sha256`.
    static func accepted(entry: Int, identity: AlertIdentity, raw: [UInt8], receivedAt: Date) -> String {
        "{\"alert\":\(identity.json.jsonText()),\"entry\":\(entry)," + RecordText.rawMember(raw)
            + ",\"receivedAt\":\"\(RecordText.timestamp(receivedAt))\",\"record\":\"accepted\""
            + ",\"sha256\":\"\(RecordText.sha256(raw))\"}\n"
    }

    static func outcome(entry: Int, action: Outcome.Action, bundle: String?, verdict: String?, error: String?)
        -> String
    {
        RecordText.line([
            FieldMember(name: "action", value: .string(action.rawValue)),
            FieldMember(name: "bundle", value: RecordText.text(bundle)),
            FieldMember(name: "entry", value: RecordText.number(entry)),
            FieldMember(name: "error", value: RecordText.text(error)),
            FieldMember(name: "record", value: .string("outcome")),
            FieldMember(name: "verdict", value: RecordText.text(verdict)),
        ])
    }

    static func deferred(entry: Int, reason: String) -> String {
        RecordText.line([
            FieldMember(name: "entry", value: RecordText.number(entry)),
            FieldMember(name: "reason", value: .string(reason)),
            FieldMember(name: "record", value: .string("deferred")),
        ])
    }

    // MARK: - Reading

    /// What one line may hold; only the fields its record needs are read.
    private struct Line: Decodable {
        var record: String
        var entry: Int
        var alert: AlertIdentity?
        var raw: String?
        var rawBase64: String?
        var rawOmitted: Int?
        var receivedAt: String?
        var sha256: String?
    }

    private func read() throws(WatchError) {
        var open: [Int: Unfinished] = [:]
        var order: [Int] = []
        var highest = 0
        let decoder = JSONDecoder()
        // An accepted record holds a whole alert (up to 1 MiB), escaped: allow for that and no more.
        var splitter = LineSplitter(maximumLength: 8 << 20)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var pieces: [LineSplitter.Piece] = []
        var endsWithNewline = true

        func take(_ piece: LineSplitter.Piece, isLast: Bool) {
            guard case .line(let line, let number) = piece else {
                if case .tooLong(let number) = piece { badLines.append(number) }
                return
            }
            if line.isEmpty { return }
            guard let record = try? decoder.decode(Line.self, from: Data(line)) else {
                // A torn last line is what a crash mid-append leaves; anything else is worth a word.
                if !isLast { badLines.append(number) }
                return
            }
            highest = max(highest, record.entry)
            switch record.record {
            case "accepted":
                guard let identity = record.alert,
                    let raw = RecordText.rawBytes(text: record.raw, base64: record.rawBase64)
                        ?? (record.rawOmitted != nil ? [] : nil)
                else {
                    badLines.append(number)
                    return
                }
                let receivedAt = record.receivedAt.flatMap(AlertTime.init)?.date ?? Date()
                if open[record.entry] == nil { order.append(record.entry) }
                open[record.entry] = Unfinished(
                    entry: record.entry, identity: identity, raw: raw, receivedAt: receivedAt,
                    omittedBytes: record.rawOmitted, sha256: record.sha256)
            case "outcome":
                open[record.entry] = nil
            default:
                // `deferred` leaves the entry owed; unknown records are a later version's and ignored.
                break
            }
        }

        lseek(descriptor, 0, SEEK_SET)
        while true {
            let count = chunk.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw .journalUnusable(path: path, reason: systemError(), isWrite: false) }
            if count == 0 { break }
            endsWithNewline = chunk[count - 1] == 0x0A
            pieces.removeAll(keepingCapacity: true)
            chunk.withUnsafeBytes { splitter.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count]), into: &pieces) }
            for piece in pieces { take(piece, isLast: false) }
        }
        if let last = splitter.finish() { take(last, isLast: true) }
        unfinished = order.compactMap { open[$0] }
        nextEntry = highest + 1
        // A torn last line must not glue itself to the next record.
        if !endsWithNewline {
            var newline = UInt8(ascii: "\n")
            _ = write(descriptor, &newline, 1)
        }
    }

}

/// The journal belongs to the one ledger thread that appends to it.
@available(*, unavailable)
extension Journal: Sendable {}

private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private func systemClose(_ descriptor: Int32) {
    _ = close(descriptor)
}
