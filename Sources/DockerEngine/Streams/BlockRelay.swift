import Foundation

/// Hands full blocks from one thread to readers that each run on a thread of their own and each
/// read every block, in order: the hashing and extracting of a collected body, the writing of a
/// large file.
///
/// At most `capacity` blocks wait, so memory stays flat and a slow reader slows the producer down
/// rather than growing the queue. A block every reader has finished with comes back from `put`, to
/// be filled again. The threads start with the first block, so a body that never fills one starts
/// none. They hold the readers, never the relay's owner.
package final class BlockRelay<Block>: @unchecked Sendable {
    // @unchecked: all state is under `condition`; a block is read outside it only by readers that
    // have not yet counted it as read, and the producer gets it back only after all have.

    package typealias Reader = (Block) throws -> Void

    private let readers: [Reader]
    private let capacity: Int
    private let condition = NSCondition()
    /// Blocks not yet read by every reader, oldest first, with how many readers still have to.
    private var queue: [(block: Block, unread: Int)] = []
    /// The sequence number of `queue[0]`, and of the next block each reader reads.
    private var firstInQueue = 0
    private var nextBlock: [Int]
    private var readBlocks: [Block] = []
    private var running = 0
    private var isStarted = false
    private var isClosed = false
    private var failure: (any Error)?

    package init(capacity: Int, readers: [Reader]) {
        self.capacity = capacity
        self.readers = readers
        self.nextBlock = Array(repeating: 0, count: readers.count)
    }

    /// Queues a full block, waiting for room; returns a block every reader is done with, if one is
    /// free. Throws the first reader's failure, if one failed.
    package func put(_ block: Block) throws -> Block? {
        condition.lock()
        defer { condition.unlock() }
        if !isStarted {
            isStarted = true
            running = readers.count
            for index in readers.indices { Thread { [self] in read(as: index) }.start() }
        }
        while queue.count >= capacity && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append((block, readers.count))
        condition.broadcast()
        return readBlocks.popLast()
    }

    /// Waits until every reader has read every block (or one failed) and its thread has ended;
    /// throws the first failure.
    package func close() throws {
        condition.lock()
        defer { condition.unlock() }
        isClosed = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        if let failure { throw failure }
    }

    private func read(as index: Int) {
        // Where this reader's next block is in the queue (under the lock: blocks ahead of it leave).
        func position() -> Int { nextBlock[index] - firstInQueue }
        condition.lock()
        while failure == nil {
            while position() >= queue.count && !isClosed && failure == nil { condition.wait() }
            guard position() < queue.count, failure == nil else { break }
            var block: Block? = queue[position()].block
            condition.unlock()
            var failed: (any Error)?
            do { try readers[index](block!) } catch { failed = error }
            // Let go of it before it can go back to the producer: a copy-on-write block still held
            // here would be copied when refilled.
            block = nil
            condition.lock()
            queue[position()].unread -= 1
            nextBlock[index] += 1
            while let first = queue.first, first.unread == 0 {
                readBlocks.append(queue.removeFirst().block)
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
