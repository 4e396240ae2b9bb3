import Crypto
import Foundation
import Investigation

/// SHA-256 and size of a file's bytes, as `sha256sum` and `stat` would give them.
package struct FileDigest: Sendable, Hashable, Codable {
    package var sha256: String
    package var size: Int64

    package init(sha256: String, size: Int64) {
        self.sha256 = sha256
        self.size = size
    }

    /// The digest of no bytes at all (a body-less answer).
    package static let empty = FileDigest(sha256: SHA256().finalize().hexString, size: 0)

    /// Hashes a file in chunks, never following a symlink at `path` and refusing anything that is
    /// not a regular file: a bundle is read the way it was written, link by link.
    package static func ofFile(atPath path: String, isCancelled: () -> Bool = { false }) throws(EvidenceBundleError)
        -> FileDigest
    {
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw .cannotRead(path: path, reason: lastError()) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw .cannotRead(path: path, reason: "not a regular file")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var hasher = SHA256()
        var size: Int64 = 0
        while true {
            if isCancelled() { throw .cannotRead(path: path, reason: "interrupted while hashing") }
            let count = read(descriptor, buffer.baseAddress, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw .cannotRead(path: path, reason: lastError())
            }
            if count == 0 { break }
            hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            size += Int64(count)
        }
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }
}

/// One file being written into a bundle: created new (`O_EXCL`, never through a symlink), hashed as
/// its bytes go out, and given its final mode before it is closed.
///
/// Bytes are gathered into 1 MiB blocks. A file that grows past one block is written with `O_DIRECT`
/// where the file system allows it: acquired files and logs run to gigabytes that nobody reads back
/// at once, and on a virtual machine each fresh page-cache page is costly (there, buffered writes of
/// 512 MiB took six times as long). Small files are written once, through the page cache.
///
/// A class because it owns an open descriptor and a buffer; it is used by one thread at a time.
package final class EvidenceFileWriter {
    /// The path inside the bundle, e.g. `files/payload`.
    package let relativePath: String
    private var descriptor: Int32
    private var hasher = SHA256()
    private let finalMode: mode_t
    private let block: UnsafeMutableRawBufferPointer
    private var blockCount = 0
    /// Bytes already handed to the file.
    private var flushed: Int64 = 0
    private var isDirect = false
    package private(set) var size: Int64 = 0

    static let blockSize = 1 << 20
    /// `O_DIRECT` offsets and lengths must be multiples of the device's block size; 4 KiB covers them.
    static let directAlignment = 4096

    /// Creates `path`, which must not exist.
    ///
    /// - Parameter mode: the mode the file ends with (`0o600`, or `0o400` for acquired files); it is
    ///   also the creation mode, so the file is never more open than that.
    init(path: String, relativePath: String, mode: mode_t) throws(EvidenceBundleError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)
        guard descriptor >= 0 else { throw .writeFailed(path: relativePath, reason: lastError()) }
        self.descriptor = descriptor
        self.relativePath = relativePath
        self.finalMode = mode
        self.block = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.blockSize, alignment: Self.directAlignment)
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
        block.deallocate()
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(EvidenceBundleError) {
        guard !bytes.isEmpty else { return }
        guard descriptor >= 0 else { throw .writeFailed(path: relativePath, reason: "already closed") }
        hasher.update(bufferPointer: bytes)
        size += Int64(bytes.count)
        var index = 0
        while index < bytes.count {
            let take = min(bytes.count - index, Self.blockSize - blockCount)
            UnsafeMutableRawBufferPointer(rebasing: block[blockCount..<blockCount + take])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[index..<index + take]))
            blockCount += take
            index += take
            if blockCount == Self.blockSize {
                if !isDirect { isDirect = Self.setDirect(descriptor, true) }
                try flush(Self.blockSize)
            }
        }
    }

    package func write(_ bytes: some ContiguousBytes) throws(EvidenceBundleError) {
        let result: Result<Void, EvidenceBundleError> = bytes.withUnsafeBytes { buffer in
            do throws(EvidenceBundleError) {
                try write(buffer)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Writes what is left, sets the final mode, closes the file and returns what was written.
    package func finish() throws(EvidenceBundleError) -> FileDigest {
        guard descriptor >= 0 else { throw .writeFailed(path: relativePath, reason: "already closed") }
        if blockCount > 0 {
            if isDirect {
                // The last block is padded to the alignment, then the file is cut back to its size.
                let padded = (blockCount + Self.directAlignment - 1) / Self.directAlignment * Self.directAlignment
                UnsafeMutableRawBufferPointer(rebasing: block[blockCount..<padded]).initializeMemory(
                    as: UInt8.self, repeating: 0)
                try flush(padded)
                guard ftruncate(descriptor, off_t(size)) == 0 else {
                    throw .writeFailed(path: relativePath, reason: lastError())
                }
            } else {
                try flush(blockCount)
            }
        }
        let descriptor = self.descriptor
        self.descriptor = -1
        // The creation mode is filtered by the umask; the evidence modes are not a matter of taste.
        let modeSet = fchmod(descriptor, finalMode) == 0
        let closed = close(descriptor) == 0
        guard modeSet, closed else { throw .writeFailed(path: relativePath, reason: lastError()) }
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }

    /// Writes the first `count` bytes of the block at the end of the file.
    private func flush(_ count: Int) throws(EvidenceBundleError) {
        var done = 0
        while done < count {
            guard let base = block.baseAddress else { return }
            let written = pwrite(descriptor, base + done, count - done, off_t(flushed) + off_t(done))
            if written < 0 {
                if errno == EINTR { continue }
                // A file system that accepted O_DIRECT but not this write: go on through the page cache.
                if errno == EINVAL, isDirect, Self.setDirect(descriptor, false) {
                    isDirect = false
                    continue
                }
                throw .writeFailed(path: relativePath, reason: lastError())
            }
            done += written
        }
        flushed += Int64(min(count, blockCount))
        blockCount = 0
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

/// `strerror(errno)`, for messages.
func lastError() -> String {
    String(cString: strerror(errno))
}
