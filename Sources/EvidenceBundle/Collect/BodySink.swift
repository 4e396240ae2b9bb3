import Crypto
import Foundation
import Investigation

/// Where a body's bytes go on their way up: a SHA-256 of everything kept, and the body's tap.
///
/// For long bodies (archives, logs) the hashing and the tap run on a thread of their own: the
/// transfer's thread already records the body and the investigation reads it, and that work and
/// ours would otherwise take turns on one core while the engine waits. Chunks (16 KiB from libcurl)
/// are gathered into 1 MiB blocks, so the two threads meet once a MiB rather than once a chunk, and
/// at most `maxQueuedBlocks` blocks wait: memory stays flat, and a slow tap slows the transfer
/// down rather than growing the queue.
final class BodySink: @unchecked Sendable {
    // @unchecked: `hasher`, `size` and `tap` are used by the worker thread only, until `finish` or
    // `abandon` has joined it; `filling` only by the feeding thread; everything else under `condition`.

    static let blockSize = 1 << 20
    static let maxQueuedBlocks = 4

    private var hasher = SHA256()
    private var size: Int64 = 0
    private let tap: (any BodyTap)?
    private let inBackground: Bool
    private var filling: [UInt8] = []
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var spare: [[UInt8]] = []
    private var isClosed = false
    private var isRunning = false
    private var failure: (any Error)?

    /// - Parameter background: run hashing and the tap on a worker thread.
    init(tap: (any BodyTap)?, background: Bool) {
        self.tap = tap
        self.inBackground = background
        if background {
            filling.reserveCapacity(Self.blockSize)
            isRunning = true
            Thread { [self] in work() }.start()
        }
    }

    /// Takes a chunk. Throws the tap's failure, if it failed.
    func feed(_ chunk: UnsafeRawBufferPointer) throws {
        guard inBackground else {
            try consume(chunk)
            return
        }
        filling.append(contentsOf: chunk)
        if filling.count >= Self.blockSize { try hand(over: true) }
    }

    /// Waits for the worker, ends the tap and returns the digest of every byte fed.
    func finish(complete: Bool) throws -> FileDigest {
        if inBackground { try hand(over: false) }
        try join()
        try tap?.finish(complete: complete)
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }

    /// After a failed transfer: stops the worker and ends the tap, whatever they still throw.
    func abandon() {
        if inBackground { try? hand(over: false) }
        try? join()
        try? tap?.finish(complete: false)
    }

    private func consume(_ chunk: UnsafeRawBufferPointer) throws {
        hasher.update(bufferPointer: chunk)
        size += Int64(chunk.count)
        try tap?.feed(chunk)
    }

    /// Queues the block being filled (waiting for room) and starts a new one from the spares.
    private func hand(over refill: Bool) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= Self.maxQueuedBlocks && failure == nil { condition.wait() }
        if let failure { throw failure }
        if !filling.isEmpty { queue.append(filling) }
        filling = refill ? (spare.popLast() ?? []) : []
        if refill && filling.capacity < Self.blockSize { filling.reserveCapacity(Self.blockSize) }
        condition.broadcast()
    }

    private func join() throws {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        condition.broadcast()
        while isRunning { condition.wait() }
        if let failure { throw failure }
    }

    private func work() {
        condition.lock()
        while true {
            while queue.isEmpty && !isClosed { condition.wait() }
            guard !queue.isEmpty else { break }
            var block = queue.removeFirst()
            condition.broadcast()
            condition.unlock()
            var failed: (any Error)?
            do { try block.withUnsafeBytes { try consume($0) } } catch { failed = error }
            block.removeAll(keepingCapacity: true)
            condition.lock()
            spare.append(block)
            if let failed {
                failure = failed
                break
            }
        }
        queue.removeAll()
        isRunning = false
        condition.broadcast()
        condition.unlock()
    }
}
