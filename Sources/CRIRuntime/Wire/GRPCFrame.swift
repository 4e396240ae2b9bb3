/// gRPC's message framing: a 1-byte compressed flag, a 4-byte big-endian length, then the message.
package enum GRPCFrame {
    /// The largest answer we accept (gRPC's default receive limit is 4 MiB; a node's lists may be larger).
    package static let maximumMessage = 64 << 20

    /// One uncompressed message, framed for the wire.
    package static func frame(_ message: [UInt8]) -> [UInt8] {
        let length = UInt32(message.count)
        return [0, UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff)] + message
    }

    /// The single message of a unary answer's body.
    ///
    /// - Throws: a description of what is wrong: a short prefix or message, a compressed message (we
    ///   never offer compression, so a server must not use it), a length over the limit, trailing bytes.
    package static func unframe(_ body: [UInt8]) throws(FrameError) -> [UInt8] {
        guard body.count >= 5 else { throw FrameError("a gRPC message needs a 5-byte prefix; the answer has \(body.count) bytes") }
        guard body[0] == 0 else {
            throw FrameError(body[0] == 1 ? "the message is compressed, which was never offered" : "bad compressed flag \(body[0])")
        }
        let length = Int(body[1]) << 24 | Int(body[2]) << 16 | Int(body[3]) << 8 | Int(body[4])
        guard length <= maximumMessage else { throw FrameError("a \(length)-byte message is over the \(maximumMessage)-byte limit") }
        guard body.count >= 5 + length else { throw FrameError("the prefix says \(length) bytes; \(body.count - 5) arrived") }
        guard body.count == 5 + length else { throw FrameError("\(body.count - 5 - length) bytes after the one message of a unary answer") }
        return Array(body[5...])
    }

    package struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
        package var description: String
        init(_ description: String) { self.description = description }
    }
}
