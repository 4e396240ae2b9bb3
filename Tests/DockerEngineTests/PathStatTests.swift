import Foundation
import Testing

@testable import DockerEngine

@Suite struct PathStatTests {
    /// Go `os.FileMode` values as the engine sends them (computed by hand from Go's bit layout).
    private enum GoMode {
        static let setuidBinary: UInt32 = 8_389_101  // ModeSetuid | 0o755
        static let directory: UInt32 = 2_147_484_141  // ModeDir | 0o755
        static let symlink: UInt32 = 134_218_239  // ModeSymlink | 0o777
        static let stickyDirectory: UInt32 = 2_148_532_735  // ModeDir | ModeSticky | 0o777
        static let characterDevice: UInt32 = 69_206_454  // ModeDevice | ModeCharDevice | 0o666
        static let blockDevice: UInt32 = 67_109_296  // ModeDevice | 0o660
        static let namedPipe: UInt32 = 33_554_852  // ModeNamedPipe | 0o644
        static let socket: UInt32 = 16_777_709  // ModeSocket | 0o755
        static let setgidNoExec: UInt32 = 4_194_720  // ModeSetgid | 0o640
    }

    private func header(_ json: String, urlSafe: Bool = false, padded: Bool = true) -> String {
        var text = Data(json.utf8).base64EncodedString()
        if urlSafe { text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_") }
        if !padded { text = text.replacingOccurrences(of: "=", with: "") }
        return text
    }

    @Test func `Docker's standard base64 header of a setuid binary`() throws {
        let json = #"{"name":"passwd","size":68208,"mode":8389101,"mtime":"2023-03-23T14:52:11.123456789Z","linkTarget":""}"#
        let stat = try PathStat(headerValue: header(json))
        #expect(stat.name == "passwd")
        #expect(stat.size == 68208)
        #expect(stat.fileType == .regular)
        #expect(stat.mode.isSetuid && !stat.mode.isSetgid && !stat.mode.isSticky)
        #expect(stat.mode.posix.rawValue == 0o104755)
        #expect(stat.mode.lsString == "-rwsr-xr-x")
        #expect(stat.symlinkTarget == nil)
        #expect(!stat.isDirectory)
        #expect(stat.modificationTime == EngineTime(seconds: 1_679_583_131, nanoseconds: 123_456_789))
    }

    @Test func `a directory and a symlink with its resolved target`() throws {
        let directory = try PathStat(headerValue: header(#"{"name":"tmp","size":4096,"mode":2148532735,"mtime":"2026-11-29T10:15:02Z","linkTarget":""}"#))
        #expect(directory.isDirectory)
        #expect(directory.mode.lsString == "drwxrwxrwt")
        #expect(directory.mode.posix.rawValue == 0o041777)

        let link = try PathStat(headerValue: header(#"{"name":"sh","size":7,"mode":134218239,"mtime":"2026-11-29T10:15:02Z","linkTarget":"/bin/busybox"}"#))
        #expect(link.fileType == .symlink)
        #expect(link.mode.lsString == "lrwxrwxrwx")
        #expect(link.symlinkTarget == "/bin/busybox")
    }

    @Test func `Podman's URL-safe header, unpadded, with isDir and a link target on a plain file`() throws {
        // "??>" and "~~~" encode to '/' and '+' in standard base64, so this really needs the URL-safe alphabet.
        let json = #"{"name":"x??>~~~","size":1234,"mode":493,"mtime":"2026-11-29T11:00:00+01:00","linkTarget":"/tmp/x??>~~~","isDir":false}"#
        let value = header(json, urlSafe: true, padded: false)
        try #require(value.contains("_") || value.contains("-"))
        #expect(Base64.decode(value, urlSafe: false) == nil)
        let stat = try PathStat(headerValue: value)
        #expect(stat.name == "x??>~~~")
        #expect(stat.isDir == false)
        #expect(stat.fileType == .regular)
        #expect(stat.linkTarget == "/tmp/x??>~~~")
        #expect(stat.symlinkTarget == nil, "Podman's linkTarget on a plain file is not a symlink target")
        #expect(stat.mode.lsString == "-rwxr-xr-x")
        #expect(stat.modificationTime == EngineTime(seconds: 1_795_946_400))

        let directory = try PathStat(headerValue: header(#"{"name":"etc","size":4096,"mode":2147484141,"mtime":"2026-11-29T11:00:00Z","linkTarget":"/etc","isDir":true}"#, urlSafe: true))
        #expect(directory.isDirectory)
    }

    /// Headers as the lab's Docker 20.10.24 (`D`) and Podman 4.3.1 (`P`) sent them for the same paths.
    @Test(arguments: [
        ("D", "eyJuYW1lIjoicGF5bG9hZCIsInNpemUiOjc3MDg4OCwibW9kZSI6NDkzLCJtdGltZSI6IjIwMjYtMTEtMjlUMTE6MTk6MTNaIiwibGlua1RhcmdldCI6IiJ9", "payload", "-rwxr-xr-x", nil as String?),
        ("P", "eyJuYW1lIjoicGF5bG9hZCIsInNpemUiOjc3MDg4OCwibW9kZSI6NDkzLCJtdGltZSI6IjIwMjYtMTEtMjlUMTE6MTk6MTNaIiwiaXNEaXIiOmZhbHNlLCJsaW5rVGFyZ2V0IjoiL3RtcC9wYXlsb2FkIn0=", "payload", "-rwxr-xr-x", nil),
        ("D", "eyJuYW1lIjoic2giLCJzaXplIjo3LCJtb2RlIjoxMzQyMTgyMzksIm10aW1lIjoiMjAyNi0xMS0yOVQxMToxOToxNFoiLCJsaW5rVGFyZ2V0IjoiL2Jpbi9idXN5Ym94In0=", "sh", "lrwxrwxrwx", "/bin/busybox"),
        // Podman names the symlink /bin/sh after its target.
        ("P", "eyJuYW1lIjoiYnVzeWJveCIsInNpemUiOjcsIm1vZGUiOjEzNDIxODIzOSwibXRpbWUiOiIyMDI2LTExLTI5VDExOjE5OjE0WiIsImlzRGlyIjpmYWxzZSwibGlua1RhcmdldCI6Ii9iaW4vYnVzeWJveCJ9", "busybox", "lrwxrwxrwx", "/bin/busybox"),
        ("P", "eyJuYW1lIjoidG1wIiwic2l6ZSI6NDA5NiwibW9kZSI6MjE0ODUzMjczNSwibXRpbWUiOiIyMDI2LTExLTI5VDExOjE5OjMwLjIyMzQ0Nzg3N1oiLCJpc0RpciI6dHJ1ZSwibGlua1RhcmdldCI6Ii90bXAifQ==", "tmp", "drwxrwxrwt", nil),
        ("P", "eyJuYW1lIjoibnVsbCIsInNpemUiOjAsIm1vZGUiOjY5MjA2NDU0LCJtdGltZSI6IjIwMjYtMTEtMjlUMTE6MTk6MjcuMDA2MDk4ODY1WiIsImlzRGlyIjpmYWxzZSwibGlua1RhcmdldCI6Ii9kZXYvbnVsbCJ9", "null", "crw-rw-rw-", nil),
    ])
    func `headers from real engines`(engine: String, value: String, name: String, ls: String, target: String?) throws {
        let stat = try PathStat(headerValue: value)
        #expect(stat.name == name)
        #expect(stat.mode.lsString == ls)
        #expect(stat.symlinkTarget == target)
        #expect((stat.isDir != nil) == (engine == "P"))
    }

    @Test(arguments: [
        (GoMode.characterDevice, FileType.characterDevice, "crw-rw-rw-", UInt32(0o020666)),
        (GoMode.blockDevice, FileType.blockDevice, "brw-rw----", UInt32(0o060660)),
        (GoMode.namedPipe, FileType.namedPipe, "prw-r--r--", UInt32(0o010644)),
        (GoMode.socket, FileType.socket, "srwxr-xr-x", UInt32(0o140755)),
        (GoMode.setgidNoExec, FileType.regular, "-rw-r-S---", UInt32(0o102640)),
        (GoMode.directory, FileType.directory, "drwxr-xr-x", UInt32(0o040755)),
        (GoMode.setuidBinary, FileType.regular, "-rwsr-xr-x", UInt32(0o104755)),
    ])
    func `Go mode bits become POSIX st_mode and ls text`(raw: UInt32, type: FileType, ls: String, posix: UInt32) {
        let mode = GoFileMode(rawValue: raw)
        #expect(mode.fileType == type)
        #expect(mode.lsString == ls)
        #expect(mode.posix.rawValue == posix)
        #expect(mode.posix.fileType == type)
    }

    @Test func `a setuid bit in POSIX position is not read from a Go mode`() {
        // 0o4755 as a Go mode has no setuid: Go keeps setuid at bit 23.
        let mode = GoFileMode(rawValue: 0o4755)
        #expect(!mode.isSetuid)
        #expect(mode.lsString == "-rwxr-xr-x")
    }

    @Test func `a header that is not base64 is a clear error`() {
        do {
            _ = try PathStat(headerValue: "this is *not* base64!", request: "HEAD /containers/web/archive?path=/x")
            Issue.record("no error")
        } catch {
            guard case DockerEngineError.malformedResponse(let request, let detail) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(request == "HEAD /containers/web/archive?path=/x")
            #expect(detail.contains("not base64"))
        }
    }

    @Test(arguments: ["hello world", #"{"name":"x"}"#, #"{"name":"x","size":"big","mode":1}"#, "[]"])
    func `base64 of something other than the stat JSON is a clear error`(json: String) {
        do {
            _ = try PathStat(headerValue: header(json))
            Issue.record("no error for \(json)")
        } catch {
            guard case DockerEngineError.malformedResponse(_, let detail) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(detail.contains("not the expected JSON"))
        }
    }

    @Test func `an excerpt of a hostile header has no control characters`() {
        do {
            _ = try PathStat(headerValue: "\u{1B}[31m" + String(repeating: "A", count: 500) + "!")
            Issue.record("no error")
        } catch {
            let text = String(describing: error)
            #expect(!text.contains("\u{1B}"))
            #expect(text.count < 300)
        }
    }

    @Test(arguments: [
        ("", [UInt8]()), ("Zg", Array("f".utf8)), ("Zg==", Array("f".utf8)), ("Zm8", Array("fo".utf8)),
        ("Zm8=", Array("fo".utf8)), ("Zm9v", Array("foo".utf8)),
    ])
    func `base64 with and without padding`(text: String, bytes: [UInt8]) {
        #expect(Base64.decode(text, urlSafe: false) == bytes)
    }

    @Test(arguments: ["Z", "Zg=", "Zm9v=", "Zg==Zg==", "Zm 9v", "Zm9=v"])
    func `malformed base64 is refused`(text: String) {
        #expect(Base64.decode(text, urlSafe: false) == nil)
        #expect(Base64.decode(text, urlSafe: true) == nil)
    }
}

@Suite struct EngineTimeTests {
    @Test(arguments: [
        ("2026-11-29T10:15:02Z", Int64(1_795_947_302), Int32(0)),
        ("2026-11-29T10:15:02.123456789Z", 1_795_947_302, 123_456_789),
        ("2026-11-29T10:15:02.5Z", 1_795_947_302, 500_000_000),
        ("2026-11-29T11:15:02.000000001+01:00", 1_795_947_302, 1),
        ("2026-11-29T05:15:02.1234567891234-05:00", 1_795_947_302, 123_456_789),
        ("1970-01-01T00:00:00Z", 0, 0),
        ("1969-12-31T23:59:59.999999999Z", -1, 999_999_999),
        ("2024-02-29T00:00:00Z", 1_709_164_800, 0),
        ("0001-01-01T00:00:00Z", -62_135_596_800, 0),
    ])
    func `RFC 3339 times parse exactly`(text: String, seconds: Int64, nanoseconds: Int32) throws {
        let time = try #require(EngineTime.parse(text))
        #expect(time.seconds == seconds)
        #expect(time.nanoseconds == nanoseconds)
    }

    @Test(arguments: [
        "", "2026-11-29", "2026-11-29T10:15:02", "2026-13-01T00:00:00Z", "2023-02-29T00:00:00Z", "2026-11-31T00:00:00Z",
        "2026-11-29T24:00:00Z", "2026-11-29T10:60:00Z", "2026-11-29T10:15:02.Z", "2026-11-29T10:15:02Z trailing",
        "2026-11-29T10:15:02+0100", "26-11-29T10:15:02Z",
    ])
    func `anything else is refused`(text: String) {
        #expect(EngineTime.parse(text) == nil)
    }

    @Test func `Go's zero time and empty strings mean none`() {
        #expect(EngineTime.parseEngineDate("0001-01-01T00:00:00Z") == nil)
        #expect(EngineTime.parseEngineDate("") == nil)
        #expect(EngineTime.parseEngineDate(nil) == nil)
        #expect(EngineTime.parseEngineDate("2026-11-29T10:15:02Z") == EngineTime(seconds: 1_795_947_302))
        #expect(EngineTime.parse("0001-01-01T00:00:00Z")?.isGoZeroTime == true)
    }

    @Test func `description is UTC with nine digits and round-trips`() throws {
        let time = try #require(EngineTime.parse("2026-11-29T11:15:02.12+01:00"))
        #expect(time.description == "2026-11-29T10:15:02.120000000Z")
        #expect(EngineTime.parse(time.description) == time)
        #expect(EngineTime(seconds: -1, nanoseconds: 5).description == "1969-12-31T23:59:59.000000005Z")
        #expect(EngineTime(seconds: -62_135_596_800).description == "0001-01-01T00:00:00.000000000Z")
    }

    @Test func `it codes as its string and orders by nanoseconds`() throws {
        let early = EngineTime(unixNanoseconds: 1_795_947_302_000_000_001)
        let late = EngineTime(unixNanoseconds: 1_795_947_302_000_000_002)
        #expect(early < late)
        let data = try JSONEncoder().encode([early])
        #expect(String(decoding: data, as: UTF8.self) == #"["2026-11-29T10:15:02.000000001Z"]"#)
        #expect(try JSONDecoder().decode([EngineTime].self, from: data) == [early])
    }

    @Test func `random instants round-trip through their text`() throws {
        var random = SeededRandom(seed: 7)
        for _ in 0..<2000 {
            let time = EngineTime(
                seconds: Int64.random(in: -62_135_596_800...253_402_300_799, using: &random),
                nanoseconds: Int64.random(in: 0..<1_000_000_000, using: &random))
            #expect(EngineTime.parse(time.description) == time, "\(time.seconds) \(time.nanoseconds)")
        }
    }

    @Test func `dates agree with Foundation`() throws {
        let formatter = ISO8601DateFormatter()
        for text in ["2026-11-29T10:15:02Z", "2000-02-29T23:59:59Z", "1999-12-31T00:00:00Z"] {
            let expected = try #require(formatter.date(from: text))
            #expect(EngineTime.parse(text)?.date == expected)
        }
    }
}
