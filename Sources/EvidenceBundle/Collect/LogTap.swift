import DockerEngine
import Foundation

/// Splits the log window into one text file per stream as it streams past: `logs/stdout.txt` and
/// `logs/stderr.txt` (and `logs/engine-errors.txt` when the engine wrote errors into the stream),
/// or `logs/terminal.txt` for a container with a TTY, whose two streams are one.
///
/// The text is the payload exactly as the engine framed it, timestamps included; nothing is
/// decoded or re-encoded. A body that turns out not to be framed as expected stops the split (the
/// raw window is kept regardless); only a failed write is an error.
final class LogTap: BodyTap {
    private let framing: LogFraming
    private let producer: String
    private let staging: StagingFolder
    private let journal: CollectionJournal
    private var demuxer: LogFrameDemuxer
    private var writers: [LogStream: EvidenceFileWriter] = [:]
    private var stopped = false

    init(framing: LogFraming, producer: String, staging: StagingFolder, journal: CollectionJournal) throws {
        self.framing = framing
        self.producer = producer
        self.staging = staging
        self.journal = journal
        self.demuxer = LogFrameDemuxer(framing: framing, request: producer)
        try staging.makeFolder(BundleLayout.logs)
        // Both files exist even when empty: an empty stderr is a finding too.
        if framing == .raw {
            _ = try writer(for: .stdout)
        } else {
            _ = try writer(for: .stdout)
            _ = try writer(for: .stderr)
        }
    }

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard !stopped else { return }
        do {
            try demuxer.feed(chunk) { piece in try writer(for: piece.stream).write(piece.payload) }
        } catch let error as EvidenceBundleError {
            throw error
        } catch {
            stopped = true
            journal.note("the log window could not be split by stream: \(error)")
        }
    }

    func finish(complete: Bool) throws {
        if !stopped {
            do {
                try demuxer.finish { piece in try writer(for: piece.stream).write(piece.payload) }
            } catch let error as EvidenceBundleError {
                throw error
            } catch {
                stopped = true
                journal.note("the log window ends inside a frame: \(error)")
            }
        }
        let split = framing == .raw ? "both streams of the container's terminal" : "demultiplexed"
        for (stream, writer) in writers.sorted(by: { $0.value.relativePath < $1.value.relativePath }) {
            let digest = try writer.finish()
            journal.add(
                .init(
                    path: writer.relativePath, digest: digest, kind: .log, producer: producer, acquiredAt: Date(),
                    detail: "\(stream.rawValue) of \(BundleLayout.rawLogs), \(split)", truncated: !complete || stopped))
        }
        writers = [:]
    }

    private func writer(for stream: LogStream) throws -> EvidenceFileWriter {
        if let writer = writers[stream] { return writer }
        let name: String
        switch (framing, stream) {
        case (.raw, _): name = "terminal.txt"
        case (_, .stdout): name = "stdout.txt"
        case (_, .stderr): name = "stderr.txt"
        case (_, .engineError): name = "engine-errors.txt"
        }
        let writer = try staging.createFile("\(BundleLayout.logs)/\(name)")
        writers[stream] = writer
        return writer
    }
}
