import Foundation

/// A new file written in 1 MiB blocks: once it grows past one block, with `O_DIRECT` where the file
/// system allows it, and from a thread of its own.
///
/// Recorded archives, acquired files and logs run to gigabytes that nobody reads back at once. On a
/// virtual machine each fresh page-cache page is costly (buffered writes of 512 MiB took up to six
/// times as long, and varied from run to run), and the copy into the page cache was most of the
/// time of the thread that reads the engine's answer: while it wrote, the engine waited. So large
/// files bypass the page cache, and their blocks are written while the next ones fill (see
/// `BlockRelay`; at most `maxQueuedBlocks` wait). A small file is written once, through the page
/// cache, and never starts a thread.
///
/// A class because it owns a descriptor, buffers and a thread; one thread at a time writes to it.
package final class BlockFileWriter {
    /// Why a write failed (`strerror`); the owner says which file in its own module's error.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        package var reason: String
        package var description: String { reason }
    }

    static let blockSize = 1 << 20
    static let maxQueuedBlocks = 2
    /// `O_DIRECT` offsets and lengths must be multiples of the device's block size; 4 KiB covers them.
    static let directAlignment = 4096

    private let disk: Disk
    private let relay: BlockRelay<Disk.Block>
    private var filling: UnsafeMutableRawBufferPointer
    private var fillCount = 0
    /// Where `filling` goes in the file.
    private var blockOffset: Int64 = 0
    /// Every buffer, freed only once the writing thread has stopped.
    private var buffers: [UnsafeMutableRawBufferPointer]
    private var isFinished = false

    package var size: Int64 { blockOffset + Int64(fillCount) }

    /// Creates `path`, which must not exist (`O_EXCL`, never through a symlink), with `mode`.
    package init(creating path: String, mode: mode_t) throws(Failure) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw Disk.failure() }
        let disk = Disk(descriptor)
        self.disk = disk
        // The thread holds the disk, never this writer, so a writer dropped mid-file still stops it.
        relay = BlockRelay(capacity: Self.maxQueuedBlocks, readers: [{ block in try disk.write(block) }])
        filling = Self.allocate()
        buffers = [filling]
    }

    deinit {
        try? relay.close()
        if !isFinished { close(disk.descriptor) }
        for buffer in buffers { buffer.deallocate() }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(Failure) {
        guard !isFinished else { throw Failure(reason: "already closed") }
        var index = 0
        while index < bytes.count {
            let take = min(bytes.count - index, Self.blockSize - fillCount)
            UnsafeMutableRawBufferPointer(rebasing: filling[fillCount..<fillCount + take])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[index..<index + take]))
            fillCount += take
            index += take
            if fillCount == Self.blockSize {
                let block = Disk.Block(buffer: filling, count: fillCount, offset: blockOffset)
                let written = try Self.relayed { try relay.put(block) }
                filling = written?.buffer ?? Self.allocate()
                if written == nil { buffers.append(filling) }
                blockOffset += Int64(fillCount)
                fillCount = 0
            }
        }
    }

    /// Writes what is left, waits until every block is written, gives the file `mode` if asked
    /// (the creation mode went through the umask) and closes it.
    package func finish(mode: mode_t? = nil) throws(Failure) {
        guard !isFinished else { throw Failure(reason: "already closed") }
        isFinished = true
        defer { close(disk.descriptor) }
        try Self.relayed { try relay.close() }
        if fillCount > 0 { try disk.write(Disk.Block(buffer: filling, count: fillCount, offset: blockOffset)) }
        // A last block written directly was padded to the alignment: cut the file back to its size.
        if disk.triedDirect, ftruncate(disk.descriptor, off_t(size)) != 0 { throw Disk.failure() }
        if let mode, fchmod(disk.descriptor, mode) != 0 { throw Disk.failure() }
    }

    private static func allocate() -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: directAlignment)
    }

    /// The relay passes on whatever its reader threw, which here is always a `Failure`.
    private static func relayed<Value>(_ body: () throws -> Value) throws(Failure) -> Value {
        do { return try body() } catch let failure as Failure { throw failure } catch {
            throw Failure(reason: String(describing: error))
        }
    }
}

/// The descriptor, and how to write a block to it: on the relay's thread while it runs, on the
/// owner's after it has stopped, never on both at once.
private final class Disk {
    struct Block {
        var buffer: UnsafeMutableRawBufferPointer
        var count: Int
        var offset: Int64
    }

    let descriptor: Int32
    private(set) var triedDirect = false
    private var isDirect = false

    init(_ descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Writes one block at its offset: directly once the file has a full block, padded to the
    /// alignment when it is the short last one.
    func write(_ block: Block) throws(BlockFileWriter.Failure) {
        if !triedDirect && block.count == BlockFileWriter.blockSize {
            triedDirect = true
            isDirect = Self.setDirect(descriptor, true)
        }
        var count = block.count
        let alignment = BlockFileWriter.directAlignment
        if isDirect && count % alignment != 0 {
            let padded = (count + alignment - 1) / alignment * alignment
            UnsafeMutableRawBufferPointer(rebasing: block.buffer[count..<padded]).initializeMemory(
                as: UInt8.self, repeating: 0)
            count = padded
        }
        guard let base = block.buffer.baseAddress else { return }
        var done = 0
        while done < count {
            let written = pwrite(descriptor, base + done, count - done, off_t(block.offset) + off_t(done))
            if written < 0 {
                if errno == EINTR { continue }
                // A file system that accepted O_DIRECT but not this write: go on through the page cache.
                if errno == EINVAL, isDirect, Self.setDirect(descriptor, false) {
                    isDirect = false
                    continue
                }
                throw Self.failure()
            }
            done += written
        }
    }

    static func failure() -> BlockFileWriter.Failure {
        BlockFileWriter.Failure(reason: String(cString: strerror(errno)))
    }

    /// Turns `O_DIRECT` on or off; false when the file system (or this platform) refuses.
    private static func setDirect(_ descriptor: Int32, _ on: Bool) -> Bool {
        guard let flag = directFlag else { return false }
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0 else { return false }
        return fcntl(descriptor, F_SETFL, on ? flags | flag : flags & ~flag) == 0
    }

    /// Linux's `O_DIRECT`, which Swift's Glibc module does not import; its value differs by architecture.
    private static let directFlag: Int32? = {
        #if os(Linux) && arch(x86_64)
            return 0o40000
        #elseif os(Linux) && arch(arm64)
            return 0o200000
        #else
            return nil
        #endif
    }()
}
