import DockerEngine
import Foundation
import Investigation
import SafeText

/// The collection's view of the wire, placed under the recorder (and under the collector's own
/// client): every body is hashed as it streams, counted for progress and cut at its cap, archive
/// bodies are extracted and log bodies demultiplexed on the way, and a transfer the engine breaks
/// off is kept as the collection's failure. So nothing is read twice, and no recording holds more
/// than the bundle accounts for.
final class CollectionTransport: EngineTransport {
    /// What this transport does with the bodies that pass.
    struct Plan: Sendable {
        var connection: CollectionJournal.Connection
        var staging: StagingFolder
        var maxFileBytes: Int64
        var maxLogBytes: Int64
        /// How many files one archive may yield.
        var maxArchiveEntries: Int

        /// Headers, pax records and end blocks of a one-file archive fit well within this.
        static let archiveOverhead: Int64 = 64 << 10

        /// The most body bytes kept for a request: the caps apply to archives and logs only.
        func cap(for kind: RequestKind) -> Int64? {
            switch kind {
            case .archive: return maxFileBytes + Self.archiveOverhead
            case .logs: return maxLogBytes
            case .other: return nil
            }
        }
    }

    let live: any EngineTransport
    let journal: CollectionJournal
    let plan: Plan

    var endpoint: EngineEndpoint { live.endpoint }

    init(live: any EngineTransport, journal: CollectionJournal, plan: Plan) {
        self.live = live
        self.journal = journal
        self.plan = plan
    }

    /// A cap was reached: stop the transfer, but as a success with the bytes so far.
    private struct CapReached: Error {}

    /// Who threw: the reader above us (its own decision, e.g. a malformed tar) or our tap (a write
    /// failed). Anything else came from the transport: the engine or the connection failed.
    private enum FailureOrigin {
        case reader, tap
    }

    func send(
        _ request: EngineRequest,
        apiVersion: String?,
        head onHead: (ResponseHead) throws -> Void,
        body onBody: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let target = request.target(apiVersion: apiVersion)
        let described = "\(request.method) \(target)"
        let kind = RequestKind(request)
        let cap = plan.cap(for: kind)
        let started = Date()
        var transfer = CollectionJournal.Transfer(
            connection: plan.connection, method: request.method.rawValue, target: target, occurrence: 0,
            started: started, seconds: 0, status: nil, bytes: 0, digest: nil, cappedAt: nil, engineDate: nil, error: nil
        )
        // Replaced by one with a tap once a successful answer's head says what the body is.
        var sink = BodySink(tap: nil, background: false)
        var origin: FailureOrigin?

        do {
            try live.send(
                request, apiVersion: apiVersion,
                head: { head in
                    transfer.status = head.status
                    transfer.engineDate = head.header("Date")
                    transfer.occurrence = journal.nextOccurrence(
                        plan.connection, method: transfer.method, target: target)
                    do { try onHead(head) } catch {
                        origin = .reader
                        throw error
                    }
                    // Only after the reader accepted the answer: it may refuse it (not a regular file).
                    if head.isSuccess {
                        do {
                            if let tap = try makeTap(kind, producer: described, head: head) {
                                sink = BodySink(tap: tap, background: true)
                            }
                        } catch {
                            origin = .tap
                            throw error
                        }
                    }
                },
                body: { chunk in
                    var piece = chunk
                    if let cap, transfer.bytes + Int64(chunk.count) > cap {
                        piece = UnsafeRawBufferPointer(rebasing: chunk[0..<Int(cap - transfer.bytes)])
                        transfer.cappedAt = cap
                    }
                    transfer.bytes += Int64(piece.count)
                    journal.received(piece.count)
                    if !piece.isEmpty {
                        do { try sink.feed(piece) } catch {
                            origin = .tap
                            throw error
                        }
                        do { try onBody(piece) } catch {
                            origin = .reader
                            throw error
                        }
                    }
                    if transfer.cappedAt != nil { throw CapReached() }
                })
        } catch is CapReached {
            // The cap is a decision, not a failure: what arrived is kept and marked as cut.
        } catch {
            transfer.seconds = Date().timeIntervalSince(started)
            transfer.error = String(describing: error)
            sink.abandon()
            journal.record(transfer)
            if origin != .reader { journal.fail(Self.sendable(error)) }
            throw error
        }

        do { transfer.digest = try sink.finish(complete: transfer.cappedAt == nil) } catch {
            transfer.error = String(describing: error)
            journal.record(transfer)
            journal.fail(Self.sendable(error))
            throw error
        }
        // The time the body took to be received and processed: what the bundle cost, not just the wire.
        transfer.seconds = Date().timeIntervalSince(started)
        journal.record(transfer)
        if transfer.cappedAt != nil { journal.capReached("\(described): first \(transfer.bytes) bytes kept") }
    }

    /// The tap for a successful answer's body, if this kind of body has one here.
    private func makeTap(_ kind: RequestKind, producer: String, head: ResponseHead) throws -> (any BodyTap)? {
        switch kind {
        case .archive(let path):
            // The investigation's archive body is kept by the recorder (and linked into files/
            // later); the collector's own are not recorded, so the tap keeps the raw tar itself.
            var raw: EvidenceFileWriter?
            if plan.connection == .direct {
                let name = journal.fileNames.claim(SafeName.make(path, fallback: "file") + ".tar")
                raw = try plan.staging.createFile("\(BundleLayout.files)/\(name)", mode: 0o400)
            }
            let stat = head.header(PathStat.headerName).flatMap { try? PathStat(headerValue: $0) }
            let extractor = ArchiveExtractor(
                containerPath: path, producer: producer, staging: plan.staging, journal: journal,
                maxFileBytes: plan.maxFileBytes, maxEntries: plan.maxArchiveEntries, stat: stat,
                sharesDigest: plan.connection == .recorded)
            return ArchiveTap(extractor: extractor, raw: raw, producer: producer, containerPath: path, journal: journal)
        case .logs:
            guard plan.connection == .recorded else { return nil }
            guard let framing = journal.logFraming else {
                journal.note(
                    "the logs were kept as received but not demultiplexed: the investigation did not say how they are framed")
                return nil
            }
            return try LogTap(framing: framing, producer: producer, staging: plan.staging, journal: journal)
        case .other:
            return nil
        }
    }

    private static func sendable(_ error: any Error) -> any Error & Sendable {
        if let error = error as? DockerEngineError { return error }
        if let error = error as? EvidenceBundleError { return error }
        return EvidenceBundleError.writeFailed(path: "the bundle", reason: String(describing: error))
    }
}

/// The engine requests whose bodies a collection treats specially.
enum RequestKind: Equatable {
    /// `GET /containers/{id}/archive?path=P`.
    case archive(path: String)
    /// `GET /containers/{id}/logs`.
    case logs
    case other

    init(_ request: EngineRequest) {
        let segments = request.segments
        guard request.method == .get, segments.count == 3, segments[0] == "containers" else {
            self = .other
            return
        }
        switch segments[2] {
        case "archive":
            self = .archive(path: request.query.first { $0.name == "path" }?.value ?? "")
        case "logs":
            self = .logs
        default:
            self = .other
        }
    }
}

/// Something that reads a body as it streams past.
protocol BodyTap: AnyObject {
    /// A chunk of a successful answer's body. Throws only when the bundle cannot be written.
    func feed(_ chunk: UnsafeRawBufferPointer) throws
    /// The body ended; `complete` is false when a cap or a failure cut it.
    func finish(complete: Bool) throws
}

/// An archive body: the raw tar (when nobody else keeps it) and the files extracted from it.
final class ArchiveTap: BodyTap {
    private let extractor: ArchiveExtractor
    private let raw: EvidenceFileWriter?
    private let producer: String
    private let containerPath: String
    private let journal: CollectionJournal

    init(
        extractor: ArchiveExtractor, raw: EvidenceFileWriter?, producer: String, containerPath: String,
        journal: CollectionJournal
    ) {
        self.extractor = extractor
        self.raw = raw
        self.producer = producer
        self.containerPath = containerPath
        self.journal = journal
    }

    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        try raw?.write(chunk)
        try extractor.feed(chunk)
    }

    func finish(complete: Bool) throws {
        if let raw {
            let digest = try raw.finish()
            journal.add(
                .init(
                    path: raw.relativePath, digest: digest, kind: .archive, producer: producer, acquiredAt: Date(),
                    detail: "the archive of \(TerminalText.escaped(containerPath, limit: 200)) in the container, as received",
                    truncated: !complete))
        }
        try extractor.finish(complete: complete)
    }
}
