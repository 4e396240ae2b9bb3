import Foundation
import Testing

@testable import DockerEngine

@Suite struct LogFrameDemuxerTests {
    /// stdout, stderr, an empty frame, stdin (shown as stdout), an engine error, and a longer frame.
    private let frames: [LogFrame] = [
        LogFrame(stream: .stdout, payload: Array("hello\n".utf8)),
        LogFrame(stream: .stderr, payload: Array("oops: no such file\n".utf8)),
        LogFrame(stream: .stdout, payload: []),
        LogFrame(stream: .stdout, payload: Array("from stdin".utf8)),
        LogFrame(stream: .engineError, payload: Array("Error grabbing logs: log message is too large".utf8)),
        LogFrame(stream: .stdout, payload: (0..<300).map { UInt8(truncatingIfNeeded: $0) }),
    ]

    private var wire: [UInt8] {
        logFrame(1, "hello\n") + logFrame(2, "oops: no such file\n") + logFrame(1, "") + logFrame(0, "from stdin")
            + logFrame(3, "Error grabbing logs: log message is too large")
            + logFrame(1, (0..<300).map { UInt8(truncatingIfNeeded: $0) })
    }

    private func demux(_ bytes: [UInt8], cuts: [Int], maxPieceBytes: Int = LogFrameDemuxer.defaultMaxPieceBytes) throws
        -> [LogFrame]
    {
        var demuxer = LogFrameDemuxer(framing: .multiplexed, maxPieceBytes: maxPieceBytes)
        var out: [LogFrame] = []
        try Chunking.feed(bytes, cuts: cuts) { chunk in try demuxer.feed(chunk) { out.append(LogFrame($0)) } }
        try demuxer.finish { out.append(LogFrame($0)) }
        return out
    }

    @Test func `one chunk gives every frame whole, stdin as stdout, type 3 as engine error`() throws {
        #expect(try demux(wire, cuts: []) == frames)
    }

    @Test func `every single split point gives the same frames`() throws {
        let bytes = wire
        for cut in 0...bytes.count {
            let result = try demux(bytes, cuts: [cut])
            #expect(result == frames, "split at \(cut)")
        }
    }

    @Test func `every pair of split points gives the same frames`() throws {
        let bytes = logFrame(1, "ab\n") + logFrame(2, "") + logFrame(2, "err\n") + logFrame(3, "x") + logFrame(1, "end")
        let expected = [
            LogFrame(stream: .stdout, payload: Array("ab\n".utf8)), LogFrame(stream: .stderr, payload: []),
            LogFrame(stream: .stderr, payload: Array("err\n".utf8)), LogFrame(stream: .engineError, payload: [UInt8(ascii: "x")]),
            LogFrame(stream: .stdout, payload: Array("end".utf8)),
        ]
        for first in 0...bytes.count {
            for second in first...bytes.count {
                let result = try demux(bytes, cuts: [first, second])
                if result != expected {
                    Issue.record("splits at \(first) and \(second) gave \(result)")
                    return
                }
            }
        }
    }

    @Test func `random chunkings and byte-at-a-time feeding give the same frames`() throws {
        let bytes = wire + wire + wire
        let expected = frames + frames + frames
        var random = SeededRandom(seed: 0x5EED)
        for round in 0..<300 {
            let cuts = Chunking.randomCuts(count: bytes.count, maxChunk: 1 + round % 40, using: &random)
            #expect(try demux(bytes, cuts: cuts) == expected, "round \(round): \(cuts)")
        }
        #expect(try demux(bytes, cuts: Chunking.everyByte(bytes.count)) == expected)
    }

    @Test func `an unknown stream type is an error naming it, and the demuxer stays failed`() throws {
        var demuxer = LogFrameDemuxer(framing: .multiplexed, request: "GET /containers/web/logs")
        var delivered: [LogFrame] = []
        let bytes = logFrame(1, "ok\n") + logFrame(7, "??")
        do {
            _ = try bytes.withUnsafeBytes { try demuxer.feed($0) { delivered.append(LogFrame($0)) } }
            Issue.record("no error")
        } catch let error as DockerEngineError {
            guard case .malformedResponse(let request, let detail) = error else {
                Issue.record("wrong error \(error)")
                return
            }
            #expect(request == "GET /containers/web/logs")
            #expect(detail.contains("unrecognized stream: 7"))
            #expect(detail.contains("byte 11"))
        }
        #expect(delivered == [LogFrame(stream: .stdout, payload: Array("ok\n".utf8))])
        #expect(throws: DockerEngineError.self) { try demuxer.feed([1, 0, 0, 0, 0, 0, 0, 0]) }
    }

    @Test func `a raw TTY body read as multiplexed fails on its first byte`() {
        var demuxer = LogFrameDemuxer(framing: .multiplexed)
        #expect(throws: DockerEngineError.self) { try demuxer.feed(Array("hello world\r\n".utf8)) }
    }

    @Test func `a stream cut inside a payload delivers what came, then reports truncation`() throws {
        var demuxer = LogFrameDemuxer(framing: .multiplexed)
        let bytes = logFrame(1, "complete\n") + Array(logFrame(2, "partial line that never ends").prefix(8 + 7))
        var delivered = try demuxer.feed(bytes)
        #expect(delivered == [LogFrame(stream: .stdout, payload: Array("complete\n".utf8))])
        #expect(!demuxer.isAtFrameBoundary)
        do {
            try demuxer.finish { delivered.append(LogFrame($0)) }
            Issue.record("no error")
        } catch DockerEngineError.truncated(_, let detail) {
            #expect(detail.contains("stderr frame"))
            #expect(detail.contains("7 of 28"))
        }
        #expect(delivered.last == LogFrame(stream: .stderr, payload: Array("partial".utf8), isFrameStart: true, isFrameEnd: false))
    }

    @Test func `a stream cut inside a header reports truncation`() throws {
        var demuxer = LogFrameDemuxer(framing: .multiplexed)
        _ = try demuxer.feed(logFrame(1, "a") + [2, 0, 0])
        #expect(throws: DockerEngineError.truncated(request: "the log stream", detail: "the log stream ended inside a frame header (3 of 8 bytes)")) {
            try demuxer.finish { _ in }
        }
    }

    @Test func `a clean end is not truncation`() throws {
        var demuxer = LogFrameDemuxer(framing: .multiplexed)
        _ = try demuxer.feed(logFrame(1, "a\n"))
        #expect(demuxer.isAtFrameBoundary)
        try demuxer.finish { _ in Issue.record("nothing should be delivered") }
    }

    @Test(arguments: [1, 1000, 70_000, 3 << 20])
    func `an oversized frame comes in bounded pieces and nothing near its size is buffered`(chunkSize: Int) throws {
        let cap = 64 << 10
        let payload = (0..<(3 << 20) + 123).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let bytes = logFrame(1, payload) + logFrame(2, "after\n")
        var demuxer = LogFrameDemuxer(framing: .multiplexed, maxPieceBytes: cap)
        var pieces: [LogFrame] = []
        var largestBuffer = 0
        let cuts = Array(stride(from: chunkSize, to: bytes.count, by: chunkSize))
        try Chunking.feed(bytes, cuts: cuts) { chunk in
            try demuxer.feed(chunk) { piece in
                #expect(piece.payload.count <= cap)
                pieces.append(LogFrame(piece))
            }
            largestBuffer = max(largestBuffer, demuxer.bufferedByteCount)
        }
        try demuxer.finish { _ in }
        #expect(largestBuffer <= cap + 8)
        let big = pieces.dropLast()
        #expect(big.count == (payload.count + cap - 1) / cap)
        #expect(big.first?.isFrameStart == true && big.first?.isFrameEnd == false)
        #expect(big.last?.isFrameEnd == true)
        #expect(big.dropFirst().allSatisfy { !$0.isFrameStart })
        #expect(big.dropLast().allSatisfy { !$0.isFrameEnd })
        #expect(big.allSatisfy { $0.stream == .stdout })
        #expect(big.flatMap(\.payload) == payload)
        #expect(pieces.last == LogFrame(stream: .stderr, payload: Array("after\n".utf8)))
    }

    @Test func `raw framing passes every byte through as stdout, headers and all`() throws {
        var demuxer = LogFrameDemuxer(framing: .raw, maxPieceBytes: 64)
        let bytes = [1, 0, 0, 0] + Array(repeating: UInt8(ascii: "x"), count: 150)
        let pieces = try demuxer.feed(bytes)
        #expect(pieces.map(\.payload.count) == [64, 64, 26])
        #expect(pieces.allSatisfy { $0.stream == .stdout && !$0.isFrameStart && !$0.isFrameEnd })
        #expect(pieces.flatMap(\.payload) == bytes)
        try demuxer.finish { _ in Issue.record("raw has nothing pending") }
    }

    @Test func `the piece cap cannot go below what a timestamp needs`() {
        #expect(LogFrameDemuxer(framing: .multiplexed, maxPieceBytes: 1).maxPieceBytes == 64)
    }
}

@Suite struct LogLineAssemblerTests {
    private func lines(
        _ bytes: [UInt8], tty: Bool = false, timestamps: Bool = false, maxLineBytes: Int = 1 << 16, cuts: [Int] = []
    ) throws -> [LogLine] {
        var decoder = LogDecoder(tty: tty, timestamps: timestamps, maxLineBytes: maxLineBytes)
        var out: [LogLine] = []
        try Chunking.feed(bytes, cuts: cuts) { chunk in try decoder.feed(chunk) { out.append($0) } }
        try decoder.finish { out.append($0) }
        return out
    }

    @Test func `partial lines are carried per stream across frames`() throws {
        let bytes = logFrame(1, "hel") + logFrame(2, "warn") + logFrame(1, "lo\nwor") + logFrame(2, "ing\n")
            + logFrame(1, "ld\nno newline")
        let result = try lines(bytes)
        #expect(result.map(\.text) == ["hello", "warning", "world", "no newline"])
        #expect(result.map(\.stream) == [.stdout, .stderr, .stdout, .stdout])
        #expect(result.allSatisfy { $0.time == nil && !$0.continues && $0.isValidUTF8 })
    }

    @Test func `empty lines and frames with several lines are kept`() throws {
        let result = try lines(logFrame(1, "a\n\nb\n") + logFrame(1, "\n"))
        #expect(result.map(\.text) == ["a", "", "b", ""])
    }

    @Test func `timestamps are taken off and parsed to the nanosecond`() throws {
        let bytes = logFrame(1, "2026-11-29T10:15:02.123456789Z started\n")
            + logFrame(2, "2026-11-29T12:15:03.000000001+02:00 warning\n")
        let result = try lines(bytes, timestamps: true)
        #expect(result.map(\.text) == ["started", "warning"])
        #expect(result[0].time == "2026-11-29T10:15:02.123456789Z")
        #expect(result[0].timestamp == EngineTime(seconds: 1_795_947_302, nanoseconds: 123_456_789))
        #expect(result[1].time == "2026-11-29T12:15:03.000000001+02:00")
        #expect(result[1].timestamp == EngineTime(seconds: 1_795_947_303, nanoseconds: 1))
        let date = try #require(result[0].date)
        #expect(abs(date.timeIntervalSince1970 - 1_795_947_302.123_456_789) < 1e-6)
    }

    @Test func `Podman 4.3 stamps with whole seconds`() throws {
        // The first frame of a real Podman 4.3.1 log with timestamps=1.
        let bytes = logFrame(1, "2026-11-29T11:19:27Z dropped tick 1 at 2026-11-29T11:19:27Z on stdout\n")
        let line = try #require(try lines(bytes, timestamps: true).first)
        #expect(line.time == "2026-11-29T11:19:27Z")
        #expect(line.timestamp == EngineTime(seconds: 1_795_951_167))
        #expect(line.text == "dropped tick 1 at 2026-11-29T11:19:27Z on stdout")
    }

    @Test func `a line the engine split into partial messages is joined and keeps its first time`() throws {
        let bytes = logFrame(1, "2026-11-29T10:00:00.000000001Z first half ")
            + logFrame(2, "2026-11-29T10:00:00.500000000Z other stream\n")
            + logFrame(1, "2026-11-29T10:00:00.000000002Z second half\n")
            + logFrame(1, "2026-11-29T10:00:01.000000000Z next\n")
        let result = try lines(bytes, timestamps: true)
        #expect(result.map(\.text) == ["other stream", "first half second half", "next"])
        #expect(result[1].timestamp?.nanoseconds == 1)
        #expect(result[2].timestamp == EngineTime(seconds: 1_795_946_401))
    }

    @Test func `text that is not a timestamp is left alone`() throws {
        let withFlag = try lines(logFrame(3, "Error grabbing logs: boom\n") + logFrame(1, "2026-11-29 not a stamp\n"), timestamps: true)
        #expect(withFlag.map(\.text) == ["Error grabbing logs: boom", "2026-11-29 not a stamp"])
        #expect(withFlag.map(\.stream) == [.engineError, .stdout])
        #expect(withFlag.allSatisfy { $0.time == nil })
        let withoutFlag = try lines(logFrame(1, "2026-11-29T10:15:02.123456789Z x\n"), timestamps: false)
        #expect(withoutFlag.map(\.text) == ["2026-11-29T10:15:02.123456789Z x"])
    }

    @Test func `lines over the cap come in pieces that say they continue`() throws {
        let long = String(repeating: "0123456789", count: 20)
        let result = try lines(logFrame(1, long + "\nshort\n"), maxLineBytes: 64)
        #expect(result.map(\.bytes.count) == [64, 64, 64, 8, 5])
        #expect(result.map(\.continues) == [true, true, true, false, false])
        #expect(result.prefix(4).map(\.text).joined() == long)
    }

    @Test func `the carried line never grows past the cap`() throws {
        var assembler = LogLineAssembler(framing: .multiplexed, timestamps: false, maxLineBytes: 100)
        var demuxer = LogFrameDemuxer(framing: .multiplexed)
        var emitted = 0
        for _ in 0..<50 {
            for frame in try demuxer.feed(logFrame(1, String(repeating: "x", count: 37))) {
                frame.payload.withUnsafeBytes { payload in
                    let piece = LogFramePiece(stream: frame.stream, payload: payload, isFrameStart: true, isFrameEnd: true)
                    assembler.append(piece) { _ in emitted += 1 }
                }
                #expect(assembler.bufferedByteCount <= 100)
            }
        }
        #expect(emitted == 50 * 37 / 100)
    }

    @Test func `invalid UTF-8 keeps its bytes and shows replacement characters`() throws {
        let result = try lines(logFrame(1, [0x66, 0xFF, 0xFE, 0x6F, 0x0A]))
        let line = try #require(result.first)
        #expect(line.bytes == [0x66, 0xFF, 0xFE, 0x6F])
        #expect(!line.isValidUTF8)
        #expect(line.text == "f\u{FFFD}\u{FFFD}o")
    }

    @Test func `a TTY log is raw: lines split anywhere, CR of the terminal dropped, stamps at line starts`() throws {
        let bytes = Array("2026-11-29T10:15:02.000000005Z $ id\r\n2026-11-29T10:15:03.000000000Z uid=0(root)\r\n".utf8)
        for cut in 0...bytes.count {
            let result = try lines(bytes, tty: true, timestamps: true, cuts: [cut])
            #expect(result.map(\.text) == ["$ id", "uid=0(root)"], "split at \(cut)")
            #expect(result.map(\.stream) == [.stdout, .stdout])
            #expect(result.first?.timestamp == EngineTime(seconds: 1_795_947_302, nanoseconds: 5))
        }
    }

    @Test func `random chunkings give the same lines`() throws {
        var bytes: [UInt8] = []
        var expected: [String] = []
        for index in 0..<60 {
            let text = "line \(index) " + String(repeating: "é", count: index % 7)
            bytes += logFrame(index % 3 == 0 ? 2 : 1, "2026-11-29T10:15:\(10 + index % 40).000000000Z " + text + "\n")
            expected.append(text)
        }
        let reference = try lines(bytes, timestamps: true)
        #expect(Set(reference.map(\.text)) == Set(expected))
        var random = SeededRandom(seed: 42)
        for round in 0..<100 {
            let cuts = Chunking.randomCuts(count: bytes.count, maxChunk: 1 + round % 25, using: &random)
            #expect(try lines(bytes, timestamps: true, cuts: cuts) == reference, "round \(round)")
        }
    }

    @Test func `a truncated log still yields its lines, then says it was cut`() throws {
        let bytes = logFrame(1, "one\n") + Array(logFrame(1, "two, cut").prefix(8 + 5))
        var decoder = LogDecoder(tty: false, timestamps: false)
        var out = try decoder.feed(bytes)
        #expect(throws: DockerEngineError.self) { try decoder.finish { out.append($0) } }
        #expect(out.map(\.text) == ["one", "two, "])
    }
}
