import Foundation
import TestSupport
import Testing

@testable import FalcoAlerts

/// Reading streams line by line: bad lines in the middle, over-long lines, pipes, and hostile input.
struct AlertStreamTests {
    /// Every item of the stream at `path`.
    private func items(_ path: String, mode: AlertDecodingMode = .complete, maximumLineLength: Int? = nil) throws
        -> [AlertStreamItem]
    {
        let input = try AlertInput.open(path)
        let stream = AlertStream(
            input: input, mode: mode, maximumLineLength: maximumLineLength ?? AlertReader.maximumLineLength)
        var items: [AlertStreamItem] = []
        while let item = try stream.next() { items.append(item) }
        return items
    }

    private func temporaryFile(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("alerts-\(UUID().uuidString).jsonl")
        try Data(bytes).write(to: url)
        return url
    }

    /// "alert@line" or "bad@line" for each item.
    private func summary(_ items: [AlertStreamItem]) -> [String] {
        items.map { item in
            switch item {
            case .alert(_, let line): "alert@\(line)"
            case .badLine(let error): "bad@\(error.line ?? 0)"
            }
        }
    }

    private func badLines(_ items: [AlertStreamItem]) -> [AlertParseError] {
        items.compactMap { item in
            if case .badLine(let error) = item { return error }
            return nil
        }
    }

    private func alerts(_ items: [AlertStreamItem]) -> [FalcoAlert] {
        items.compactMap { item in
            if case .alert(let alert, _) = item { return alert }
            return nil
        }
    }

    @Test func `bad lines in the middle are reported and never drop the good lines around them`() throws {
        let path = Fixture.url("alerts/stream_with-bad-lines.jsonl").path
        let items = try items(path)
        #expect(
            summary(items) == [
                "bad@1", "alert@2", "bad@3", "alert@5", "bad@6", "alert@7", "bad@8", "alert@9", "bad@10", "bad@11",
                "alert@12",
            ])
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let lineStarts = [0] + data.indices.filter { data[$0] == UInt8(ascii: "\n") }.map { $0 + 1 }
        let errors = badLines(items)
        for error in errors {
            let line = try #require(error.line)
            let column = try #require(error.column)
            #expect(error.source == path)
            #expect(error.byteOffset == lineStarts[line - 1] + column - 1, "\(error)")
        }
        #expect(errors[1].reason == "unterminated string")
        #expect(errors[1].column == 37)
        #expect(errors[2].reason == "expected each key once, found \"rule\" again")
        #expect(errors[3].reason.hasPrefix("expected an RFC 3339 time in \"time\""))
        #expect(errors[5].reason == "expected nothing after the alert's closing '}', found 't'")
        #expect(try self.items(path, mode: .triage).map(\.kindAndLine) == items.map(\.kindAndLine))
    }

    @Test func `an over-long line is one bad line, and reading goes on`() throws {
        let good = Array(
            #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z","output_fields":{"container.id":"abc"}}"#
                .utf8)
        let huge =
            Array(#"{"rule":""#.utf8) + Array(repeating: UInt8(ascii: "a"), count: AlertReader.maximumLineLength)
            + Array(#"","priority":"Notice","time":"2026-04-06T15:32:10Z"}"#.utf8)
        let newline = [UInt8(ascii: "\n")]
        let url = try temporaryFile(good + newline + huge + newline + good + newline + huge)
        defer { try? FileManager.default.removeItem(at: url) }
        let items = try items(url.path)
        #expect(summary(items) == ["alert@1", "bad@2", "alert@3", "bad@4"])
        #expect(badLines(items).allSatisfy { $0.kind == .lineTooLong })
        #expect(badLines(items).first?.byteOffset == good.count + 1)
        #expect(alerts(items).map(\.containerID) == ["abc", "abc"])
    }

    @Test func `lines far longer than the buffer are skipped across many reads`() throws {
        let good = Array(#"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z"}"#.utf8)
        let long = Array(repeating: UInt8(ascii: "x"), count: 3_000_000)
        let url = try temporaryFile(long + [0x0A] + good + [0x0A] + long + [0x0A, 0x0A] + good)
        defer { try? FileManager.default.removeItem(at: url) }
        let items = try items(url.path, maximumLineLength: 100)
        #expect(summary(items) == ["bad@1", "alert@2", "bad@3", "alert@5"])
    }

    @Test func `CRLF line ends, a byte-order mark, blank lines and no final newline are fine`() throws {
        let good = #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z"}"#
        let text = "\u{FEFF}" + good + "\r\n\r\n   \t\n" + good + "\r\n" + good
        let url = try temporaryFile(Array(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(summary(try items(url.path)) == ["alert@1", "alert@4", "alert@5"])
    }

    @Test func `a pipe delivering lines in pieces reads the same as a file`() async throws {
        let text = try Fixture.data("alerts/stream_with-bad-lines.jsonl")
        let pipe = Pipe()
        let writer = Task.detached {
            let handle = pipe.fileHandleForWriting
            var offset = 0
            while offset < text.count {
                let end = min(text.count, offset + 97)
                handle.write(text.subdata(in: offset..<end))
                offset = end
                try await Task.sleep(for: .milliseconds(1))
            }
            try handle.close()
        }
        let path = "/dev/fd/\(pipe.fileHandleForReading.fileDescriptor)"
        let fromPipe = try items(path)
        try await writer.value
        let fromFile = try items(Fixture.url("alerts/stream_with-bad-lines.jsonl").path)
        #expect(fromPipe.map(\.kindAndLine) == fromFile.map(\.kindAndLine))
    }

    @Test func `a missing file or a folder is unreadable, not malformed`() {
        let missing = #expect(throws: AlertParseError.self) { try AlertStream(path: "/nonexistent/alerts.jsonl") }
        #expect(missing?.kind == .unreadable)
        #expect(missing?.description == "/nonexistent/alerts.jsonl: cannot read: no such file or directory")
        let folder = #expect(throws: AlertParseError.self) { try AlertReader.readDocument(path: "/") }
        #expect(folder?.isUnreadable == true)
        #expect(folder?.reason == "cannot read: is a directory")
        let hostileName = AlertParseError(
            .malformed, source: "a\u{1b}[2Jb.jsonl", line: 2, column: 5, reason: "expected x")
        #expect(hostileName.description == #"a\x1b[2Jb.jsonl: line 2, byte 5: expected x"#)
    }

    // MARK: - Hostile input

    @Test func `deep nesting is a bad line, not a crash`() throws {
        let items = try items(Fixture.url("alerts/hostile/deep-nesting.json").path)
        #expect(summary(items) == ["bad@1"])
        #expect(badLines(items).first?.reason == "expected at most 64 levels of nesting")
    }

    @Test func `NUL bytes: raw ones are refused with their position, escaped ones are kept`() throws {
        let items = try items(Fixture.url("alerts/hostile/nul-bytes.jsonl").path)
        #expect(summary(items) == ["bad@1", "bad@2", "alert@3"])
        let errors = badLines(items)
        #expect(errors[0].reason == "expected no raw control character in a string (NUL must be escaped)")
        #expect(errors[0].column == 134)
        #expect(errors[1].reason == "expected '\"' to start an object key, found NUL byte")
        #expect(alerts(items).first?.cmdline == "sh\u{0}-c")
    }

    @Test func `invalid UTF-8 is refused in JSON and repaired in lossy plain text`() throws {
        let items = try items(Fixture.url("alerts/hostile/invalid-utf8.jsonl").path)
        #expect(summary(items) == ["bad@1", "bad@2", "bad@3", "bad@4", "alert@5"])
        let errors = badLines(items)
        #expect(errors.allSatisfy { $0.reason.hasPrefix("expected valid UTF-8 in a string") })
        #expect(errors.map(\.column) == [136, 132, 133, 139])
        let text = try #require(alerts(items).first)
        #expect(text.isLossy)
        #expect(text.processName == "sh\u{FFFD}")
        #expect(text.containerID == "8e2d4c6a1f09")
    }

    @Test func `control characters in fields are kept exactly`() throws {
        let items = try items(Fixture.url("alerts/hostile/control-characters.jsonl").path)
        let parsed = alerts(items)
        try #require(parsed.count == 2)
        #expect(parsed[0].containerName == "web\u{1b}[2J\u{1b}]0;pwned\u{7}")
        #expect(parsed[0].cmdline == "sh -c \"echo\rok\nnext\"")
        #expect(parsed[0].exePath == "/tmp/\u{202e}gpj.exe")
        #expect(parsed[0].execFlags.bits == [.writable, .upperLayer])
        #expect(parsed[1].cmdline == "printf \u{1b}[31mred\u{1b}[0m")
    }

    @Test func `numbers at the edges stay exact; malformed numbers are bad lines`() throws {
        let items = try items(Fixture.url("alerts/hostile/edge-numbers.jsonl").path)
        #expect(summary(items) == ["alert@1", "bad@2", "bad@3", "bad@4", "bad@5", "bad@6"])
        let alert = try #require(alerts(items).first)
        #expect(alert.number("a")?.text == "-0")
        #expect(alert.number("b")?.text == "1e400")
        #expect(alert.number("c")?.text == "123456789012345678901234567890")
        #expect(alert.number("c")?.uint64Value == nil)
        #expect(alert.number("d")?.int64Value == Int64.min)
        #expect(alert.number("e")?.uint64Value == UInt64.max)
        #expect(
            alert.outputFields.jsonText()
                == #"{"a":-0,"b":1e400,"c":123456789012345678901234567890,"d":-9223372036854775808,"e":18446744073709551615,"f":0.000001}"#
        )
        #expect(
            badLines(items).map(\.reason) == [
                "expected no leading zero in a number, found '1'",
                "expected a digit after '.' in a number, found '}'",
                "expected a digit in a number, found '}'",
                "expected a low surrogate '\\u' escape after a high surrogate",
                "expected a valid escape after '\\', found 'x'",
            ])
    }

    @Test func `random garbage never crashes the reader`() throws {
        // xorshift64: deterministic, so a failure can be replayed.
        var state: UInt64 = 0x5EED_F00D
        func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        let seed = Array(try Fixture.data("alerts/falco-0.41_container-plugin_drop-and-execute_exact-integers.json"))
        var decoder = LineDecoder(mode: .complete)
        for round in 0..<3000 {
            var bytes = seed
            for _ in 0..<(1 + round % 8) {
                let position = Int(next() % UInt64(bytes.count))
                switch next() % 4 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: next())
                case 1: bytes.remove(at: position)
                case 2: bytes.insert(UInt8(truncatingIfNeeded: next()), at: position)
                default: bytes.removeSubrange(position...)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            _ = bytes.withUnsafeBufferPointer { decoder.decode($0) }
        }
    }
}

extension AlertStreamItem {
    /// The item's kind and line, for comparing two readings of the same input.
    var kindAndLine: String {
        switch self {
        case .alert(let alert, let line): "alert@\(line):\(alert.rule)"
        case .badLine(let error): "bad@\(error.line ?? 0):\(error.reason)"
        }
    }
}
