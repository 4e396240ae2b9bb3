/// Which output a piece of a container's log came from.
package enum LogStream: String, Sendable, Hashable, Codable, CaseIterable {
    /// Standard output; also the engine's type 0 (stdin, written to stdout) and everything of a TTY container.
    case stdout
    case stderr
    /// Type 3: an error the engine itself wrote into the stream (e.g. "Error grabbing logs: …"), not the container.
    case engineError

    /// A dense index for per-stream state.
    var index: Int {
        switch self {
        case .stdout: return 0
        case .stderr: return 1
        case .engineError: return 2
        }
    }
}

/// How the engine frames a log body: it depends on the container's `Config.Tty`, not on the
/// response's `Content-Type` (which says "raw-stream" for multiplexed bodies before API 1.42).
package enum LogFraming: Sendable, Hashable {
    /// `Config.Tty == false`: 8-byte headers `[type, 0, 0, 0, size (big-endian UInt32)]` before each payload.
    case multiplexed
    /// `Config.Tty == true`: plain bytes, all of them stdout.
    case raw

    /// The framing the engine uses for a container with this `Config.Tty`.
    package init(tty: Bool) { self = tty ? .raw : .multiplexed }
}

/// A piece of a log frame's payload, valid only during the callback that receives it.
///
/// A frame whose payload fits the demuxer's cap arrives as one piece with both flags set, however
/// the bytes were chunked on the wire. A larger frame arrives as several pieces: the first has
/// `isFrameStart`, the last `isFrameEnd`. In raw framing there are no frames and both flags are `false`.
package struct LogFramePiece {
    package var stream: LogStream
    /// Borrowed bytes: copy what you keep.
    package var payload: UnsafeRawBufferPointer
    package var isFrameStart: Bool
    package var isFrameEnd: Bool
}

/// An owned copy of a `LogFramePiece`, for callers that collect frames rather than stream them.
package struct LogFrame: Sendable, Hashable {
    package var stream: LogStream
    package var payload: [UInt8]
    package var isFrameStart: Bool
    package var isFrameEnd: Bool

    package init(stream: LogStream, payload: [UInt8], isFrameStart: Bool = true, isFrameEnd: Bool = true) {
        self.stream = stream
        self.payload = payload
        self.isFrameStart = isFrameStart
        self.isFrameEnd = isFrameEnd
    }

    package init(_ piece: LogFramePiece) {
        self.init(
            stream: piece.stream, payload: Array(piece.payload), isFrameStart: piece.isFrameStart,
            isFrameEnd: piece.isFrameEnd)
    }
}

/// Splits the engine's log stream (`GET /containers/{id}/logs`) into stream-tagged payload pieces,
/// fed with chunks exactly as the transport delivers them.
///
/// Why not just read 8 bytes and then `size` bytes: chunks split anywhere, headers included, and a
/// single frame may claim up to 4 GiB. Payloads that arrive whole inside one chunk are handed over
/// without copying; a frame split across chunks is gathered until complete or until `maxPieceBytes`,
/// so memory stays bounded by that cap whatever a frame header claims.
///
/// Type 3 (the engine's own error, Go's `Systemerr`) is delivered as `.engineError` rather than
/// thrown, so the text reaches the report and the lines before it are kept. Any other unknown type
/// means the body is not multiplexed (or is corrupt) and is an error, as in Go's `stdcopy`.
package struct LogFrameDemuxer: Sendable {
    /// The default cap on one delivered piece, and so on what a frame can make us buffer.
    package static let defaultMaxPieceBytes = 1 << 20
    /// The smallest cap allowed: large enough that a timestamp prefix always lands in a frame's first piece.
    package static let minimumMaxPieceBytes = 64

    package let framing: LogFraming
    package let maxPieceBytes: Int
    /// Names the request in errors, e.g. `GET /containers/web/logs`.
    package let request: String

    private enum State: Sendable {
        /// Reading a header; `count` bytes of it are in `header`.
        case header(count: Int)
        /// Reading a payload: `remaining` bytes not yet received; `started` once a piece went out.
        case payload(stream: LogStream, size: Int, remaining: Int, started: Bool)
        /// An error was thrown; every later call throws it again.
        case failed(DockerEngineError)
    }

    private var state: State = .header(count: 0)
    private var header: [UInt8] = Array(repeating: 0, count: 8)
    /// Payload bytes received but not yet delivered (a frame split across chunks). Never above the cap.
    private var pending: [UInt8] = []
    /// Bytes consumed so far, for error messages.
    private var offset = 0

    /// - Parameters:
    ///   - framing: `.raw` for a container with `Config.Tty == true`, else `.multiplexed`.
    ///   - maxPieceBytes: the largest piece delivered; larger frames come in pieces. At least 64.
    ///   - request: names the request in errors.
    package init(
        framing: LogFraming, maxPieceBytes: Int = defaultMaxPieceBytes, request: String = "the log stream"
    ) {
        self.framing = framing
        self.maxPieceBytes = max(maxPieceBytes, Self.minimumMaxPieceBytes)
        self.request = request
    }

    /// Bytes held back between calls (a partial header or a partial frame): bounded by `8 + maxPieceBytes`.
    package var bufferedByteCount: Int {
        switch state {
        case .header(let count): return count + pending.count
        default: return pending.count
        }
    }

    /// Whether the stream may end here without losing a frame.
    package var isAtFrameBoundary: Bool {
        if case .header(count: 0) = state { return true }
        return false
    }

    /// Consumes one chunk and calls `deliver` for every piece it completes.
    ///
    /// - Throws: `DockerEngineError.malformedResponse` for an unknown stream type, or what `deliver` throws.
    package mutating func feed(
        _ chunk: UnsafeRawBufferPointer, _ deliver: (LogFramePiece) throws -> Void
    ) throws {
        if case .failed(let error) = state { throw error }
        if framing == .raw {
            try deliverRaw(chunk, deliver)
            return
        }
        var index = 0
        while index < chunk.count {
            switch state {
            case .failed(let error):
                throw error
            case .header(let count):
                if count == 0, chunk.count - index >= 8 {
                    let bytes = UnsafeRawBufferPointer(rebasing: chunk[index..<index + 8])
                    index += 8
                    offset += 8
                    try startFrame(bytes, deliver)
                } else {
                    let take = min(8 - count, chunk.count - index)
                    for step in 0..<take { header[count + step] = chunk[index + step] }
                    index += take
                    offset += take
                    if count + take < 8 {
                        state = .header(count: count + take)
                    } else {
                        let bytes = header
                        try bytes.withUnsafeBytes { try startFrame($0, deliver) }
                    }
                }
            case .payload(let stream, let size, let remaining, let started):
                let available = chunk.count - index
                let pieceSize = min(remaining, maxPieceBytes)
                if pending.isEmpty, available >= pieceSize {
                    // Fast path: the piece is inside this chunk; hand it over without copying.
                    let slice = UnsafeRawBufferPointer(rebasing: chunk[index..<index + pieceSize])
                    index += pieceSize
                    offset += pieceSize
                    let left = remaining - pieceSize
                    state = left == 0 ? .header(count: 0) : .payload(stream: stream, size: size, remaining: left, started: true)
                    try deliver(LogFramePiece(stream: stream, payload: slice, isFrameStart: !started, isFrameEnd: left == 0))
                } else {
                    let take = min(available, remaining, maxPieceBytes - pending.count)
                    pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<index + take]))
                    index += take
                    offset += take
                    let left = remaining - take
                    if left == 0 || pending.count == maxPieceBytes {
                        state = left == 0 ? .header(count: 0) : .payload(stream: stream, size: size, remaining: left, started: true)
                        try flushPending(stream: stream, isFrameStart: !started, isFrameEnd: left == 0, deliver)
                    } else {
                        state = .payload(stream: stream, size: size, remaining: left, started: started)
                    }
                }
            }
        }
    }

    /// Convenience for whole buffers: feeds `bytes` and returns owned copies of the pieces.
    package mutating func feed(_ bytes: [UInt8]) throws -> [LogFrame] {
        var frames: [LogFrame] = []
        try bytes.withUnsafeBytes { chunk in
            try feed(chunk) { frames.append(LogFrame($0)) }
        }
        return frames
    }

    /// Ends the stream. A frame cut short has its received bytes delivered first (`isFrameEnd == false`).
    ///
    /// - Throws: `DockerEngineError.truncated` when the stream ended inside a header or a payload.
    package mutating func finish(_ deliver: (LogFramePiece) throws -> Void) throws {
        switch state {
        case .failed(let error):
            throw error
        case .header(let count):
            guard count > 0 else { return }
            let error = DockerEngineError.truncated(
                request: request, detail: "the log stream ended inside a frame header (\(count) of 8 bytes)")
            state = .failed(error)
            throw error
        case .payload(let stream, let size, let remaining, let started):
            let error = DockerEngineError.truncated(
                request: request,
                detail: "the log stream ended inside a \(stream.rawValue) frame (\(size - remaining) of \(size) payload bytes)")
            state = .failed(error)
            if !pending.isEmpty {
                try flushPending(stream: stream, isFrameStart: !started, isFrameEnd: false, deliver)
            }
            throw error
        }
    }

    // MARK: Internals

    /// Reads an 8-byte header and either delivers an empty frame or starts a payload.
    private mutating func startFrame(
        _ bytes: UnsafeRawBufferPointer, _ deliver: (LogFramePiece) throws -> Void
    ) throws {
        let stream: LogStream
        switch bytes[0] {
        case 0, 1: stream = .stdout
        case 2: stream = .stderr
        case 3: stream = .engineError
        default:
            let error = DockerEngineError.malformedResponse(
                request: request,
                detail: "unrecognized stream: \(bytes[0]) in the log frame header at byte \(offset - 8)"
                    + " (a TTY container's log is not multiplexed: read it raw)")
            state = .failed(error)
            throw error
        }
        let size = Int(bytes[4]) << 24 | Int(bytes[5]) << 16 | Int(bytes[6]) << 8 | Int(bytes[7])
        if size == 0 {
            state = .header(count: 0)
            try withUnsafeBytes(of: ()) { empty in
                try deliver(LogFramePiece(stream: stream, payload: empty, isFrameStart: true, isFrameEnd: true))
            }
        } else {
            state = .payload(stream: stream, size: size, remaining: size, started: false)
        }
    }

    private mutating func flushPending(
        stream: LogStream, isFrameStart: Bool, isFrameEnd: Bool, _ deliver: (LogFramePiece) throws -> Void
    ) throws {
        defer { pending.removeAll(keepingCapacity: pending.capacity <= 64 << 10) }
        try pending.withUnsafeBytes { bytes in
            try deliver(LogFramePiece(stream: stream, payload: bytes, isFrameStart: isFrameStart, isFrameEnd: isFrameEnd))
        }
    }

    /// TTY logs: no framing, everything is stdout; only the cap applies.
    private func deliverRaw(_ chunk: UnsafeRawBufferPointer, _ deliver: (LogFramePiece) throws -> Void) throws {
        var index = 0
        while index < chunk.count {
            let end = min(chunk.count, index + maxPieceBytes)
            try deliver(
                LogFramePiece(
                    stream: .stdout, payload: UnsafeRawBufferPointer(rebasing: chunk[index..<end]),
                    isFrameStart: false, isFrameEnd: false))
            index = end
        }
    }
}
