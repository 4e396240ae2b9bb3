import Foundation
import Testing

@testable import AlertWatch

#if canImport(Glibc)
    import Glibc
#endif

/// Lines from a stream, and a file followed like `tail -F` across growth, truncation and rotation.
struct InputFollowerTests {
    func lines(_ pieces: [LineSplitter.Piece]) -> [String] {
        pieces.map {
            switch $0 {
            case .line(let bytes, let number): "\(number):" + String(decoding: bytes, as: UTF8.self)
            case .tooLong(let number): "\(number):<too long>"
            }
        }
    }

    /// Everything the follower has now.
    func drain(_ follower: InputFollower) throws -> [String] {
        var all: [LineSplitter.Piece] = []
        while let pieces = try follower.read(), !pieces.isEmpty { all += pieces }
        return lines(all)
    }

    @Test func `a partial line is held until its newline, and CRLF loses its CR`() {
        var splitter = LineSplitter(maximumLength: 100)
        var pieces: [LineSplitter.Piece] = []
        splitter.feed(Array("one\r\ntw".utf8), into: &pieces)
        #expect(lines(pieces) == ["1:one"])
        #expect(splitter.hasPartialLine)
        splitter.feed(Array("o\n\nthree".utf8), into: &pieces)
        #expect(lines(pieces) == ["1:one", "2:two", "3:"])
        #expect(splitter.finish().map { lines([$0]) } == ["4:three"])
        #expect(splitter.finish() == nil)
    }

    @Test func `a line past the limit is reported once and its rest dropped as it arrives`() {
        var splitter = LineSplitter(maximumLength: 8)
        var pieces: [LineSplitter.Piece] = []
        splitter.feed(Array("short\n0123456".utf8), into: &pieces)
        splitter.feed(Array("789abcdef".utf8), into: &pieces)
        splitter.feed(Array("ghij\nnext\n".utf8), into: &pieces)
        #expect(lines(pieces) == ["1:short", "2:<too long>", "3:next"])
    }

    @Test func `a followed file hands out lines as they are completed`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Data("first\nsec".utf8).write(to: scratch.url.appendingPathComponent("alerts.jsonl"))
        let follower = try InputFollower(path: scratch.path("alerts.jsonl"))
        #expect(!follower.ends)
        #expect(try drain(follower) == ["1:first"])
        try scratch.append("ond\nthird\n", to: "alerts.jsonl")
        #expect(try drain(follower) == ["2:second", "3:third"])
        #expect(try drain(follower) == [])
    }

    @Test func `a file truncated in place is read again from its start`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("alerts.jsonl")
        try Data("a\nb\nhalf".utf8).write(to: url)
        let follower = try InputFollower(path: url.path)
        #expect(try drain(follower) == ["1:a", "2:b"])
        // copytruncate: the file is emptied where it is, then written again.
        let handle = try FileHandle(forWritingTo: url)
        try handle.truncate(atOffset: 0)
        try handle.close()
        // The unfinished line of the old content is handed out once the truncation is seen; new lines count from 1.
        #expect(try drain(follower) == ["3:half"])
        try scratch.append("c\n", to: "alerts.jsonl")
        #expect(try drain(follower) == ["1:c"])
    }

    @Test func `a rotated file is read to its end, then the new file behind the path from its start`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.url.appendingPathComponent("alerts.jsonl")
        try Data("a\n".utf8).write(to: url)
        let follower = try InputFollower(path: url.path)
        #expect(try drain(follower) == ["1:a"])
        // logrotate's default: rename, then the writer (still holding the old file) finishes its line there.
        try FileManager.default.moveItem(at: url, to: scratch.url.appendingPathComponent("alerts.jsonl.1"))
        try scratch.append("b\n", to: "alerts.jsonl.1")
        // Between the rename and the new file, nothing is lost and nothing fails.
        #expect(try drain(follower) == ["2:b"])
        try Data("c\nd\n".utf8).write(to: url)
        #expect(try drain(follower) == ["1:c", "2:d"])
        try scratch.append("e\n", to: "alerts.jsonl")
        #expect(try drain(follower) == ["3:e"])
    }

    @Test func `--from-end starts after what is there, keeping true line numbers`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        try Data("old\nolder\nunfin".utf8).write(to: scratch.url.appendingPathComponent("alerts.jsonl"))
        let follower = try InputFollower(path: scratch.path("alerts.jsonl"), fromEnd: true)
        #expect(try drain(follower) == [])
        try scratch.append("ished\nnew\n", to: "alerts.jsonl")
        #expect(try drain(follower) == ["3:unfinished", "4:new"])
    }

    @Test func `a missing file or a folder cannot be followed`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        #expect(throws: WatchError.self) { try InputFollower(path: scratch.path("absent")) }
        #expect(throws: WatchError.self) { try InputFollower(path: scratch.url.path) }
    }
}
