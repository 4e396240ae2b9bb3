import Crypto
import Foundation
import Investigation

/// Where a body's bytes go on their way up: a SHA-256 of everything kept, and the body's tap.
///
/// For long bodies (archives, logs) the hashing and the tap each run on a thread of their own: the
/// transfer's thread already records the body and the investigation reads it, and the tap hashes
/// and writes what it extracts. Done one after another, that work fell behind the engine, whose
/// answer then waited in the socket. Chunks (16 KiB from libcurl) are gathered into 1 MiB blocks,
/// which both workers read, so the threads meet once a MiB rather than once a chunk; at most
/// `maxQueuedBlocks` blocks wait, so memory stays flat and a slow tap slows the transfer down rather
/// than growing the queue.
final class BodySink: @unchecked Sendable {
    // @unchecked: `hasher` and `size` are used by the hashing worker only, and `tap` by the tap
    // worker only, until `finish` or `abandon` has joined them; `filling` only by the feeding
    // thread; everything else under `condition`.

    static let blockSize = 1 << 20
    static let maxQueuedBlocks = 4

    private enum Worker: Int, CaseIterable {
        case hashing, tapping
    }

    private var hasher = SHA256()
    private var size: Int64 = 0
    private let tap: (any BodyTap)?
    private let inBackground: Bool
    private var filling: [UInt8] = []
    private let condition = NSCondition()
    /// Blocks not yet read by every worker, oldest first, with how many workers still have to.
    private var queue: [(block: [UInt8], readers: Int)] = []
    /// The sequence number of `queue[0]`, and of the next block each worker reads.
    private var firstInQueue = 0
    private var nextBlock = [0, 0]
    private var spare: [[UInt8]] = []
    private var isClosed = false
    private var running = 0
    private var failure: (any Error)?

    /// - Parameter background: hash and tap on worker threads.
    init(tap: (any BodyTap)?, background: Bool) {
        self.tap = tap
        self.inBackground = background
        if background {
            filling.reserveCapacity(Self.blockSize)
            running = Worker.allCases.count
            for worker in Worker.allCases { Thread { [self] in work(as: worker) }.start() }
        }
    }

    /// Takes a chunk. Throws the tap's failure, if it failed.
    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard inBackground else {
            hash(chunk)
            try tap?.feed(chunk)
            return
        }
        filling.append(contentsOf: chunk)
        if filling.count >= Self.blockSize { try hand(over: true) }
    }

    /// Waits for the workers, ends the tap and returns the digest of every byte fed.
    func finish(complete: Bool) throws -> FileDigest {
        if inBackground { try hand(over: false) }
        try join()
        try tap?.finish(complete: complete)
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }

    /// After a failed transfer: stops the workers and ends the tap, whatever they still throw.
    func abandon() {
        if inBackground { try? hand(over: false) }
        try? join()
        try? tap?.finish(complete: false)
    }

    private func hash(_ chunk: UnsafeRawBufferPointer) {
        hasher.update(bufferPointer: chunk)
        size += Int64(chunk.count)
    }

    /// Queues the block being filled (waiting for room) and starts a new one from the spares.
    private func hand(over refill: Bool) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.maxQueuedBlocks && failure == nil { condition.wait() }
        if let failure { throw failure }
        if !filling.isEmpty { queue.append((filling, Worker.allCases.count)) }
        filling = refill ? (spare.popLast() ?? []) : []
        if refill && filling.capacity < Self.blockSize { filling.reserveCapacity(Self.blockSize) }
        condition.broadcast()
    }

    private func join() throws {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        if let failure { throw failure }
    }

    private func work(as worker: Worker) {
        /// Where this worker's next block is in the queue (under the lock: blocks ahead of it leave).
        func position() -> Int { nextBlock[worker.rawValue] - firstInQueue }
        condition.lock()
        while failure == nil {
            while position() >= queue.count && !isClosed && failure == nil { condition.wait() }
            guard position() < queue.count, failure == nil else { break }
            // A second reference to the block: reading it copies nothing.
            var block: [UInt8]? = queue[position()].block
            condition.unlock()
            var failed: (any Error)?
            block?.withUnsafeBytes { bytes in
                switch worker {
                case .hashing: hash(bytes)
                case .tapping:
                    do { try tap?.feed(bytes) } catch { failed = error }
                }
            }
            // Dropped before the block can become a spare, or refilling it would copy it.
            block = nil
            condition.lock()
            queue[position()].readers -= 1
            nextBlock[worker.rawValue] += 1
            while let first = queue.first, first.readers == 0 {
                var emptied = queue.removeFirst().block
                emptied.removeAll(keepingCapacity: true)
                spare.append(emptied)
                firstInQueue += 1
            }
            if let failed, failure == nil { failure = failed }
            condition.broadcast()
        }
        running -= 1
        condition.broadcast()
        condition.unlock()
    }
}
