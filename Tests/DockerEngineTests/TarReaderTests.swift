import Foundation
import Testing

@testable import DockerEngine

/// Builds ustar archives byte by byte, so tests can make headers no honest `tar` would write.
private struct TarBuilder {
    var bytes: [UInt8] = []

    static func octal(_ value: Int64, width: Int) -> [UInt8] {
        let digits = String(value, radix: 8)
        return Array((String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits).utf8) + [0]
    }

    mutating func header(
        name: String, type: Character = "0", mode: Int64 = 0o644, size: Int64 = 0, link: String = "",
        mtime: Int64 = 1_700_000_000, sizeField: [UInt8]? = nil, devMajor: Int64 = 0, devMinor: Int64 = 0,
        breakChecksum: Bool = false
    ) {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ field: [UInt8], at offset: Int) { block.replaceSubrange(offset..<offset + field.count, with: field) }
        put(Array(name.utf8.prefix(100)), at: 0)
        put(Self.octal(mode, width: 8), at: 100)
        put(Self.octal(0, width: 8), at: 108)
        put(Self.octal(0, width: 8), at: 116)
        put(sizeField ?? Self.octal(size, width: 12), at: 124)
        put(Self.octal(mtime, width: 12), at: 136)
        put(Array(repeating: UInt8(ascii: " "), count: 8), at: 148)
        block[156] = type.asciiValue ?? 0
        put(Array(link.utf8.prefix(100)), at: 157)
        put(Array("ustar\u{0}00".utf8), at: 257)
        put(Array("root".utf8), at: 265)
        put(Array("root".utf8), at: 297)
        put(Self.octal(devMajor, width: 8), at: 329)
        put(Self.octal(devMinor, width: 8), at: 337)
        var sum = block.reduce(0) { $0 + Int64($1) }
        if breakChecksum { sum += 1 }
        put(Self.octal(sum, width: 7) + [UInt8(ascii: " ")], at: 148)
        bytes += block
    }

    mutating func content(_ data: [UInt8]) {
        bytes += data
        bytes += [UInt8](repeating: 0, count: (512 - data.count % 512) % 512)
    }

    mutating func file(_ name: String, _ text: String, mode: Int64 = 0o644) {
        header(name: name, mode: mode, size: Int64(text.utf8.count))
        content(Array(text.utf8))
    }

    /// A pax `x` record set for the next header.
    mutating func pax(_ records: [(String, [UInt8])]) {
        var data: [UInt8] = []
        for (key, value) in records {
            let body = Array(" \(key)=".utf8) + value + [0x0A]
            var length = body.count + 1
            while String(length).count + body.count != length { length = String(length).count + body.count }
            data += Array(String(length).utf8) + body
        }
        header(name: "PaxHeaders/x", type: "x", size: Int64(data.count))
        content(data)
    }

    mutating func end() { bytes += [UInt8](repeating: 0, count: 1024) }
}

@Suite struct TarReaderTests {
    /// What a test looks at in a member.
    private struct Seen: Equatable, CustomStringConvertible {
        var name: String
        var kind: TarEntry.Kind
        var permissions: UInt32
        var link: String?
        var content: [UInt8]
        var mtime: Int64

        var description: String { "\(name) \(kind) \(String(permissions, radix: 8)) \(link ?? "-") \(content.count)B" }
    }

    /// Reads an archive fed at the given cuts, checking the event order on the way.
    private func read(_ bytes: [UInt8], cuts: [Int] = []) throws -> [TarMember] {
        var reader = TarReader(request: "GET /containers/c/archive")
        var members: [TarMember] = []
        var isInEntry = false
        try Chunking.feed(bytes, cuts: cuts) { chunk in
            try reader.feed(chunk) { event in
                switch event {
                case .entry(let entry):
                    #expect(!isInEntry, "a header arrived inside an entry")
                    members.append(TarMember(entry: entry, content: [], isContentCut: false))
                    isInEntry = true
                case .content(let piece):
                    #expect(isInEntry)
                    members[members.count - 1].content += piece
                case .entryEnd:
                    #expect(isInEntry)
                    isInEntry = false
                }
            }
        }
        try reader.finish()
        #expect(reader.isAtEnd)
        return members
    }

    private func seen(_ members: [TarMember]) -> [Seen] {
        members.map {
            Seen(
                name: $0.entry.name.text, kind: $0.entry.kind, permissions: $0.entry.permissions,
                link: $0.entry.linkName?.text, content: $0.content, mtime: $0.entry.modificationTime.seconds)
        }
    }

    /// Reads `bytes` whole, byte at a time and in random chunks, and checks all three agree.
    private func readEveryWay(_ bytes: [UInt8]) throws -> [Seen] {
        let whole = seen(try read(bytes))
        #expect(seen(try read(bytes, cuts: Chunking.everyByte(bytes.count))) == whole)
        var random = SeededRandom(seed: UInt64(bytes.count))
        for round in 0..<20 {
            let cuts = Chunking.randomCuts(count: bytes.count, maxChunk: [7, 511, 513, 4096][round % 4], using: &random)
            #expect(seen(try read(bytes, cuts: cuts)) == whole)
        }
        return whole
    }

    // MARK: Real archives from tar(1)

    private static let payload: [UInt8] = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
    private static let deepDirectory = String(repeating: "a", count: 60) + "/" + String(repeating: "b", count: 60)
    private static let longDirectory = String(repeating: "d", count: 150)
    private static let longFile = String(repeating: "f", count: 120)
    private static let longTarget = "/" + String(repeating: "t", count: 130)

    /// Makes a folder with a setuid binary, a symlink, an empty file and a deep path (plus over-long
    /// names when `long`), runs `tar --format=<format>` on it and returns the archive.
    private func makeArchive(format: String, long: Bool) throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tar-" + UUID().uuidString.prefix(8))
        defer { try? FileManager.default.removeItem(at: folder) }
        let tree = folder.appendingPathComponent("tree")
        let manager = FileManager.default
        try manager.createDirectory(at: tree.appendingPathComponent("bin"), withIntermediateDirectories: true)
        try manager.createDirectory(at: tree.appendingPathComponent(Self.deepDirectory), withIntermediateDirectories: true)
        try Data(Self.payload).write(to: tree.appendingPathComponent("bin/dropped"))
        try manager.setAttributes([.posixPermissions: 0o4755], ofItemAtPath: tree.appendingPathComponent("bin/dropped").path)
        try Data().write(to: tree.appendingPathComponent("empty"))
        try Data("deep\n".utf8).write(to: tree.appendingPathComponent(Self.deepDirectory + "/file.txt"))
        try manager.createSymbolicLink(atPath: tree.appendingPathComponent("bin/sh").path, withDestinationPath: "/bin/busybox")
        if long {
            try manager.createDirectory(at: tree.appendingPathComponent(Self.longDirectory), withIntermediateDirectories: true)
            try Data("long\n".utf8).write(to: tree.appendingPathComponent(Self.longDirectory + "/" + Self.longFile))
            try manager.createSymbolicLink(atPath: tree.appendingPathComponent("far").path, withDestinationPath: Self.longTarget)
        }
        try run(["find", ".", "-exec", "touch", "-h", "-d", "@1700000000", "{}", "+"], in: tree)
        let archive = folder.appendingPathComponent("out.tar").path
        try run(["tar", "--format=\(format)", "--sort=name", "--owner=0", "--group=0", "-cf", archive, "."], in: tree)
        return Array(try Data(contentsOf: URL(fileURLWithPath: archive)))
    }

    private func run(_ arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = folder
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "\(arguments.joined(separator: " ")) failed")
    }

    private func checkCommonMembers(_ members: [Seen]) throws {
        let byName = Dictionary(members.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let dropped = try #require(byName["./bin/dropped"])
        #expect(dropped.kind == .regular)
        #expect(dropped.permissions == 0o4755)
        #expect(dropped.content == Self.payload)
        #expect(dropped.mtime == 1_700_000_000)
        let link = try #require(byName["./bin/sh"])
        #expect(link.kind == .symbolicLink)
        #expect(link.link == "/bin/busybox")
        #expect(link.content.isEmpty)
        #expect(byName["./empty"]?.content == [])
        #expect(byName["./" + Self.deepDirectory + "/file.txt"]?.content == Array("deep\n".utf8))
        #expect(byName["./bin/"]?.kind == .directory)
    }

    @Test func `a ustar archive: prefix field, setuid mode, symlink, empty file`() throws {
        let members = try readEveryWay(try makeArchive(format: "ustar", long: false))
        try checkCommonMembers(members)
        #expect(members.count == 8)
    }

    @Test func `a pax archive: names and link targets longer than ustar can hold`() throws {
        let members = try readEveryWay(try makeArchive(format: "pax", long: true))
        try checkCommonMembers(members)
        let long = members.first { $0.name == "./" + Self.longDirectory + "/" + Self.longFile }
        #expect(long?.content == Array("long\n".utf8))
        #expect(members.first { $0.name == "./far" }?.link == Self.longTarget)
        #expect(!members.contains { $0.name.contains("PaxHeaders") })
    }

    @Test func `a GNU archive: long names and link targets through L and K records`() throws {
        let members = try readEveryWay(try makeArchive(format: "gnu", long: true))
        try checkCommonMembers(members)
        #expect(members.first { $0.name == "./" + Self.longDirectory + "/" + Self.longFile }?.content == Array("long\n".utf8))
        #expect(members.first { $0.name == "./far" }?.link == Self.longTarget)
        #expect(!members.contains { $0.name.contains("LongLink") })
    }

    @Test func `a regular member from a real archive is extractable under its relative path`() throws {
        let members = try read(try makeArchive(format: "gnu", long: false))
        let dropped = try #require(members.first { $0.entry.name.text == "./bin/dropped" })
        #expect(dropped.entry.isExtractable)
        #expect(dropped.entry.name.relativePath == "bin/dropped")
        #expect(dropped.entry.mode.lsString == "-rwsr-xr-x")
        #expect(dropped.entry.userName == "root")
        let link = try #require(members.first { $0.entry.name.text == "./bin/sh" })
        #expect(!link.entry.isExtractable)
    }

    // MARK: Hostile archives

    @Test func `hostile names and special members are flagged and never extractable`() throws {
        var tar = TarBuilder()
        tar.file("../x", "escape")
        tar.file("/etc/passwd", "root::0:0::/root:/bin/sh\n")
        tar.header(name: "evil", type: "2", mode: 0o777, link: "/")
        tar.header(name: "h", type: "1", link: "../../etc/shadow")
        tar.header(name: "null", type: "3", mode: 0o666, devMajor: 1, devMinor: 3)
        tar.header(name: "disk", type: "4", mode: 0o660, devMajor: 8, devMinor: 0)
        tar.header(name: "pipe", type: "6")
        tar.file("ok/./file", "fine")
        tar.file("a/b/../../../c", "sneaky")
        tar.end()
        let members = try read(tar.bytes)
        #expect(members.map(\.entry.name.text) == ["../x", "/etc/passwd", "evil", "h", "null", "disk", "pipe", "ok/./file", "a/b/../../../c"])
        #expect(members.map(\.entry.isExtractable) == [false, false, false, false, false, false, false, true, false])
        #expect(members[0].entry.name.problems == [.parentReference])
        #expect(members[1].entry.name.problems == [.absolute])
        #expect(members[1].content == Array("root::0:0::/root:/bin/sh\n".utf8), "content is still delivered for the caller to judge")
        #expect(members[2].entry.kind == .symbolicLink && members[2].entry.linkName?.problems == [.empty, .absolute])
        #expect(members[3].entry.kind == .hardLink && members[3].entry.linkName?.problems == [.parentReference])
        #expect(members[4].entry.kind == .characterDevice && members[4].entry.deviceMajor == 1 && members[4].entry.deviceMinor == 3)
        #expect(members[4].entry.mode.lsString == "crw-rw-rw-")
        #expect(members[5].entry.kind == .blockDevice)
        #expect(members[6].entry.kind == .fifo && !members[6].entry.isRegularFile)
        #expect(members[7].entry.name.relativePath == "ok/file")
        #expect(members[8].entry.name.relativePath == nil)
    }

    @Test func `a symlink claiming content has none: the next header is read where it is`() throws {
        var tar = TarBuilder()
        tar.header(name: "link", type: "2", size: 1000, link: "/etc/shadow")
        tar.file("after", "still read")
        tar.end()
        let members = try read(tar.bytes)
        #expect(members.map(\.entry.name.text) == ["link", "after"])
        #expect(members[0].content.isEmpty)
        #expect(members[1].content == Array("still read".utf8))
    }

    @Test(arguments: [false, true])
    func `a 10 GiB claim with a short body is truncation, without allocating for it`(base256: Bool) throws {
        let claimed: Int64 = 10 << 30
        var tar = TarBuilder()
        let field: [UInt8] = base256
            ? [0x80] + (0..<11).reversed().map { UInt8(truncatingIfNeeded: claimed >> (8 * $0)) }
            : Array(String(claimed, radix: 8).utf8)
        #expect(field.count == 12)
        tar.header(name: "huge", size: claimed, sizeField: field)
        tar.bytes += [UInt8](repeating: 0x41, count: 1000)
        var reader = TarReader(request: "GET /containers/c/archive?path=/huge")
        var received = 0
        var claimedSize: Int64 = 0
        try tar.bytes.withUnsafeBytes { chunk in
            try reader.feed(chunk) { event in
                switch event {
                case .entry(let entry): claimedSize = entry.size
                case .content(let piece): received += piece.count
                case .entryEnd: Issue.record("a truncated member must not end")
                }
            }
        }
        #expect(claimedSize == claimed)
        #expect(received == 1000)
        do {
            try reader.finish()
            Issue.record("no error")
        } catch DockerEngineError.truncated(let request, let detail) {
            #expect(request == "GET /containers/c/archive?path=/huge")
            #expect(detail.contains("'huge': 1000 of 10737418240 bytes"))
        }
    }

    @Test func `a bad checksum is refused`() {
        var tar = TarBuilder()
        tar.file("ok", "x")
        tar.header(name: "tampered", size: 0, breakChecksum: true)
        tar.end()
        let error = #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: tar.bytes) }
        guard case .malformedResponse(_, let detail) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(detail.contains("checksum") && detail.contains("byte 1024"))
    }

    @Test func `an archive without its end marker is truncated, a lone final zero block is not`() throws {
        var tar = TarBuilder()
        tar.file("a", "content")
        #expect(throws: DockerEngineError.truncated(request: "the archive", detail: "the archive ended after 1 member(s) without its end-of-archive marker")) {
            _ = try TarReader.members(in: tar.bytes)
        }
        let lone = tar.bytes + [UInt8](repeating: 0, count: 512)
        #expect(try TarReader.members(in: lone).count == 1)
        #expect(throws: DockerEngineError.truncated(request: "the archive", detail: "the archive is empty")) {
            _ = try TarReader.members(in: [])
        }
        #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: Array(tar.bytes.prefix(700))) }
        #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: Array(tar.bytes.prefix(300))) }
    }

    @Test func `bytes after the end marker are ignored`() throws {
        var tar = TarBuilder()
        tar.file("a", "content")
        tar.end()
        let members = try read(tar.bytes + Array("garbage that is not a header".utf8))
        #expect(members.count == 1)
    }

    @Test func `a zero block followed by a header is refused`() {
        var tar = TarBuilder()
        tar.file("a", "1")
        tar.bytes += [UInt8](repeating: 0, count: 512)
        tar.file("b", "2")
        tar.end()
        #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: tar.bytes) }
    }

    @Test func `pax records override the header: size, mtime with nanoseconds, owner, and a NUL in the path is flagged`() throws {
        var tar = TarBuilder()
        tar.pax([
            ("path", Array("evil\u{0}.txt".utf8)), ("mtime", Array("1700000000.123456789".utf8)),
            ("size", Array("5".utf8)), ("uid", Array("1000".utf8)), ("uname", Array("alice".utf8)),
            ("GNU.sparse.name", Array("ignored".utf8)),
        ])
        tar.header(name: "short", size: 0)
        tar.content(Array("12345".utf8))
        tar.end()
        let members = try read(tar.bytes)
        let entry = try #require(members.first?.entry)
        #expect(members.count == 1)
        #expect(entry.name.bytes == Array("evil\u{0}.txt".utf8))
        #expect(entry.name.problems == [.containsNUL])
        #expect(entry.size == 5)
        #expect(members.first?.content == Array("12345".utf8))
        #expect(entry.modificationTime == EngineTime(seconds: 1_700_000_000, nanoseconds: 123_456_789))
        #expect(entry.uid == 1000 && entry.userName == "alice")
    }

    @Test func `a malformed pax record is refused`() {
        var tar = TarBuilder()
        tar.header(name: "PaxHeaders/x", type: "x", size: 12)
        tar.content(Array("99 path=x\n\n\n".utf8))
        tar.file("a", "b")
        tar.end()
        #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: tar.bytes) }
    }

    @Test func `an oversized pax or long-name record is refused before it is read`() {
        var tar = TarBuilder()
        tar.header(name: "././@LongLink", type: "L", size: 2 << 20)
        var reader = TarReader()
        let error = #expect(throws: DockerEngineError.self) {
            try tar.bytes.withUnsafeBytes { chunk in try reader.feed(chunk) { _ in } }
        }
        guard case .malformedResponse(_, let detail) = error else {
            Issue.record("wrong error \(String(describing: error))")
            return
        }
        #expect(detail.contains("exceeds"))
    }

    @Test func `consecutive pax records cannot accumulate past one record's limit`() throws {
        // 64 records of 64 KiB, each under the per-record limit, with keys no entry uses: 4 MiB if kept.
        var tar = TarBuilder()
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 64 << 10)
        for index in 0..<64 { tar.pax([("SCHILY.xattr.user.k\(index)", value)]) }
        tar.file("after", "ok")
        tar.end()
        var reader = TarReader()
        var most = 0
        var names: [String] = []
        try Chunking.feed(tar.bytes, cuts: Array(stride(from: 4096, to: tar.bytes.count, by: 4096))) { chunk in
            try reader.feed(chunk) { event in
                if case .entry(let entry) = event { names.append(entry.name.text) }
            }
            most = max(most, reader.pendingMetadataBytes)
        }
        #expect(names == ["after"])
        #expect(most <= 1024, "held \(most) bytes of pax records no entry reads")

        // Keys an entry does read are bounded together: two of 600 KiB before one entry are refused.
        var large = TarBuilder()
        large.pax([("path", [UInt8](repeating: UInt8(ascii: "p"), count: 600 << 10))])
        large.pax([("linkpath", [UInt8](repeating: UInt8(ascii: "l"), count: 600 << 10))])
        large.file("x", "y")
        large.end()
        #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: large.bytes) }
    }

    @Test func `a negative base-256 number is refused`() {
        var tar = TarBuilder()
        tar.header(name: "neg", sizeField: [0xFF] + [UInt8](repeating: 0xFF, count: 11))
        tar.end()
        #expect(throws: DockerEngineError.self) { _ = try TarReader.members(in: tar.bytes) }
    }

    @Test func `members keeps only what it is allowed to`() throws {
        var tar = TarBuilder()
        tar.file("big", String(repeating: "z", count: 2000))
        tar.file("small", "s")
        tar.end()
        let members = try TarReader.members(in: tar.bytes, keepingUpTo: 100)
        #expect(members.map(\.content.count) == [100, 1])
        #expect(members.map(\.isContentCut) == [true, false])
    }
}

@Suite struct TarEntryNameTests {
    @Test(arguments: [
        ("bin/sh", [TarEntryName.Problem](), "bin/sh"),
        ("./bin//sh/", [], "bin/sh"),
        ("../x", [.parentReference], nil),
        ("a/../../b", [.parentReference], nil),
        ("/etc/passwd", [.absolute], nil),
        ("", [.empty], nil),
        (".", [.empty], nil),
        ("./", [.empty], nil),
        ("/", [.empty, .absolute], nil),
        ("...", [], "..."),
        ("..x/y", [], "..x/y"),
    ])
    func `names are checked once, on their bytes`(name: String, problems: [TarEntryName.Problem], relative: String?) {
        let checked = TarEntryName(name)
        #expect(checked.problems == problems)
        #expect(checked.isSafe == problems.isEmpty)
        #expect(checked.relativePath == relative)
    }

    @Test func `NUL bytes and invalid UTF-8 are flagged`() {
        #expect(TarEntryName(bytes: Array("a\u{0}b".utf8)).problems == [.containsNUL])
        let invalid = TarEntryName(bytes: [0x61, 0xFF, 0x62])
        #expect(invalid.problems == [.invalidUTF8])
        #expect(invalid.text == "a\u{FFFD}b")
        #expect(invalid.relativePath == nil)
    }
}
