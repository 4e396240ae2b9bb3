import DockerEngine
import Foundation
import SafeText

/// Extracts the plain files of an archive stream into `files/`, hashing each as it is written.
///
/// The stream comes from the container, so from whoever controls it. Only members that
/// `TarEntry.isExtractable` (regular, with a safe name) are written, each as
/// `files/<SafeName of its last component>` with a counter on collisions: an entry name is never
/// joined onto a host path. Links, devices, directories, fifos and unsafe names are refused and
/// noted. Each file is cut at `maxFileBytes`, and one archive yields at most `maxEntries` files.
/// A malformed archive stops extraction (what was extracted is kept and marked cut); only a failed
/// write is an error, because that is the bundle failing, not the evidence.
final class ArchiveExtractor {
    private let containerPath: String
    private let producer: String
    private let staging: StagingFolder
    private let journal: CollectionJournal
    private let maxFileBytes: Int64
    private let maxEntries: Int
    /// The engine's stat of the path (the archive answer's header), for the manifest.
    private let stat: PathStat?
    /// Tell the journal the digest of the member the engine names after `containerPath`, for the
    /// investigation (see `CollectionJournal.archived`).
    private let sharesDigest: Bool
    private var shared = false
    private var reader: TarReader
    private var current: (writer: EvidenceFileWriter, entry: TarEntry, isCut: Bool)?
    private var extracted = 0
    private var refused = 0
    private var stopped = false

    /// Refusals are listed one by one up to this many, then counted.
    private static let listedRefusals = 20

    init(
        containerPath: String, producer: String, staging: StagingFolder, journal: CollectionJournal,
        maxFileBytes: Int64, maxEntries: Int, stat: PathStat? = nil, sharesDigest: Bool = false
    ) {
        self.containerPath = containerPath
        self.producer = producer
        self.staging = staging
        self.journal = journal
        self.maxFileBytes = maxFileBytes
        self.maxEntries = maxEntries
        self.stat = stat
        self.sharesDigest = sharesDigest
        self.reader = TarReader(request: producer)
    }

    /// Files written so far.
    var extractedCount: Int { extracted }
    /// Members refused so far.
    var refusedCount: Int { refused }

    func feed(_ chunk: UnsafeRawBufferPointer) throws(EvidenceBundleError) {
        guard !stopped else { return }
        do {
            try reader.feed(chunk) { event in try handle(event) }
        } catch let error as EvidenceBundleError {
            throw error
        } catch {
            try stop(because: error)
        }
    }

    /// Ends the stream; `complete` is false when the body was cut (cap, broken transfer).
    func finish(complete: Bool) throws(EvidenceBundleError) {
        if !stopped {
            do { try reader.finish() } catch {
                try stop(because: error)
            }
        }
        try closeCurrent(isCut: true)
        if refused > Self.listedRefusals {
            journal.note("\(refused - Self.listedRefusals) more member(s) of the archive of \(quotedPath) refused")
        }
        if extracted == 0 {
            journal.note("nothing was extracted from the archive of \(quotedPath)")
        }
    }

    private var quotedPath: String { "'\(TerminalText.escaped(containerPath, limit: 200))'" }

    private func stop(because error: any Error) throws(EvidenceBundleError) {
        stopped = true
        journal.note("extraction from the archive of \(quotedPath) stopped: \(error)")
        try closeCurrent(isCut: true)
    }

    private func handle(_ event: TarEvent) throws {
        switch event {
        case .entry(let entry):
            try closeCurrent(isCut: true)
            if let reason = refusal(of: entry) {
                refuse(entry, reason)
                return
            }
            extracted += 1
            let name = journal.fileNames.claim(SafeName.make(entry.name.components.last ?? "", fallback: "file"))
            let writer = try staging.createFile("\(BundleLayout.files)/\(name)", mode: 0o400)
            current = (writer, entry, false)
        case .content(let bytes):
            guard let file = current, !file.isCut else { return }
            let room = maxFileBytes - file.writer.size
            if Int64(bytes.count) > room {
                try file.writer.write(UnsafeRawBufferPointer(rebasing: bytes[0..<Int(max(room, 0))]))
                current?.isCut = true
                journal.capReached("\(file.writer.relativePath): first \(maxFileBytes) bytes kept (--max-file-bytes)")
            } else {
                try file.writer.write(bytes)
            }
        case .entryEnd:
            try closeCurrent(isCut: false)
        }
    }

    /// Why a member is not written out, or nil when it may be.
    private func refusal(of entry: TarEntry) -> String? {
        guard entry.isRegularFile else {
            switch entry.kind {
            case .symbolicLink:
                return "a symbolic link to '\(TerminalText.escaped(entry.linkName?.text ?? "", limit: 200))'"
            case .hardLink:
                return "a hard link to '\(TerminalText.escaped(entry.linkName?.text ?? "", limit: 200))'"
            case .characterDevice, .blockDevice:
                return "a device (\(entry.deviceMajor):\(entry.deviceMinor))"
            case .directory:
                return "a directory"
            case .fifo:
                return "a fifo"
            case .other(let flag):
                return "of unknown type '\(TerminalText.escaped(String(UnicodeScalar(flag)), limit: 200))'"
            case .regular:
                return nil
            }
        }
        guard entry.name.isSafe else {
            return "its name " + entry.name.problems.map(\.description).joined(separator: " and ")
        }
        guard extracted < maxEntries else { return "the archive holds more than \(maxEntries) files" }
        return nil
    }

    private func refuse(_ entry: TarEntry, _ reason: String) {
        refused += 1
        guard refused <= Self.listedRefusals else { return }
        journal.note(
            "refused member '\(TerminalText.escaped(entry.name.text, limit: 200))' of the archive of \(quotedPath): \(reason)")
    }

    /// Closes the file being written, if any, and enters it in the manifest.
    private func closeCurrent(isCut: Bool) throws(EvidenceBundleError) {
        guard let file = current else { return }
        current = nil
        let digest = try file.writer.finish()
        let isTruncated = isCut || file.isCut || digest.size != file.entry.size
        // The investigation takes the first such member whole, as this one is (see Investigator.acquire).
        let isTheFile = file.entry.name.components == [EngineClient.archiveMemberName(containerPath)]
        if sharesDigest, !shared, !isTruncated, isTheFile {
            shared = true
            journal.archived(containerPath, digest)
        }
        var detail =
            "member '\(TerminalText.escaped(file.entry.name.text, limit: 200))' (\(file.entry.mode.lsString), \(file.entry.size) bytes)"
        detail += " of the archive of \(quotedPath) in the container"
        if let stat, stat.name == file.entry.name.components.last {
            detail += "; the engine's stat: \(stat.mode.lsString), \(stat.size) bytes, modified \(stat.mtime ?? "?")"
        }
        journal.add(
            .init(
                path: file.writer.relativePath, digest: digest, kind: .extracted, producer: producer,
                acquiredAt: Date(),
                detail: detail, truncated: isTruncated))
    }
}
