import Crypto
import Foundation
import Investigation
import Testing
import TestSupport

@testable import EvidenceBundle

/// Archives from the engine carry whatever the container holds. Whatever they name, nothing is
/// written outside `files/` of the staging folder, and only plain files are written at all.
@Suite struct HostileArchiveTests {
    /// What one extraction left behind.
    struct Extraction {
        var parent: TestFolder
        var staging: StagingFolder
        var journal: CollectionJournal
        var extracted: Int
        var refused: Int

        /// The names in `files/`.
        var files: [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: staging.root.path + "/files")) ?? []).sorted()
        }

        func content(_ name: String) -> [UInt8]? {
            FileManager.default.contents(atPath: staging.root.path + "/files/" + name).map(Array.init)
        }

        func entry(_ name: String) -> BundleManifest.Entry? { journal.entries["files/" + name] }

        /// Everything in the parent folder besides the staging folder: must stay empty.
        var outside: [String] {
            parent.listing().filter { !$0.hasPrefix(staging.root.lastPathComponent) }
        }
    }

    func extract(
        _ members: [TarStream.Member], end: Bool = true, chunk: Int = 7, complete: Bool = true,
        maxFileBytes: Int64 = 1 << 20, maxEntries: Int = 8, sharesDigest: Bool = false
    ) throws -> Extraction {
        let parent = try TestFolder("hostile-archive")
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        try staging.makeFolder("files")
        let journal = CollectionJournal()
        let extractor = ArchiveExtractor(
            containerPath: "/tmp/payload", producer: "GET /containers/x/archive?path=%2Ftmp%2Fpayload",
            staging: staging, journal: journal, maxFileBytes: maxFileBytes, maxEntries: maxEntries,
            sharesDigest: sharesDigest)
        let bytes = TarStream.archive(members, end: end)
        var start = 0
        while start < bytes.count {
            let stop = min(start + chunk, bytes.count)
            try bytes[start..<stop].withUnsafeBytes { try extractor.feed($0) }
            start = stop
        }
        try extractor.finish(complete: complete)
        return Extraction(
            parent: parent, staging: staging, journal: journal, extracted: extractor.extractedCount,
            refused: extractor.refusedCount)
    }

    @Test(arguments: [1, 7, 512, 4096])
    func `a plain file is written under its own name, 0400, hashed as written`(chunk: Int) throws {
        let result = try extract([.file("payload", "#!/bin/sh\necho hello\n")], chunk: chunk)
        defer { result.parent.remove() }
        #expect(result.files == ["payload"])
        #expect(result.content("payload") == Array("#!/bin/sh\necho hello\n".utf8))
        #expect(result.parent.mode(result.staging.root.lastPathComponent + "/files/payload") == 0o400)
        let entry = try #require(result.entry("payload"))
        #expect(entry.sha256 == SHA256.hash(data: Array("#!/bin/sh\necho hello\n".utf8)).hexString)
        #expect(entry.kind == .extracted)
        #expect(entry.truncated == nil)
        #expect(result.outside.isEmpty)
    }

    @Test(arguments: ["../../etc/cron.d/evil", "/etc/passwd", "a/../../b", "./../x", "..", "/"])
    func `a name that climbs out or is absolute is refused, and nothing is written`(name: String) throws {
        let result = try extract([.file(name, "owned")])
        defer { result.parent.remove() }
        #expect(result.files.isEmpty)
        #expect(result.refused == 1)
        #expect(result.outside.isEmpty)
        #expect(result.journal.notes.contains { $0.contains("refused member") })
    }

    @Test func `links, devices, directories, fifos and unknown types are refused; the plain file beside them is kept`()
        throws
    {
        let result = try extract([
            .special("to-passwd", "2", link: "/etc/passwd"),
            .special("hard", "1", link: "../../etc/shadow"),
            .special("tty", "3"),
            .special("disk", "4"),
            .special("dir/", "5"),
            .special("pipe", "6"),
            .special("sparse", "S"),
            .file("ok", "fine"),
        ])
        defer { result.parent.remove() }
        #expect(result.files == ["ok"])
        #expect(result.refused == 7)
        let notes = result.journal.notes.joined(separator: "\n")
        #expect(notes.contains("a symbolic link to '/etc/passwd'"))
        #expect(notes.contains("a hard link"))
        #expect(notes.contains("a device"))
        #expect(result.outside.isEmpty)
    }

    @Test func `a pax path record cannot smuggle a parent reference past the ustar name`() throws {
        var member = TarStream.Member.file("innocent", "owned")
        member.paxPath = "../../../root/.ssh/authorized_keys"
        let result = try extract([member])
        defer { result.parent.remove() }
        #expect(result.files.isEmpty)
        #expect(result.refused == 1)
    }

    @Test
    func `names become safe file names: last component only, control bytes and leading dots gone, collisions numbered`()
        throws
    {
        let result = try extract([
            .file("usr/bin/pay\u{1B}[31mload", "1"),
            .file(".hidden", "2"),
            .file("a/tool", "3"),
            .file("b/tool", "4"),
            .file("...", "5"),
        ])
        defer { result.parent.remove() }
        #expect(result.files == ["file", "hidden", "pay_31mload", "tool", "tool-2"])
        #expect(result.content("tool-2") == Array("4".utf8))
        // The entry's real name is kept for the record, escaped.
        #expect(result.entry("pay_31mload")?.detail?.contains("\\x1b") == true)
    }

    @Test func `a file over --max-file-bytes is cut there and marked`() throws {
        let big = String(repeating: "x", count: 10_000)
        let result = try extract([.file("big", big)], maxFileBytes: 4096)
        defer { result.parent.remove() }
        #expect(result.content("big")?.count == 4096)
        #expect(result.entry("big")?.truncated == true)
        #expect(!result.journal.capsReached.isEmpty)
    }

    @Test func `one archive yields at most maxEntries files`() throws {
        let result = try extract([.file("a", "1"), .file("b", "2"), .file("c", "3")], maxEntries: 2)
        defer { result.parent.remove() }
        #expect(result.files == ["a", "b"])
        #expect(result.refused == 1)
    }

    @Test func `the investigation is given the digest of the first whole member named after the path, and no other`() throws {
        let members: [TarStream.Member] = [
            .file("../payload", "climbs"), .file("other", "other"), .file("payload", "the one"), .file("payload", "second"),
        ]
        let shared = try extract(members, sharesDigest: true)
        defer { shared.parent.remove() }
        let digest = try #require(shared.journal.archivedFile("/tmp/payload"))
        #expect(digest.sha256 == SHA256.hash(data: Array("the one".utf8)).hexString)
        #expect(digest.size == 7)
        #expect(digest == shared.entry("payload")?.digest)

        let unshared = try extract(members)
        defer { unshared.parent.remove() }
        #expect(unshared.journal.archivedFile("/tmp/payload") == nil)
    }

    @Test func `a member cut at the file cap is not given to the investigation as whole`() throws {
        let result = try extract([.file("payload", String(repeating: "z", count: 5000))], maxFileBytes: 1000, sharesDigest: true)
        defer { result.parent.remove() }
        #expect(result.entry("payload")?.truncated == true)
        #expect(result.journal.archivedFile("/tmp/payload") == nil)
    }

    @Test func `a damaged header stops extraction without failing the collection; earlier files stay`() throws {
        var broken = TarStream.Member.file("second", "2")
        broken.badChecksum = true
        let result = try extract([.file("first", "1"), broken])
        defer { result.parent.remove() }
        #expect(result.files == ["first"])
        #expect(result.journal.notes.contains { $0.contains("extraction from the archive") && $0.contains("checksum") })
    }

    @Test func `a stream cut inside a file leaves it marked as cut`() throws {
        let whole = TarStream.archive([.file("payload", String(repeating: "y", count: 3000))], end: false)
        let parent = try TestFolder("hostile-archive")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        try staging.makeFolder("files")
        let journal = CollectionJournal()
        let extractor = ArchiveExtractor(
            containerPath: "/tmp/payload", producer: "test", staging: staging, journal: journal, maxFileBytes: 1 << 20,
            maxEntries: 8)
        try whole[0..<2000].withUnsafeBytes { try extractor.feed($0) }
        try extractor.finish(complete: false)
        let entry = try #require(journal.entries["files/payload"])
        #expect(entry.truncated == true)
        #expect(entry.size == 2000 - 512)
        #expect(journal.notes.contains { $0.contains("cut short") || $0.contains("ended inside") })
    }
}
