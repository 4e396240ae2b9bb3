// Fuzz target: the log body decoder (`LogFrameDemuxer` + `LogLineAssembler`, as `LogDecoder`).
//
// The log body is whatever the container printed, framed by the engine; a hostile container or a
// broken engine can put anything in it. The first input byte picks the framing, the caps and the
// chunk size; the rest is the body. Beyond not crashing: memory held between chunks stays under the
// caps, no line is longer than its cap, and the lines do not depend on how the body was chunked.

import DockerEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzLogFrames(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    let control = start[0]
    let body = Array(UnsafeBufferPointer(start: start + 1, count: count - 1))
    let tty = control & 1 != 0
    let timestamps = control & 2 != 0
    // Small caps make pieces and cut lines likely on small inputs.
    let maxPieceBytes = control & 4 != 0 ? LogFrameDemuxer.minimumMaxPieceBytes : 1 << 20
    let maxLineBytes = control & 8 != 0 ? 64 : 64 << 10
    let chunk = Int(control >> 4) + 1

    let whole = decode(
        body, chunk: max(body.count, 1), tty: tty, timestamps: timestamps, maxPieceBytes: maxPieceBytes,
        maxLineBytes: maxLineBytes)
    let chunked = decode(
        body, chunk: chunk, tty: tty, timestamps: timestamps, maxPieceBytes: maxPieceBytes,
        maxLineBytes: maxLineBytes)
    guard whole.lines == chunked.lines else {
        fatalError("lines differ when the body arrives in \(chunk)-byte chunks")
    }
    guard whole.outcome == chunked.outcome else {
        fatalError("the stream ends differently in \(chunk)-byte chunks: \(whole.outcome) vs \(chunked.outcome)")
    }
    return 0
}

private struct Decoded {
    var lines: [LogLine] = []
    var outcome = "complete"
}

private func decode(
    _ body: [UInt8], chunk: Int, tty: Bool, timestamps: Bool, maxPieceBytes: Int, maxLineBytes: Int
) -> Decoded {
    var decoder = LogDecoder(
        tty: tty, timestamps: timestamps, maxPieceBytes: maxPieceBytes, maxLineBytes: maxLineBytes, request: "fuzz")
    var decoded = Decoded()
    func keep(_ line: LogLine) {
        guard line.bytes.count <= maxLineBytes else {
            fatalError("a line of \(line.bytes.count) bytes passed the \(maxLineBytes)-byte cap")
        }
        decoded.lines.append(line)
    }
    do {
        var index = 0
        while index < body.count {
            let end = min(body.count, index + chunk)
            try body[index..<end].withUnsafeBytes { try decoder.feed($0, keep) }
            index = end
            guard decoder.demuxer.bufferedByteCount <= 8 + maxPieceBytes,
                decoder.assembler.bufferedByteCount <= 3 * maxLineBytes
            else { fatalError("the decoder holds more than its caps allow") }
        }
        try decoder.finish(keep)
    } catch let error as DockerEngineError {
        switch error {
        case .truncated: decoded.outcome = "truncated"
        case .malformedResponse: decoded.outcome = "malformed"
        default: fatalError("unexpected error \(error)")
        }
    } catch {
        fatalError("unexpected error \(error)")
    }
    return decoded
}
