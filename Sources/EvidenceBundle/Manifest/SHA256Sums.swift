import Foundation
import SafeText

/// `SHA256SUMS` in the format `sha256sum` writes and `sha256sum -c` checks: one
/// `<64 hex digits><space><space><relative path>` line per file.
package enum SHA256Sums {
    package static let fileName = "SHA256SUMS"

    /// The file's text for these paths and digests, sorted by path.
    package static func render(_ digests: [String: FileDigest]) -> String {
        digests.keys.sorted().map { path in "\(digests[path]?.sha256 ?? "")  \(path)\n" }.joined()
    }

    /// One line that could not be taken as a checksum of a file inside the bundle.
    package struct BadLine: Sendable, Hashable {
        package var line: Int
        package var reason: String
    }

    /// The paths and hashes, and the lines refused: not a checksum line, or a path that is absolute,
    /// climbs out with `..`, or uses `sha256sum`'s escaped form (this tool never writes one).
    package static func parse(_ text: String) -> (sums: [String: String], bad: [BadLine]) {
        var sums: [String: String] = [:]
        var bad: [BadLine] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            if line.isEmpty { continue }
            let bytes = Array(line.utf8)
            guard bytes.count > 66, bytes[64] == UInt8(ascii: " "),
                bytes[65] == UInt8(ascii: " ") || bytes[65] == UInt8(ascii: "*"),
                bytes[0..<64].allSatisfy({ isLowerHex($0) })
            else {
                bad.append(BadLine(line: number, reason: "not a '<sha256>  <path>' line"))
                continue
            }
            let hash = String(decoding: bytes[0..<64], as: UTF8.self)
            let path = String(decoding: bytes[66...], as: UTF8.self)
            if let reason = unsafeReason(path) {
                bad.append(BadLine(line: number, reason: "path '\(TerminalText.escaped(path, limit: 200))' \(reason)"))
                continue
            }
            if sums[path] != nil {
                bad.append(BadLine(line: number, reason: "path '\(TerminalText.escaped(path, limit: 200))' is listed twice"))
                continue
            }
            sums[path] = hash
        }
        return (sums, bad)
    }

    /// Why `path` may not name a file inside a bundle, or nil when it may.
    package static func unsafeReason(_ path: String) -> String? {
        if path.hasPrefix("/") { return "is absolute" }
        if path.hasPrefix("\\") || path.contains("\\") { return "uses an escaped name" }
        if path.contains("\0") || path.contains("\r") { return "holds a control character" }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        if parts.contains("..") { return "climbs out with '..'" }
        if parts.contains(where: { $0.isEmpty || $0 == "." }) { return "is not a plain relative path" }
        return nil
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
