// Fuzz target: the archive stat header (`X-Docker-Container-Path-Stat`, `PathStat(headerValue:)`).
//
// The header is base64 JSON describing a file the container controls (its name, link target, mode).
// Beyond not crashing: every property a report reads must be computable, and the header's own base64
// (both alphabets, padding optional) must agree with Foundation's wherever both read the text.

import Foundation

@testable import DockerEngine

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPathStatHeader(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)

    if let stat = try? PathStat(headerValue: text, request: "fuzz") {
        _ = stat.fileType
        _ = stat.isDirectory
        _ = stat.symlinkTarget
        _ = stat.mode.lsString
        _ = stat.mode.posix.octal
        _ = stat.modificationTime?.description
    }

    // Foundation also accepts some badly padded text; where both accept, they must agree, and
    // canonical base64 (whole quads, padding only at the end) must be accepted.
    let ours = Base64.decode(text, urlSafe: false)
    if let strict = Data(base64Encoded: text) {
        if let ours, ours != Array(strict) {
            fatalError("base64 \(text.debugDescription) decodes differently from Foundation")
        }
        if ours == nil, isCanonical(text) {
            fatalError("canonical base64 \(text.debugDescription) was refused")
        }
    }
    return 0
}

private func isCanonical(_ text: String) -> Bool {
    let bytes = Array(text.utf8)
    guard bytes.count % 4 == 0 else { return false }
    let body = bytes.prefix { $0 != UInt8(ascii: "=") }
    let padding = bytes.count - body.count
    return padding <= 2 && bytes[body.count...].allSatisfy { $0 == UInt8(ascii: "=") }
}
