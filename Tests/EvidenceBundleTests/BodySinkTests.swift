import Crypto
import Foundation
import Testing

@testable import EvidenceBundle

/// A long body is hashed on one worker and tapped on another, both reading the same blocks.
@Suite struct BodySinkTests {
    /// Keeps what it is fed; fails on the chunk that crosses `failAt` bytes, when set.
    final class KeepingTap: BodyTap, @unchecked Sendable {
        var bytes: [UInt8] = []
        var finished: Bool?
        let failAt: Int?
        struct Full: Error {}

        init(failAt: Int? = nil) { self.failAt = failAt }

        func feed(_ chunk: UnsafeRawBufferPointer) throws {
            if let failAt, bytes.count + chunk.count > failAt { throw Full() }
            bytes.append(contentsOf: chunk)
        }

        func finish(complete: Bool) throws { finished = complete }
    }

    /// Several blocks and a ragged end, fed in libcurl-sized pieces.
    static let body: [UInt8] = (0..<(BodySink.blockSize * 5 + 12_345)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 13) }

    func feed(_ sink: BodySink, _ body: [UInt8], chunk: Int = 16_384) throws {
        var start = 0
        while start < body.count {
            let stop = min(start + chunk, body.count)
            try body[start..<stop].withUnsafeBytes { try sink.feed($0) }
            start = stop
        }
    }

    @Test(arguments: [false, true])
    func `every byte is hashed and tapped, in order`(background: Bool) throws {
        let tap = KeepingTap()
        let sink = BodySink(tap: tap, background: background)
        try feed(sink, Self.body)
        let digest = try sink.finish(complete: true)
        #expect(digest == FileDigest(sha256: SHA256.hash(data: Self.body).hexString, size: Int64(Self.body.count)))
        #expect(tap.bytes == Self.body)
        #expect(tap.finished == true)
    }

    @Test func `a tap that fails stops the transfer with its error, and nothing waits forever`() throws {
        let tap = KeepingTap(failAt: BodySink.blockSize + 1)
        let sink = BodySink(tap: tap, background: true)
        #expect(throws: KeepingTap.Full.self) {
            try feed(sink, Self.body)
            _ = try sink.finish(complete: true)
        }
        sink.abandon()
        #expect(tap.finished == false)
    }
}
