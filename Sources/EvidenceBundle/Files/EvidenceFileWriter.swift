import Crypto
import DockerEngine
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
/// its bytes go out, and given its final mode before it is closed. Large files bypass the page cache
/// and are written from a thread of their own (see `BlockFileWriter`).
///
/// A class because it owns an open file; it is used by one thread at a time.
package final class EvidenceFileWriter {
    /// The path inside the bundle, e.g. `files/payload`.
    package let relativePath: String
    private let file: BlockFileWriter
    private var hasher = SHA256()
    private let finalMode: mode_t

    package var size: Int64 { file.size }

    /// Creates `path`, which must not exist.
    ///
    /// - Parameter mode: the mode the file ends with (`0o600`, or `0o400` for acquired files); it is
    ///   also the creation mode, so the file is never more open than that.
    init(path: String, relativePath: String, mode: mode_t) throws(EvidenceBundleError) {
        self.relativePath = relativePath
        self.finalMode = mode
        do { file = try BlockFileWriter(creating: path, mode: mode) } catch {
            throw .writeFailed(path: relativePath, reason: error.reason)
        }
    }

    package func write(_ bytes: UnsafeRawBufferPointer) throws(EvidenceBundleError) {
        hasher.update(bufferPointer: bytes)
        do { try file.write(bytes) } catch { throw .writeFailed(path: relativePath, reason: error.reason) }
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
        // The creation mode is filtered by the umask; the evidence modes are not a matter of taste.
        do { try file.finish(mode: finalMode) } catch {
            throw .writeFailed(path: relativePath, reason: error.reason)
        }
        return FileDigest(sha256: hasher.finalize().hexString, size: size)
    }
}

/// `strerror(errno)`, for messages.
func lastError() -> String {
    String(cString: strerror(errno))
}
