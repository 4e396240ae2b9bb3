import Testing

@testable import DockerEngine

@Suite struct JSONLineSplitterTests {
    private func split(_ bytes: [UInt8], maxLineBytes: Int = 1 << 20, cuts: [Int] = []) -> (lines: [String], oversized: Int) {
        var splitter = JSONLineSplitter(maxLineBytes: maxLineBytes)
        var lines: [String] = []
        Chunking.feed(bytes, cuts: cuts) { chunk in splitter.feed(chunk) { lines.append(String(decoding: $0, as: UTF8.self)) } }
        splitter.finish { lines.append(String(decoding: $0, as: UTF8.self)) }
        return (lines, splitter.oversizedLineCount)
    }

    private let stream = Array("{\"a\":1}\n\n  {\"b\":2}\r\n\u{1E}{\"c\":3}\n \t \n{\"d\":\"é\"}".utf8)
    private let expected = [#"{"a":1}"#, #"{"b":2}"#, #"{"c":3}"#, #"{"d":"é"}"#]

    @Test func `lines are trimmed, blanks skipped, the last one delivered at the end`() {
        #expect(split(stream).lines == expected)
    }

    @Test func `every split point and byte-at-a-time feeding give the same lines`() {
        for cut in 0...stream.count {
            #expect(split(stream, cuts: [cut]).lines == expected, "split at \(cut)")
        }
        #expect(split(stream, cuts: Chunking.everyByte(stream.count)).lines == expected)
    }

    @Test func `an oversized line is skipped and counted, and the stream goes on`() {
        let huge = "{\"labels\":\"" + String(repeating: "x", count: 500) + "\"}"
        let bytes = Array("{\"a\":1}\n\(huge)\n{\"b\":2}\n\(huge)".utf8)
        for cuts in [[], Chunking.everyByte(bytes.count), [3, 50, 520]] {
            let result = split(bytes, maxLineBytes: 100, cuts: cuts)
            #expect(result.lines == [#"{"a":1}"#, #"{"b":2}"#])
            #expect(result.oversized == 2)
        }
    }

    @Test func `the buffer never holds more than the limit`() {
        var splitter = JSONLineSplitter(maxLineBytes: 64)
        var delivered = 0
        for _ in 0..<1000 {
            splitter.feed(Array(repeating: UInt8(ascii: "y"), count: 10)).forEach { _ in delivered += 1 }
            #expect(splitter.bufferedByteCount <= 64)
        }
        let last = splitter.feed(Array("\n{}\n".utf8))
        delivered += last.count
        // The oversized line is dropped whole; only `{}` is a line.
        #expect(last == [Array("{}".utf8)])
        #expect(delivered == 1)
        #expect(splitter.oversizedLineCount == 1)
    }
}
