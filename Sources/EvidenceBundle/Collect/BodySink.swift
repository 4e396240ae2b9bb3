import Crypto
import DockerEngine
import Foundation
import Investigation

/// Where a body's bytes go on their way up: a SHA-256 of everything kept, and the body's tap.
///
/// For long bodies (archives, logs) the hashing and the tap each run on a thread of their own: the
/// transfer's thread already records the body and the investigation reads it, and the tap hashes
/// and writes what it extracts. Done one after another, that work fell behind the engine, whose
/// answer then waited in the socket. Chunks (16 KiB from libcurl) are gathered into 1 MiB blocks,
/// which both threads read (see `BlockRelay`), so the threads meet once a MiB rather than once a
/// chunk, memory stays flat and a slow tap slows the transfer down rather than growing a queue.
final class BodySink {
    static let blockSize = 1 << 20
    static let maxQueuedBlocks = 4

    private let digest = RunningDigest()
    private let tap: (any BodyTap)?
    /// Nil when the hashing and the tap run on the feeding thread.
    private let relay: BlockRelay<[UInt8]>?
    private var filling: [UInt8] = []

    /// - Parameter background: hash and tap on threads of their own.
    init(tap: (any BodyTap)?, background: Bool) {
        self.tap = tap
        guard background else {
            relay = nil
            return
        }
        relay = BlockRelay(
            capacity: Self.maxQueuedBlocks,
            readers: [
                { [digest] block in block.withUnsafeBytes { digest.add($0) } },
                { block in try block.withUnsafeBytes { try tap?.feed($0) } },
            ])
        filling.reserveCapacity(Self.blockSize)
    }

    /// Takes a chunk. Throws the tap's failure, if it failed.
    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard let relay else {
            digest.add(chunk)
            try tap?.feed(chunk)
            return
        }
        filling.append(contentsOf: chunk)
        guard filling.count >= Self.blockSize else { return }
        filling = try relay.put(filling) ?? []
        filling.removeAll(keepingCapacity: true)
        if filling.capacity < Self.blockSize { filling.reserveCapacity(Self.blockSize) }
    }

    /// Waits for the threads, ends the tap and returns the digest of every byte fed.
    func finish(complete: Bool) throws -> FileDigest {
        try flush()
        try tap?.finish(complete: complete)
        return digest.value
    }

    /// After a failed transfer: stops the threads and ends the tap, whatever they still throw.
    func abandon() {
        try? flush()
        try? tap?.finish(complete: false)
    }

    /// Hands over the last, partial block and waits until both threads have read everything.
    private func flush() throws {
        guard let relay else { return }
        defer { filling = [] }
        if !filling.isEmpty {
            do { _ = try relay.put(filling) } catch {
                try? relay.close()
                throw error
            }
        }
        try relay.close()
    }
}

/// A SHA-256 and a byte count, added to as bytes pass.
private final class RunningDigest: @unchecked Sendable {
    // @unchecked: one thread adds at a time, and `value` is read after it has stopped.
    private var hasher = SHA256()
    private var size: Int64 = 0

    func add(_ bytes: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
    }

    var value: FileDigest { FileDigest(sha256: hasher.finalize().hexString, size: size) }
}
