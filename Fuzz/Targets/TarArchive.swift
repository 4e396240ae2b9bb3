// Fuzz target: the tar reader (`TarReader`) and the name check every extracted path goes through
// (`TarEntryName`).
//
// The archive endpoint streams what the container holds: names, links, sizes and pax records are
// the container owner's to choose. The first input byte picks the chunk size; the rest is the
// archive. Beyond not crashing: a name called safe can never leave the folder it is put under,
// content never exceeds what its header claimed, and the events do not depend on the chunking.

import DockerEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTarArchive(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard count > 0, let start else { return 0 }
    let chunk = Int(start[0]) * 4 + 1
    let archive = Array(UnsafeBufferPointer(start: start + 1, count: count - 1))

    let whole = read(archive, chunk: max(archive.count, 1))
    let chunked = read(archive, chunk: chunk)
    guard whole.events == chunked.events, whole.outcome == chunked.outcome else {
        fatalError("the archive reads differently in \(chunk)-byte chunks")
    }
    _ = try? TarReader.members(in: archive, keepingUpTo: 16)
    return 0
}

private struct Read {
    /// One line per entry (its header fields) and per entry end (its content's size and a checksum).
    var events: [String] = []
    var outcome = "complete"
}

private func read(_ archive: [UInt8], chunk: Int) -> Read {
    var reader = TarReader(maxMetadataBytes: 4096, request: "fuzz")
    var result = Read()
    var current: TarEntry?
    var contentSize: Int64 = 0
    var checksum: UInt64 = 0
    do {
        var index = 0
        while index < archive.count {
            let end = min(archive.count, index + chunk)
            try archive[index..<end].withUnsafeBytes { bytes in
                try reader.feed(bytes) { event in
                    switch event {
                    case .entry(let entry):
                        guard current == nil else { fatalError("an entry began inside another") }
                        check(entry.name)
                        if let link = entry.linkName { check(link) }
                        _ = entry.mode.lsString
                        _ = entry.modificationTime.description
                        current = entry
                        contentSize = 0
                        checksum = 0
                        result.events.append("\(entry.name.bytes) \(entry.kind) \(entry.size) \(entry.headerOffset)")
                    case .content(let bytes):
                        guard let entry = current else { fatalError("content outside an entry") }
                        contentSize += Int64(bytes.count)
                        guard contentSize <= entry.size else {
                            fatalError("\(contentSize) content bytes for an entry claiming \(entry.size)")
                        }
                        for byte in bytes { checksum = checksum &* 31 &+ UInt64(byte) }
                    case .entryEnd:
                        guard current != nil else { fatalError("an entry ended that never began") }
                        result.events.append("end \(contentSize) \(checksum)")
                        current = nil
                    }
                }
            }
            index = end
        }
        try reader.finish()
    } catch let error as DockerEngineError {
        switch error {
        case .truncated: result.outcome = "truncated"
        case .malformedResponse(_, let detail): result.outcome = "malformed: " + detail
        default: fatalError("unexpected error \(error)")
        }
    } catch {
        fatalError("unexpected error \(error)")
    }
    return result
}

/// A safe name's relative path stays below its folder: no empty, `.` or `..` component, not absolute, no NUL.
private func check(_ name: TarEntryName) {
    guard let relative = name.relativePath else {
        guard !name.isSafe, !name.problems.isEmpty else { fatalError("a safe name without a relative path") }
        return
    }
    guard !relative.isEmpty, !relative.hasPrefix("/"), !relative.utf8.contains(0) else {
        fatalError("unsafe relative path \(relative.debugDescription) from \(name.bytes)")
    }
    for component in relative.split(separator: "/", omittingEmptySubsequences: false) {
        guard !component.isEmpty, component != ".", component != ".." else {
            fatalError("relative path \(relative.debugDescription) has component \(component.debugDescription)")
        }
    }
    guard relative.utf8.elementsEqual(name.components.joined(separator: "/").utf8) else {
        fatalError("relative path is not the name's components")
    }
}
