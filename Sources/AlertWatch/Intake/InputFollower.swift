import FalcoAlerts
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads JSON lines from standard input until it ends, or follows a file as it grows, like `tail -F`.
///
/// Following is done by polling, which works on every file system (inotify does not see writes over NFS or
/// from other containers' mounts): when the file has nothing new, its path is checked again. A different
/// file behind the path (rotation by rename) is switched to once the old one is read to its end; a file
/// shorter than what was read (`copytruncate`, `> file`) is read again from its start. A partial last line
/// is held until its newline arrives, and handed out as a line of its own only when its file is left behind.
///
/// Never blocks: ``read()`` answers with what is there now, so one task can poll it and still notice a stop.
package final class InputFollower {
    /// `<stdin>` or the path as given.
    package let source: String
    /// Whether the input ends (standard input) rather than being followed forever.
    package let ends: Bool
    private let path: String?
    private var descriptor: Int32
    private var identity: (device: UInt64, inode: UInt64)
    /// Bytes read from the current file.
    private var offset: Int64 = 0
    /// With `fromEnd`, the lines before this offset are read only to count them.
    private var skipUntil: Int64 = 0
    private var splitter = LineSplitter(maximumLength: AlertReader.maximumLineLength)
    /// Turns UTF-16 with a byte-order mark into UTF-8, and drops a UTF-8 byte-order mark, before lines are split.
    private var transcoder = InputTranscoder()
    private var transcoded: [UInt8] = []
    private var atEnd = false
    private let buffer: UnsafeMutableRawBufferPointer

    /// Opens `path` (`-` for standard input).
    ///
    /// - Parameter fromEnd: for a file, start with what is written from now on (the lines already there are
    ///   counted so line numbers stay true, but not handed out).
    /// - Throws: ``WatchError/inputUnreadable(path:reason:)``.
    package init(path: String, fromEnd: Bool = false, chunkSize: Int = 1 << 18) throws(WatchError) {
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(chunkSize, 1), alignment: 8)
        if path == "-" {
            source = "<stdin>"
            ends = true
            self.path = nil
            descriptor = STDIN_FILENO
            identity = (0, 0)
            return
        }
        source = path
        ends = false
        self.path = path
        guard let (opened, status) = Self.open(path) else {
            let reason = String(cString: strerror(errno)).lowercased()
            buffer.deallocate()
            throw .inputUnreadable(path: path, reason: reason)
        }
        guard status.st_mode & S_IFMT != S_IFDIR else {
            close(opened)
            buffer.deallocate()
            throw .inputUnreadable(path: path, reason: "is a directory")
        }
        descriptor = opened
        identity = (UInt64(status.st_dev), UInt64(status.st_ino))
        if fromEnd { skipUntil = Int64(status.st_size) }
    }

    deinit {
        if path != nil { close(descriptor) }
        buffer.deallocate()
    }

    /// The lines available now: empty when there is nothing new yet, `nil` once standard input has ended and
    /// every line was handed out.
    ///
    /// - Throws: ``WatchError/inputUnreadable(path:reason:)`` on a read error.
    package func read() throws(WatchError) -> [LineSplitter.Piece]? {
        if atEnd { return nil }
        var pieces: [LineSplitter.Piece] = []
        if path == nil, !Self.isReadable(descriptor) { return pieces }
        while true {
            let count = try readChunk()
            if count > 0 {
                let start = offset
                offset += Int64(count)
                feed(count, startingAt: start, into: &pieces)
                return pieces
            }
            if path == nil {
                // End of standard input: a last line without a newline still counts.
                atEnd = true
                if let last = splitter.finish() { pieces.append(last) }
                return pieces.isEmpty ? nil : pieces
            }
            // A new file behind the path, or the same one truncated, may already hold lines: read on.
            guard try checkFileBehindPath(into: &pieces) else { return pieces }
        }
    }

    /// The input's encoding when it is not plain UTF-8, for errors to name.
    package var encoding: InputEncoding? {
        transcoder.encoding.flatMap { $0 == .utf8 ? nil : $0 }
    }

    private func split(_ bytes: UnsafeRawBufferPointer, into pieces: inout [LineSplitter.Piece]) {
        if transcoder.passesThrough { return splitter.feed(bytes, into: &pieces) }
        transcoded.removeAll(keepingCapacity: true)
        transcoder.decode(bytes, into: &transcoded)
        splitter.feed(transcoded, into: &pieces)
    }

    private func readChunk() throws(WatchError) -> Int {
        while true {
            let count = systemRead(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
            throw .inputUnreadable(path: source, reason: String(cString: strerror(errno)).lowercased())
        }
    }

    /// Splits `count` new bytes read at `start`, dropping whole lines that lie before `skipUntil`.
    private func feed(_ count: Int, startingAt start: Int64, into pieces: inout [LineSplitter.Piece]) {
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
        guard start < skipUntil else {
            split(bytes, into: &pieces)
            return
        }
        var skipped: [LineSplitter.Piece] = []
        let cut = Int(min(skipUntil - start, Int64(count)))
        split(UnsafeRawBufferPointer(rebasing: bytes[0..<cut]), into: &skipped)
        split(UnsafeRawBufferPointer(rebasing: bytes[cut...]), into: &pieces)
    }

    /// At the end of the current file: switch to a new file behind the path, or start again after truncation.
    ///
    /// - Returns: whether there is a new start to read from.
    private func checkFileBehindPath(into pieces: inout [LineSplitter.Piece]) throws(WatchError) -> Bool {
        guard let path else { return false }
        var current = stat()
        if fstat(descriptor, &current) == 0, Int64(current.st_size) < offset {
            // Truncated in place: what follows is new content from its first line.
            if let last = splitter.finish() { pieces.append(last) }
            lseek(descriptor, 0, SEEK_SET)
            offset = 0
            skipUntil = 0
            splitter.restartNumbering()
            transcoder = InputTranscoder()
            return true
        }
        var named = stat()
        // Not there (between a rename and the new file's creation): keep the old file and look again later.
        guard stat(path, &named) == 0 else { return false }
        guard (UInt64(named.st_dev), UInt64(named.st_ino)) != identity else { return false }
        guard let (opened, status) = Self.open(path) else { return false }
        // Rotated: the old file was read to its end just now; its unfinished line will never be finished.
        if let last = splitter.finish() { pieces.append(last) }
        close(descriptor)
        descriptor = opened
        identity = (UInt64(status.st_dev), UInt64(status.st_ino))
        offset = 0
        skipUntil = 0
        splitter.restartNumbering()
        transcoder = InputTranscoder()
        return true
    }

    private static func open(_ path: String) -> (Int32, stat)? {
        let descriptor = systemOpen(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let saved = errno
            close(descriptor)
            errno = saved
            return nil
        }
        return (descriptor, status)
    }

    /// Whether a read of `descriptor` would return at once (data, end of input or an error).
    private static func isReadable(_ descriptor: Int32) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&entry, 1, 0) > 0
    }
}

/// One task reads a follower at a time.
@available(*, unavailable)
extension InputFollower: Sendable {}

// The class's own `read()` hides the C function of the same name inside it.
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}

private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
