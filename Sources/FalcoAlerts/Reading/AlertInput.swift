#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An open input: a file, or standard input for `-`. Reads with `read(2)`, retrying on `EINTR`.
package struct AlertInput: Sendable {
    /// The name errors use: the path, or `<stdin>`.
    package let name: String
    let fileDescriptor: Int32
    private let ownsDescriptor: Bool

    /// Opens `path` for reading; `-` is standard input.
    ///
    /// - Throws: ``AlertParseError`` of kind `.unreadable` naming the path and the system's reason.
    package static func open(_ path: String) throws(AlertParseError) -> AlertInput {
        if path == "-" { return AlertInput(name: "<stdin>", fileDescriptor: 0, ownsDescriptor: false) }
        let descriptor = path.withCString { systemOpen($0, O_RDONLY | O_CLOEXEC) }
        guard descriptor >= 0 else { throw unreadable(path, errno: errno) }
        var status = stat()
        if fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFDIR {
            _ = systemClose(descriptor)
            throw unreadable(path, errno: EISDIR)
        }
        return AlertInput(name: path, fileDescriptor: descriptor, ownsDescriptor: true)
    }

    /// The size of a regular file, or `nil` for anything else (standard input, a pipe, a device).
    package var regularFileSize: Int? {
        var status = stat()
        guard fstat(fileDescriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
        return Int(status.st_size)
    }

    /// The same file opened again on a descriptor of its own, placed at `offset`.
    ///
    /// - Throws: `.unreadable` when it cannot be opened or placed.
    func reopened(at offset: Int) throws(AlertParseError) -> AlertInput {
        let copy = try AlertInput.open(name)
        guard lseek(copy.fileDescriptor, off_t(offset), SEEK_SET) >= 0 else {
            copy.close()
            throw Self.unreadable(name, errno: errno)
        }
        return copy
    }

    /// Reads up to `count` bytes at `offset`, without moving the read position; 0 at the end of the file.
    func read(into buffer: UnsafeMutableRawPointer, count: Int, at offset: Int) throws(AlertParseError) -> Int {
        while true {
            let result = pread(fileDescriptor, buffer, count, off_t(offset))
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw Self.unreadable(name, errno: errno)
        }
    }

    /// Closes the file (never standard input).
    package func close() {
        if ownsDescriptor { _ = systemClose(fileDescriptor) }
    }

    /// Reads up to `count` bytes into `buffer`; 0 at the end of input.
    func read(into buffer: UnsafeMutableRawPointer, count: Int) throws(AlertParseError) -> Int {
        while true {
            let result = systemRead(fileDescriptor, buffer, count)
            if result >= 0 { return result }
            if errno == EINTR { continue }
            throw Self.unreadable(name, errno: errno)
        }
    }

    /// Reads everything up to `limit` bytes.
    ///
    /// - Throws: `.unreadable` on an I/O error, `.malformed` when there is more than `limit`.
    package func readAll(limit: Int) throws(AlertParseError) -> [UInt8] {
        var bytes: [UInt8] = []
        let chunk = 1 << 16
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 8)
        defer { scratch.deallocate() }
        while true {
            // swift-format-ignore: NeverForceUnwrap
            // A non-empty allocation always has an address.
            let count = try read(into: scratch.baseAddress.unsafelyUnwrapped, count: chunk)
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else {
                throw AlertParseError(
                    .malformed, source: name, byteOffset: limit,
                    reason: "expected at most \(limit) bytes of alerts, found more")
            }
            bytes.append(contentsOf: scratch[0..<count])
        }
    }

    private static func unreadable(_ path: String, errno code: Int32) -> AlertParseError {
        let reason = String(cString: strerror(code)).lowercased()
        return AlertParseError(.unreadable, source: path, reason: "cannot read: \(reason)")
    }
}

private func systemOpen(_ path: UnsafePointer<CChar>, _ flags: Int32) -> Int32 { open(path, flags) }
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(descriptor, buffer, count)
}
