import Foundation

/// One line of a container's log, as the engine kept it.
///
/// The bytes are kept exactly (without the timestamp prefix and the newline) because container
/// output need not be UTF-8 and a report must be able to show what really was there; `text` is a
/// lossy rendering for people, with invalid sequences replaced by U+FFFD.
package struct LogLine: Sendable, Hashable {
    package var stream: LogStream
    /// The engine's timestamp exactly as sent (`2024-05-01T12:00:00.123456789Z`), when asked for and present.
    package var time: String?
    /// `time`, parsed to the nanosecond.
    package var timestamp: EngineTime?
    /// The line's bytes: no timestamp prefix, no `\n` (nor, in raw framing, the TTY's `\r`).
    package var bytes: [UInt8]
    /// `bytes` as text, invalid UTF-8 replaced by U+FFFD.
    package var text: String
    /// Whether `bytes` is valid UTF-8, i.e. `text` is exact.
    package var isValidUTF8: Bool
    /// The line was longer than the assembler's cap: this is a piece, and the next line of the same
    /// stream carries on with it.
    package var continues: Bool

    package init(stream: LogStream, time: String? = nil, timestamp: EngineTime? = nil, bytes: [UInt8], continues: Bool = false) {
        self.stream = stream
        self.time = time
        self.timestamp = timestamp
        self.bytes = bytes
        if let valid = String(validating: bytes, as: UTF8.self) {
            text = valid
            isValidUTF8 = true
        } else {
            text = String(decoding: bytes, as: UTF8.self)
            isValidUTF8 = false
        }
        self.continues = continues
    }

    /// `timestamp` as a `Date` (sub-microsecond digits lost).
    package var date: Date? { timestamp?.date }
}

/// Turns log pieces into lines, per stream, with the engine's timestamp prefix taken off and parsed.
///
/// Frames are not lines: the engine cuts lines longer than its copier buffer (16 KiB) into several
/// messages, each a frame with its own timestamp, and a frame may hold several lines. So a partial
/// line is carried over per stream until its newline arrives, and when a frame continues a
/// partial line its timestamp is dropped: the line keeps the time it started. A line longer than
/// `maxLineBytes` is delivered in pieces (`continues == true`) so one endless line cannot exhaust memory.
///
/// With multiplexed framing timestamps are read where the engine writes them, at each frame's start;
/// in raw (TTY) framing there are no frames, so they are read at each line's start.
package struct LogLineAssembler: Sendable {
    package static let defaultMaxLineBytes = 64 << 10

    package let framing: LogFraming
    /// Whether the request asked for `timestamps=1`.
    package let timestamps: Bool
    package let maxLineBytes: Int

    /// A timestamp prefix: its text and its value.
    private struct Stamp: Sendable {
        var text: String
        var time: EngineTime
    }

    /// What is in progress on one stream.
    private struct Progress: Sendable {
        /// Bytes of the current line received so far (only when it spans pieces).
        var carry: [UInt8] = []
        /// A line has started and its newline has not come yet.
        var isInLine = false
        /// The current line follows a piece cut at the cap.
        var isContinuation = false
        /// The time of the current line.
        var lineStamp: Stamp?
        /// Multiplexed: the time of the frame being read, for lines that start inside it.
        var frameStamp: Stamp?
    }

    private var progress: [Progress] = Array(repeating: Progress(), count: 3)

    /// - Parameters:
    ///   - framing: as given to the demuxer.
    ///   - timestamps: whether lines start with the engine's timestamp (`timestamps=1` in the request).
    ///   - maxLineBytes: the longest line delivered in one piece. At least 64.
    package init(framing: LogFraming, timestamps: Bool, maxLineBytes: Int = defaultMaxLineBytes) {
        self.framing = framing
        self.timestamps = timestamps
        self.maxLineBytes = max(maxLineBytes, LogFrameDemuxer.minimumMaxPieceBytes)
    }

    /// Bytes held back for lines not yet complete, across all streams: at most `3 * maxLineBytes`.
    package var bufferedByteCount: Int { progress.reduce(0) { $0 + $1.carry.count } }

    /// Consumes one piece from `LogFrameDemuxer` and calls `emit` for every line it completes.
    package mutating func append(_ piece: LogFramePiece, _ emit: (LogLine) throws -> Void) rethrows {
        var body = piece.payload
        let index = piece.stream.index
        if framing == .multiplexed, timestamps, piece.isFrameStart {
            if let (stamp, length) = Self.stamp(at: body) {
                progress[index].frameStamp = stamp
                body = UnsafeRawBufferPointer(rebasing: body[length...])
            } else {
                progress[index].frameStamp = nil
            }
        }
        try consume(body, stream: piece.stream, state: &progress[index], emit)
    }

    /// Ends the log: lines still waiting for a newline are delivered as they are.
    package mutating func finish(_ emit: (LogLine) throws -> Void) rethrows {
        for stream in LogStream.allCases {
            let index = stream.index
            guard progress[index].isInLine else { continue }
            let carried = progress[index].carry
            progress[index].carry = []
            if carried.isEmpty, progress[index].isContinuation {
                progress[index] = Progress()
                continue
            }
            try carried.withUnsafeBytes { bytes in
                try emitLine(bytes, stream: stream, cut: false, state: &progress[index], emit)
            }
        }
    }

    // MARK: Internals

    private func consume(
        _ body: UnsafeRawBufferPointer, stream: LogStream, state: inout Progress, _ emit: (LogLine) throws -> Void
    ) rethrows {
        var rest = body
        while !rest.isEmpty {
            if !state.isInLine {
                state.isInLine = true
                state.isContinuation = false
                state.lineStamp = framing == .multiplexed ? state.frameStamp : nil
            }
            guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                try absorb(rest, stream: stream, state: &state, emit)
                return
            }
            let segment = UnsafeRawBufferPointer(rebasing: rest[..<newline])
            rest = UnsafeRawBufferPointer(rebasing: rest[(newline + 1)...])
            if state.carry.isEmpty, segment.count <= maxLineBytes {
                // The whole line is in this piece: build it straight from the borrowed bytes.
                try emitLine(segment, stream: stream, cut: false, state: &state, emit)
            } else {
                try absorb(segment, stream: stream, state: &state, emit)
                let carried = state.carry
                state.carry = []
                try carried.withUnsafeBytes { bytes in
                    try emitLine(bytes, stream: stream, cut: false, state: &state, emit)
                }
            }
        }
    }

    /// Adds bytes of an unfinished line to the carry, cutting off full pieces at the cap.
    private func absorb(
        _ bytes: UnsafeRawBufferPointer, stream: LogStream, state: inout Progress, _ emit: (LogLine) throws -> Void
    ) rethrows {
        var rest = bytes
        while state.carry.count + rest.count > maxLineBytes {
            let room = maxLineBytes - state.carry.count
            state.carry.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[..<room]))
            rest = UnsafeRawBufferPointer(rebasing: rest[room...])
            let carried = state.carry
            state.carry = []
            try carried.withUnsafeBytes { piece in
                try emitLine(piece, stream: stream, cut: true, state: &state, emit)
            }
        }
        state.carry.append(contentsOf: rest)
    }

    private func emitLine(
        _ bytes: UnsafeRawBufferPointer, stream: LogStream, cut: Bool, state: inout Progress,
        _ emit: (LogLine) throws -> Void
    ) rethrows {
        var content = bytes
        if framing == .raw {
            if timestamps, !state.isContinuation, let (stamp, length) = Self.stamp(at: content) {
                state.lineStamp = stamp
                content = UnsafeRawBufferPointer(rebasing: content[length...])
            }
            // A TTY turns "\n" into "\r\n"; the "\r" is the terminal's, not the program's.
            if !cut, content.last == UInt8(ascii: "\r") {
                content = UnsafeRawBufferPointer(rebasing: content[..<(content.count - 1)])
            }
        }
        let line = LogLine(
            stream: stream, time: state.lineStamp?.text, timestamp: state.lineStamp?.time, bytes: Array(content),
            continues: cut)
        if cut {
            state.isContinuation = true
        } else {
            state.isInLine = false
            state.isContinuation = false
            state.lineStamp = nil
        }
        try emit(line)
    }

    /// Reads the engine's timestamp prefix: an RFC 3339 time followed by one space.
    private static func stamp(at bytes: UnsafeRawBufferPointer) -> (Stamp, length: Int)? {
        guard let (time, length) = EngineTime.parsePrefix(bytes), length < bytes.count,
            bytes[length] == UInt8(ascii: " ")
        else { return nil }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<length]), as: UTF8.self)
        return (Stamp(text: text, time: time), length + 1)
    }
}

/// Demultiplexes and assembles a log body in one step: chunks in, lines out.
///
/// Build it after inspecting the container (`Config.Tty` decides the framing), feed it every chunk
/// of the body, then call `finish`. A truncated stream still yields every line received before
/// `finish` throws `DockerEngineError.truncated`.
package struct LogDecoder: Sendable {
    package private(set) var demuxer: LogFrameDemuxer
    package private(set) var assembler: LogLineAssembler

    /// - Parameters:
    ///   - tty: the container's `Config.Tty`.
    ///   - timestamps: whether the request asked for `timestamps=1`.
    ///   - request: names the request in errors.
    package init(
        tty: Bool, timestamps: Bool, maxPieceBytes: Int = LogFrameDemuxer.defaultMaxPieceBytes,
        maxLineBytes: Int = LogLineAssembler.defaultMaxLineBytes, request: String = "the log stream"
    ) {
        let framing = LogFraming(tty: tty)
        demuxer = LogFrameDemuxer(framing: framing, maxPieceBytes: maxPieceBytes, request: request)
        assembler = LogLineAssembler(framing: framing, timestamps: timestamps, maxLineBytes: maxLineBytes)
    }

    /// Consumes one chunk and calls `emit` for every line it completes.
    package mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (LogLine) throws -> Void) throws {
        try demuxer.feed(chunk) { piece in try assembler.append(piece, emit) }
    }

    /// Convenience for whole buffers.
    package mutating func feed(_ bytes: [UInt8]) throws -> [LogLine] {
        var lines: [LogLine] = []
        try bytes.withUnsafeBytes { chunk in try feed(chunk) { lines.append($0) } }
        return lines
    }

    /// Ends the body: delivers the last unterminated lines (and any partial frame's bytes).
    ///
    /// - Throws: `DockerEngineError.truncated` after delivering, when the body ended inside a frame.
    package mutating func finish(_ emit: (LogLine) throws -> Void) throws {
        var truncation: (any Error)?
        do {
            try demuxer.finish { piece in try assembler.append(piece, emit) }
        } catch let error as DockerEngineError {
            guard case .truncated = error else { throw error }
            truncation = error
        }
        try assembler.finish(emit)
        if let truncation { throw truncation }
    }
}
