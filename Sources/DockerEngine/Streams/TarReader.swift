/// One member of a tar archive: its header, after pax and GNU long-name records are applied.
package struct TarEntry: Sendable, Hashable {
    /// What the member is. Only `regular` members have content a caller may write out.
    package enum Kind: Sendable, Hashable {
        case regular
        case hardLink
        case symbolicLink
        case characterDevice
        case blockDevice
        case directory
        case fifo
        /// Any other type flag (GNU sparse `S`, volume `V`, dump dir `D`, …): content is delivered
        /// as stored, and must not be taken for a file.
        case other(UInt8)

        /// Reads a type flag. `7` (contiguous) is a regular file, as GNU tar treats it.
        package init(typeflag: UInt8) {
            switch typeflag {
            case UInt8(ascii: "0"), 0, UInt8(ascii: "7"): self = .regular
            case UInt8(ascii: "1"): self = .hardLink
            case UInt8(ascii: "2"): self = .symbolicLink
            case UInt8(ascii: "3"): self = .characterDevice
            case UInt8(ascii: "4"): self = .blockDevice
            case UInt8(ascii: "5"): self = .directory
            case UInt8(ascii: "6"): self = .fifo
            default: self = .other(typeflag)
            }
        }

        /// Whether content follows the header. Links, devices, directories and fifos never carry
        /// any, whatever `size` claims (Go's `archive/tar` reads them the same way).
        var hasContent: Bool {
            switch self {
            case .regular, .other: return true
            default: return false
            }
        }

        /// The file type for a POSIX mode; a hard link is a regular file seen from another name.
        var fileType: FileType {
            switch self {
            case .regular, .hardLink: return .regular
            case .symbolicLink: return .symlink
            case .characterDevice: return .characterDevice
            case .blockDevice: return .blockDevice
            case .directory: return .directory
            case .fifo: return .namedPipe
            case .other: return .irregular
            }
        }
    }

    package var name: TarEntryName
    package var kind: Kind
    /// The raw type flag byte.
    package var typeflag: UInt8
    /// Content size as the header (or a pax `size` record) claims; only `kind.hasContent` members
    /// are followed by that many bytes. A claim is never trusted for allocation.
    package var size: Int64
    /// Permission and special bits (`0o7777`), POSIX layout.
    package var permissions: UInt32
    package var modificationTime: EngineTime
    /// The target of a hard or symbolic link; `nil` for other kinds.
    package var linkName: TarEntryName?
    package var uid: Int64
    package var gid: Int64
    package var userName: String
    package var groupName: String
    package var deviceMajor: Int64
    package var deviceMinor: Int64
    /// Byte offset of the member's own header in the archive (after any pax or long-name records).
    package var headerOffset: Int64

    /// The member's mode as `st_mode`, e.g. for `ls -l` style display.
    package var mode: POSIXFileMode { POSIXFileMode(type: kind.fileType, permissions: permissions) }

    /// Whether this is a plain file (not a link, device, fifo, directory or unknown type).
    package var isRegularFile: Bool { kind == .regular }

    /// Whether the member may be written out: a plain file whose name is safe under a destination folder.
    package var isExtractable: Bool { isRegularFile && name.isSafe }
}

/// What `TarReader` reports while reading.
package enum TarEvent {
    /// A member's header. Its content (if any) follows as `.content` events, then `.entryEnd`.
    case entry(TarEntry)
    /// Borrowed content bytes of the current member, valid only during the callback: copy what you keep.
    case content(UnsafeRawBufferPointer)
    /// The current member's content is complete.
    case entryEnd
}

/// A member with its content held in memory, from `TarReader.members(in:keepingUpTo:)`.
package struct TarMember: Sendable, Hashable {
    package var entry: TarEntry
    package var content: [UInt8]
    /// More content followed than was kept.
    package var isContentCut: Bool
}

/// Reads a tar stream pushed to it chunk by chunk, without writing anything anywhere.
///
/// The archive endpoint streams what the container holds, so the reader treats it as hostile: every
/// header checksum is verified, sizes are read but never used to allocate (content is passed on in
/// the chunks it arrived in), pax and GNU long-name records are bounded, and the stream must end
/// with the two zero blocks a complete archive has: the engine aborting mid-archive leaves no end
/// marker, and that is reported as truncation rather than passing as a shorter archive.
///
/// Understands ustar, pax (`path`, `linkpath`, `size`, `mtime`, `uid`, `gid`, `uname`, `gname`;
/// global `g` records are checked and ignored), GNU long names and link names (`L`, `K`), and
/// octal or base-256 numbers.
package struct TarReader: Sendable {
    /// Largest pax or GNU long-name record accepted (Go's `archive/tar` uses the same limit).
    package static let defaultMaxMetadataBytes = 1 << 20

    package let maxMetadataBytes: Int
    /// Names the request in errors, e.g. `GET /containers/web/archive?path=/tmp/x`.
    package let request: String

    private enum MetadataKind: Sendable {
        case paxLocal, paxGlobal, gnuLongName, gnuLongLink
    }

    private enum State: Sendable {
        case header
        case content(remaining: Int64, padding: Int)
        case metadata(MetadataKind, remaining: Int, padding: Int)
        case padding(remaining: Int)
        case end
        case failed(DockerEngineError)
    }

    private var state: State = .header
    private var block: [UInt8] = Array(repeating: 0, count: 512)
    private var blockCount = 0
    private var metadata: [UInt8] = []
    private var zeroBlocks = 0
    private var offset: Int64 = 0
    private var pendingPAX: [String: [UInt8]] = [:]
    private var pendingLongName: [UInt8]?
    private var pendingLongLink: [UInt8]?
    private var entryCount = 0
    private var current: (name: String, size: Int64)?

    package init(maxMetadataBytes: Int = defaultMaxMetadataBytes, request: String = "the archive") {
        self.maxMetadataBytes = maxMetadataBytes
        self.request = request
    }

    /// Whether the end-of-archive marker has been read; later bytes (record padding) are ignored.
    package var isAtEnd: Bool {
        if case .end = state { return true }
        return false
    }

    /// Bytes read so far.
    package var bytesRead: Int64 { offset }

    /// Consumes one chunk and reports what it completes.
    ///
    /// - Throws: `DockerEngineError.malformedResponse` for a bad header, checksum, number or pax
    ///   record; what `handle` throws.
    package mutating func feed(_ chunk: UnsafeRawBufferPointer, _ handle: (TarEvent) throws -> Void) throws {
        var index = 0
        while index < chunk.count {
            let available = chunk.count - index
            switch state {
            case .failed(let error):
                throw error
            case .end:
                return
            case .header:
                if blockCount == 0, available >= 512 {
                    let bytes = UnsafeRawBufferPointer(rebasing: chunk[index..<index + 512])
                    index += 512
                    offset += 512
                    try readHeader(bytes, handle)
                } else {
                    let take = min(512 - blockCount, available)
                    let filled = blockCount
                    let source = UnsafeRawBufferPointer(rebasing: chunk[index..<index + take])
                    block.withUnsafeMutableBytes { target in
                        UnsafeMutableRawBufferPointer(rebasing: target[filled..<filled + take]).copyMemory(from: source)
                    }
                    blockCount += take
                    index += take
                    offset += Int64(take)
                    if blockCount == 512 {
                        blockCount = 0
                        let bytes = block
                        try bytes.withUnsafeBytes { try readHeader($0, handle) }
                    }
                }
            case .content(let remaining, let padding):
                let take = Int(min(Int64(available), remaining))
                let slice = UnsafeRawBufferPointer(rebasing: chunk[index..<index + take])
                index += take
                offset += Int64(take)
                let left = remaining - Int64(take)
                if left > 0 {
                    state = .content(remaining: left, padding: padding)
                    try handle(.content(slice))
                } else {
                    state = padding > 0 ? .padding(remaining: padding) : .header
                    current = nil
                    try handle(.content(slice))
                    try handle(.entryEnd)
                }
            case .metadata(let kind, let remaining, let padding):
                let take = min(available, remaining)
                metadata.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<index + take]))
                index += take
                offset += Int64(take)
                if take < remaining {
                    state = .metadata(kind, remaining: remaining - take, padding: padding)
                } else {
                    state = padding > 0 ? .padding(remaining: padding) : .header
                    try applyMetadata(kind)
                }
            case .padding(let remaining):
                let take = min(available, remaining)
                index += take
                offset += Int64(take)
                state = take < remaining ? .padding(remaining: remaining - take) : .header
            }
        }
    }

    /// Ends the stream.
    ///
    /// - Throws: `DockerEngineError.truncated` unless the end-of-archive marker was read (a lone
    ///   zero block at the very end is accepted, as GNU tar does).
    package mutating func finish() throws {
        let detail: String
        switch state {
        case .failed(let error):
            throw error
        case .end:
            return
        case .header where blockCount == 0 && zeroBlocks == 1:
            state = .end
            return
        case .header where blockCount == 0:
            detail = offset == 0
                ? "the archive is empty"
                : "the archive ended after \(entryCount) member(s) without its end-of-archive marker"
        case .header:
            detail = "the archive ended inside a header (\(blockCount) of 512 bytes, at byte \(offset))"
        case .content(let remaining, _):
            let name = current?.name ?? "?"
            let size = current?.size ?? 0
            detail = "the archive ended inside '\(name)': \(size - remaining) of \(size) bytes received"
        case .metadata:
            detail = "the archive ended inside a pax or long-name record"
        case .padding:
            detail = "the archive ended inside the padding after a member"
        }
        let error = DockerEngineError.truncated(request: request, detail: detail)
        state = .failed(error)
        throw error
    }

    /// Reads a whole in-memory archive, keeping at most `maxContentBytes` of each member's content.
    package static func members(
        in bytes: [UInt8], keepingUpTo maxContentBytes: Int = 1 << 20, request: String = "the archive"
    ) throws -> [TarMember] {
        var reader = TarReader(request: request)
        var members: [TarMember] = []
        try bytes.withUnsafeBytes { chunk in
            try reader.feed(chunk) { event in
                switch event {
                case .entry(let entry):
                    members.append(TarMember(entry: entry, content: [], isContentCut: false))
                case .content(let piece):
                    guard let last = members.indices.last else { return }
                    let room = maxContentBytes - members[last].content.count
                    members[last].content.append(contentsOf: UnsafeRawBufferPointer(rebasing: piece.prefix(max(room, 0))))
                    if piece.count > room { members[last].isContentCut = true }
                case .entryEnd:
                    break
                }
            }
        }
        try reader.finish()
        return members
    }

    // MARK: Headers

    private mutating func fail(_ detail: String) -> DockerEngineError {
        let error = DockerEngineError.malformedResponse(request: request, detail: detail)
        state = .failed(error)
        return error
    }

    private mutating func readHeader(_ header: UnsafeRawBufferPointer, _ handle: (TarEvent) throws -> Void) throws {
        let headerOffset = offset - 512
        if header.allSatisfy({ $0 == 0 }) {
            zeroBlocks += 1
            if zeroBlocks == 2 { state = .end }
            return
        }
        if zeroBlocks > 0 {
            throw fail("a zero block is followed by a header at byte \(headerOffset): not a tar archive, or a damaged one")
        }
        let sums = Self.checksums(header)
        guard let stored = Self.number(Self.field(header, 148, 8)), stored == sums.unsigned || stored == sums.signed else {
            throw fail("tar header checksum mismatch at byte \(headerOffset)")
        }
        let typeflag = header[156]
        let size = try number(header, 124, 12, "size", headerOffset)

        switch typeflag {
        case UInt8(ascii: "x"), UInt8(ascii: "g"), UInt8(ascii: "L"), UInt8(ascii: "K"):
            guard size <= Int64(maxMetadataBytes) else {
                throw fail("a \(Character(Unicode.Scalar(typeflag))) record of \(size) bytes at byte \(headerOffset) exceeds the \(maxMetadataBytes)-byte limit")
            }
            let kind: MetadataKind
            switch typeflag {
            case UInt8(ascii: "x"): kind = .paxLocal
            case UInt8(ascii: "g"): kind = .paxGlobal
            case UInt8(ascii: "L"): kind = .gnuLongName
            default: kind = .gnuLongLink
            }
            metadata.removeAll(keepingCapacity: true)
            let length = Int(size)
            if length == 0 {
                try applyMetadata(kind)
            } else {
                state = .metadata(kind, remaining: length, padding: Self.padding(after: size))
            }
            return
        default:
            break
        }

        var entry = try makeEntry(header, typeflag: typeflag, size: size, headerOffset: headerOffset)
        try applyPending(to: &entry)
        entryCount += 1
        let contentSize = entry.kind.hasContent ? entry.size : 0
        if contentSize > 0 {
            state = .content(remaining: contentSize, padding: Self.padding(after: contentSize))
            current = (entry.name.text, contentSize)
            try handle(.entry(entry))
        } else {
            state = .header
            try handle(.entry(entry))
            try handle(.entryEnd)
        }
    }

    private mutating func makeEntry(
        _ header: UnsafeRawBufferPointer, typeflag: UInt8, size: Int64, headerOffset: Int64
    ) throws -> TarEntry {
        var name = Self.cString(Self.field(header, 0, 100))
        let magic = Self.field(header, 257, 8)
        let isUSTAR = magic.elementsEqual("ustar\u{0}00".utf8)
        if isUSTAR {
            // Star archives keep times after a shorter prefix and mark it with "tar\0" at the end.
            let isStar = Self.field(header, 508, 4).elementsEqual("tar\u{0}".utf8)
            let prefix = Self.cString(Self.field(header, 345, isStar ? 131 : 155))
            if !prefix.isEmpty { name = prefix + [UInt8(ascii: "/")] + name }
        }
        var kind = TarEntry.Kind(typeflag: typeflag)
        // Old archives mark directories with a trailing slash on a plain-file type flag.
        if typeflag == 0, name.last == UInt8(ascii: "/") { kind = .directory }
        let link = Self.cString(Self.field(header, 157, 100))
        let isLink = kind == .hardLink || kind == .symbolicLink
        // Device numbers exist only in ustar and GNU headers; elsewhere those bytes are name or padding.
        let hasDeviceFields = isUSTAR || magic.elementsEqual("ustar  \u{0}".utf8)
        let deviceMajor = hasDeviceFields ? try number(header, 329, 8, "devmajor", headerOffset) : 0
        let deviceMinor = hasDeviceFields ? try number(header, 337, 8, "devminor", headerOffset) : 0
        let permissions = try number(header, 100, 8, "mode", headerOffset) & 0o7777
        let seconds = try number(header, 136, 12, "mtime", headerOffset)
        let uid = try number(header, 108, 8, "uid", headerOffset)
        let gid = try number(header, 116, 8, "gid", headerOffset)
        return TarEntry(
            name: TarEntryName(bytes: name),
            kind: kind,
            typeflag: typeflag,
            size: size,
            permissions: UInt32(truncatingIfNeeded: permissions),
            modificationTime: EngineTime(seconds: seconds),
            linkName: isLink ? TarEntryName(bytes: link) : nil,
            uid: uid,
            gid: gid,
            userName: String(decoding: Self.cString(Self.field(header, 265, 32)), as: UTF8.self),
            groupName: String(decoding: Self.cString(Self.field(header, 297, 32)), as: UTF8.self),
            deviceMajor: deviceMajor,
            deviceMinor: deviceMinor,
            headerOffset: headerOffset)
    }

    /// Applies the pax and GNU records that preceded this header, then forgets them.
    private mutating func applyPending(to entry: inout TarEntry) throws {
        defer {
            pendingPAX = [:]
            pendingLongName = nil
            pendingLongLink = nil
        }
        if let longName = pendingLongName { entry.name = TarEntryName(bytes: longName) }
        if let longLink = pendingLongLink, entry.linkName != nil { entry.linkName = TarEntryName(bytes: longLink) }
        for (key, value) in pendingPAX {
            let text = String(decoding: value, as: UTF8.self)
            switch key {
            case "path":
                entry.name = TarEntryName(bytes: value)
            case "linkpath" where entry.linkName != nil:
                entry.linkName = TarEntryName(bytes: value)
            case "size":
                entry.size = try paxNumber(key, text)
            case "mtime":
                guard let time = Self.paxTime(text) else { throw fail("pax mtime '\(text)' is not a time") }
                entry.modificationTime = time
            case "uid":
                entry.uid = try paxNumber(key, text)
            case "gid":
                entry.gid = try paxNumber(key, text)
            case "uname":
                entry.userName = text
            case "gname":
                entry.groupName = text
            default:
                break
            }
        }
    }

    /// The pax keys ``applyPending(to:)`` reads; others are checked for form and dropped.
    private static let appliedPAXKeys: Set<String> = ["path", "linkpath", "size", "mtime", "uid", "gid", "uname", "gname"]

    /// The pax and long-name bytes held for the next entry.
    package var pendingMetadataBytes: Int {
        pendingPAX.reduce(0) { $0 + $1.key.utf8.count + $1.value.count } + (pendingLongName?.count ?? 0)
            + (pendingLongLink?.count ?? 0)
    }

    private mutating func paxNumber(_ key: String, _ text: String) throws -> Int64 {
        guard let value = Self.decimal(text) else { throw fail("pax \(key) '\(text)' is not a decimal number") }
        return value
    }

    private mutating func applyMetadata(_ kind: MetadataKind) throws {
        let data = metadata
        metadata.removeAll(keepingCapacity: data.count <= 64 << 10)
        switch kind {
        case .gnuLongName:
            pendingLongName = Self.trimmingTrailingNULs(data)
        case .gnuLongLink:
            pendingLongLink = Self.trimmingTrailingNULs(data)
        case .paxLocal:
            // Only the keys applied to an entry are kept, and all of them together within one record's limit:
            // a run of `x` records with other keys (or the same ones again) cannot grow memory.
            let records = try parsePAX(data).filter { Self.appliedPAXKeys.contains($0.key) }
            pendingPAX.merge(records) { _, new in new }
            guard pendingMetadataBytes <= maxMetadataBytes else {
                throw fail("pax records before one entry hold more than \(maxMetadataBytes) bytes")
            }
        case .paxGlobal:
            _ = try parsePAX(data)
        }
    }

    /// Parses pax records, each `"<length> <key>=<value>\n"` with `length` counting the whole record.
    private mutating func parsePAX(_ data: [UInt8]) throws -> [String: [UInt8]] {
        var records: [String: [UInt8]] = [:]
        var start = 0
        while start < data.count {
            guard let space = data[start...].firstIndex(of: UInt8(ascii: " ")),
                let length = Int(String(decoding: data[start..<space], as: UTF8.self)),
                length > space - start + 1, start + length <= data.count,
                data[start + length - 1] == UInt8(ascii: "\n")
            else { throw fail("malformed pax record at byte \(start) of a pax header") }
            let record = data[(space + 1)..<(start + length - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")) else {
                throw fail("malformed pax record at byte \(start) of a pax header: no '='")
            }
            let key = String(decoding: record[record.startIndex..<equals], as: UTF8.self)
            records[key] = Array(record[(equals + 1)...])
            start += length
        }
        return records
    }

    // MARK: Fields and numbers

    private static func field(_ header: UnsafeRawBufferPointer, _ start: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: header[start..<start + length])
    }

    private static func cString(_ field: UnsafeRawBufferPointer) -> [UInt8] {
        Array(field.prefix { $0 != 0 })
    }

    private static func trimmingTrailingNULs(_ bytes: [UInt8]) -> [UInt8] {
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0 { end -= 1 }
        return Array(bytes[..<end])
    }

    private static func padding(after size: Int64) -> Int {
        Int((512 - size % 512) % 512)
    }

    /// Both checksums tar writers have used: bytes summed unsigned (POSIX) and signed (old Sun tar),
    /// with the checksum field itself counted as spaces.
    private static func checksums(_ header: UnsafeRawBufferPointer) -> (unsigned: Int64, signed: Int64) {
        var unsigned: Int64 = 0
        var signed: Int64 = 0
        for (index, byte) in header.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return (unsigned, signed)
    }

    private mutating func number(
        _ header: UnsafeRawBufferPointer, _ start: Int, _ length: Int, _ name: String, _ headerOffset: Int64
    ) throws -> Int64 {
        guard let value = Self.number(Self.field(header, start, length)) else {
            throw fail("the \(name) field of the header at byte \(headerOffset) is not a valid number")
        }
        return value
    }

    /// Reads an octal field (spaces and NULs around it allowed; empty is 0) or a positive base-256 one.
    private static func number(_ field: UnsafeRawBufferPointer) -> Int64? {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            // Base-256: the first byte's high bit marks it, 0xFF would be a negative number.
            guard first != 0xFF else { return nil }
            var value = Int64(first & 0x7F)
            for byte in field.dropFirst() {
                guard value <= Int64.max >> 8 else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var sawDigit = false
        var ended = false
        for byte in field {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                guard !ended, value <= Int64.max >> 3 else { return nil }
                value = value << 3 | Int64(byte - UInt8(ascii: "0"))
                sawDigit = true
            case UInt8(ascii: " "), 0:
                if sawDigit { ended = true }
            default:
                return nil
            }
        }
        return value
    }

    private static func decimal(_ text: String) -> Int64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int64(text)
    }

    /// A pax time: `[-]seconds[.fraction]`.
    private static func paxTime(_ text: String) -> EngineTime? {
        var body = Substring(text)
        let negative = body.hasPrefix("-")
        if negative { body = body.dropFirst() }
        let parts = body.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, let seconds = decimal(String(whole)) else { return nil }
        var nanoseconds: Int64 = 0
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
            else { return nil }
            let digits = String(fraction.prefix(9))
            nanoseconds = (Int64(digits) ?? 0) * Int64(pow10(9 - digits.count))
        }
        return negative
            ? EngineTime(seconds: -seconds, nanoseconds: -nanoseconds) : EngineTime(seconds: seconds, nanoseconds: nanoseconds)
    }

    private static func pow10(_ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }
}
