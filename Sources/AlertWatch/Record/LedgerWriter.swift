import Crypto
import Foundation
import Investigation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file work behind ``Ledger``, done on its thread only.
final class LedgerWriter: @unchecked Sendable {
    // @unchecked: used by the ledger's thread alone (the ledger hands it batches one at a time).

    /// A merged-alerts file being written: open for appending, with a running hash of what it holds.
    private struct MergedFile {
        var descriptor: Int32
        var hasher = SHA256()
        var lines = 0
    }

    private let output: Int32
    private let journal: Journal?
    private let warn: @Sendable (String) -> Void
    private var files: [String: MergedFile] = [:]
    private(set) var tallies = Ledger.Tallies()

    // The batch being written.
    private var journalBytes: [UInt8] = []
    private var outputBytes: [UInt8] = []
    private var touched: Set<String> = []
    private var renamedInto: Set<String> = []

    private var outputBroken = false
    private var journalBroken = false
    private var warnedPaths: Set<String> = []

    /// Past this much pending output a batch is committed early, so a settlement of many merged alerts never
    /// holds them all in memory.
    private let commitThreshold = 1 << 20

    init(output: Int32, journal: Journal?, warn: @escaping @Sendable (String) -> Void) {
        self.output = output
        self.journal = journal
        self.warn = warn
    }

    /// Writes a batch; returns its barriers, to be resumed now that everything before them is done.
    func write(_ batch: [Ledger.Entry]) -> [CheckedContinuation<Void, Never>] {
        var barriers: [CheckedContinuation<Void, Never>] = []
        for entry in batch {
            switch entry {
            case .accepted(let entry, let identity, let raw, let receivedAt):
                if journal != nil {
                    appendJournal(Journal.accepted(entry: entry, identity: identity, raw: raw, receivedAt: receivedAt))
                }
            case .outcome(let outcome, let entry, let isFinal):
                record(outcome, entry: entry, isFinal: isFinal)
            case .merged(let path, let record, let outcome):
                merge(record, into: path, outcome: outcome)
            case .settle(let settlement):
                settle(settlement)
            case .seal(let path):
                seal(path)
            case .barrier(let continuation):
                barriers.append(continuation)
            }
            if outputBytes.count + journalBytes.count > commitThreshold { commit() }
        }
        commit()
        return barriers
    }

    /// Closes every file still open (merged-alerts files left unsealed stay as they are) and the journal.
    func closeAll() {
        for file in files.values { close(file.descriptor) }
        files = [:]
        journal?.close()
    }

    // MARK: - Entries

    private func record(_ outcome: Outcome, entry: Int?, isFinal: Bool) {
        record(
            line: outcome.jsonLine, action: outcome.action, entry: entry, isFinal: isFinal, bundle: outcome.bundle,
            verdict: outcome.verdict, error: outcome.error)
    }

    /// Queues an outcome line and its journal record.
    private func record(
        line: String, action: Outcome.Action, entry: Int?, isFinal: Bool, bundle: String?, verdict: String?,
        error: String?
    ) {
        if let entry, journal != nil {
            if isFinal {
                appendJournal(
                    Journal.outcome(entry: entry, action: action, bundle: bundle, verdict: verdict, error: error))
            } else {
                appendJournal(Journal.deferred(entry: entry, reason: error ?? "the run stopped"))
            }
        }
        outputBytes.append(contentsOf: line.utf8)
        tallies.counts[action, default: 0] += 1
    }

    private func merge(_ record: MergedRecord, into path: String, outcome: Outcome?) {
        // The identity's JSON is written twice, in the record and in the outcome line: make it once.
        let identity = record.identity.json.jsonText()
        do {
            try append(Array(record.line(identity: identity).utf8), to: path)
            if let outcome {
                let line = Outcome.line(
                    identity: identity, action: outcome.action, bundle: outcome.bundle, verdict: outcome.verdict,
                    error: outcome.error)
                self.record(
                    line: line, action: outcome.action, entry: record.entry, isFinal: true, bundle: outcome.bundle,
                    verdict: outcome.verdict, error: outcome.error)
            }
        } catch {
            let failed = Outcome(
                alert: record.identity, action: .failed, bundle: outcome?.bundle,
                error: "merged, but it could not be recorded in \(path): \(error.reason)")
            self.record(failed, entry: record.entry, isFinal: true)
        }
    }

    private func settle(_ settlement: Ledger.Settlement) {
        guard let file = files[settlement.spool] else { return }  // nothing was merged while it ran
        var readPath = settlement.spool
        var error = settlement.error
        var keptInSpool = false
        if fdatasync(file.descriptor) != 0 {
            warnOnce(settlement.spool, "cannot sync \(settlement.spool): \(systemError())")
        }
        if let destination = settlement.destination {
            // link + unlink instead of rename: never replace a file someone put at the destination.
            if link(settlement.spool, destination) == 0 {
                unlink(settlement.spool)
                files[settlement.spool] = nil
                files[destination] = file
                readPath = destination
                renamedInto.insert(destination)
            } else {
                let note = "merged alerts kept in \(settlement.spool): cannot create \(destination): \(systemError())"
                error = error.map { $0 + "; " + note } ?? note
                keptInSpool = true
            }
        }
        readBack(readPath) { identity, entry in
            let line = Outcome.line(
                identity: identity, action: settlement.action, bundle: settlement.bundle, verdict: settlement.verdict,
                error: error)
            record(
                line: line, action: settlement.action, entry: entry, isFinal: settlement.isFinal,
                bundle: settlement.bundle, verdict: settlement.verdict, error: error)
            if outputBytes.count + journalBytes.count > commitThreshold { commit() }
        }
        if settlement.destination == nil {
            // No bundle answers for these alerts: their outcomes (and the journal) say so; the spool goes.
            close(file.descriptor)
            unlink(settlement.spool)
            files[settlement.spool] = nil
            touched.remove(settlement.spool)
        } else if keptInSpool {
            // Nothing more goes into it where it is: seal it as it stands.
            seal(settlement.spool)
        }
    }

    /// Appends the sealing line to a merged-alerts file and closes it, read-only.
    private func seal(_ path: String) {
        guard let file = files.removeValue(forKey: path) else { return }
        let line = MergedRecord.sealLine(lines: file.lines, sha256: file.hasher.finalize().hexString, at: Date())
        let bytes = Array(line.utf8)
        if writeAll(file.descriptor, bytes) != 0 || fdatasync(file.descriptor) != 0 {
            warnOnce(path, "cannot seal \(path): \(systemError())")
        }
        fchmod(file.descriptor, 0o400)
        close(file.descriptor)
        touched.remove(path)
    }

    // MARK: - Files

    private struct WriteError: Error {
        var reason: String
    }

    private func append(_ bytes: [UInt8], to path: String) throws(WriteError) {
        var file: MergedFile
        if let open = files[path] {
            file = open
        } else {
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else { throw WriteError(reason: systemError()) }
            file = MergedFile(descriptor: descriptor)
        }
        guard writeAll(file.descriptor, bytes) == 0 else {
            let reason = systemError()
            files[path] = file
            throw WriteError(reason: reason)
        }
        file.hasher.update(data: bytes)
        file.lines += 1
        files[path] = file
        touched.insert(path)
    }

    /// Reads a merged-alerts file back, line by line, handing out each line's identity and entry.
    private func readBack(_ path: String, _ body: (String, Int) -> Void) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            warnOnce(path, "cannot read back \(path): \(systemError())")
            return
        }
        defer { close(descriptor) }
        var splitter = LineSplitter(maximumLength: 16 << 20)
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var pieces: [LineSplitter.Piece] = []
        func handle(_ piece: LineSplitter.Piece) {
            guard case .line(let bytes, _) = piece else { return }
            let text = String(decoding: bytes, as: UTF8.self)
            if let (identity, entry) = MergedRecord.head(of: Substring(text).utf8) { body(identity, entry) }
        }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 { break }
            pieces.removeAll(keepingCapacity: true)
            chunk.withUnsafeBytes { splitter.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count]), into: &pieces) }
            pieces.forEach(handle)
        }
        if let last = splitter.finish() { handle(last) }
    }

    private func appendJournal(_ line: String) {
        guard journal != nil else { return }
        journalBytes.append(contentsOf: line.utf8)
    }

    /// Makes the batch so far durable, then prints its outcome lines.
    private func commit() {
        if let journal, !journalBytes.isEmpty, !journalBroken {
            if writeAll(journal.descriptor, journalBytes) != 0 || fdatasync(journal.descriptor) != 0 {
                journalBroken = true
                warn("cannot write the journal \(journal.path): \(systemError()); outcomes are no longer journaled")
            }
        }
        journalBytes.removeAll(keepingCapacity: true)
        for path in touched {
            if let file = files[path], fdatasync(file.descriptor) != 0 {
                warnOnce(path, "cannot sync \(path): \(systemError())")
            }
        }
        touched.removeAll(keepingCapacity: true)
        // A file moved into place is durable only once its folder's entry is.
        for folder in Set(renamedInto.map { ($0 as NSString).deletingLastPathComponent }) {
            let descriptor = open(folder.isEmpty ? "." : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
        }
        renamedInto.removeAll(keepingCapacity: true)
        if !outputBytes.isEmpty, !outputBroken {
            if writeAll(output, outputBytes) != 0 {
                outputBroken = true
                warn("cannot write outcome lines to standard output: \(systemError()); the journal still records them")
            } else {
                tallies.lastPrinted = Date()
            }
        }
        outputBytes.removeAll(keepingCapacity: true)
    }

    private func warnOnce(_ path: String, _ message: String) {
        if warnedPaths.insert(path).inserted { warn(message) }
    }
}

/// Writes every byte, retrying after signals and short writes; 0 on success, -1 with `errno` set.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Int32 {
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(descriptor, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return -1
            }
            offset += written
        }
        return 0
    }
}

func systemError() -> String { String(cString: strerror(errno)).lowercased() }
