/// A path taken from an archive, with what makes it unsafe to use as a host path.
///
/// Archives from the engine come from the container, so from whoever controls it: a name like
/// `../../etc/cron.d/x` or `/etc/passwd` must never reach the host file system as is. The check
/// is made once, here, on the raw bytes; callers decide with `isSafe` / `relativePath` and never
/// rebuild a path from `text`.
package struct TarEntryName: Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with a name.
    package enum Problem: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
        /// Nothing left once `.` and empty components are dropped (``, `.`, `./`, `/`).
        case empty
        /// Starts with `/`.
        case absolute
        /// Has a `..` component.
        case parentReference
        /// Contains a NUL byte (possible through pax or GNU long names; no host path can hold it).
        case containsNUL
        /// Not valid UTF-8, so `text` is not the real name.
        case invalidUTF8

        package var description: String {
            switch self {
            case .empty: return "names nothing"
            case .absolute: return "is an absolute path"
            case .parentReference: return "has a '..' component"
            case .containsNUL: return "contains a NUL byte"
            case .invalidUTF8: return "is not valid UTF-8"
            }
        }
    }

    /// The name exactly as in the archive.
    package let bytes: [UInt8]
    /// `bytes` as text, invalid UTF-8 replaced by U+FFFD: for display only.
    package let text: String
    /// The `/`-separated components, without empty and `.` ones (`..` is kept, and flagged).
    package let components: [String]
    /// Every problem found, in `Problem.allCases` order; empty when the name is safe.
    package let problems: [Problem]

    package init(bytes: [UInt8]) {
        self.bytes = bytes
        var found = Set<Problem>()
        let valid = String(validating: bytes, as: UTF8.self)
        text = valid ?? String(decoding: bytes, as: UTF8.self)
        if valid == nil { found.insert(.invalidUTF8) }
        if bytes.contains(0) { found.insert(.containsNUL) }
        if bytes.first == UInt8(ascii: "/") { found.insert(.absolute) }
        var parts: [String] = []
        for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.count == 1, part.first == UInt8(ascii: ".") { continue }
            if part.count == 2, part.allSatisfy({ $0 == UInt8(ascii: ".") }) { found.insert(.parentReference) }
            parts.append(String(decoding: part, as: UTF8.self))
        }
        if parts.isEmpty { found.insert(.empty) }
        components = parts
        problems = Problem.allCases.filter { found.contains($0) }
    }

    package init(_ text: String) {
        self.init(bytes: Array(text.utf8))
    }

    /// Whether the name can be used under a destination folder as is.
    package var isSafe: Bool { problems.isEmpty }

    /// The normalised relative path (`./bin//sh` → `bin/sh`), only when the name is safe.
    package var relativePath: String? {
        isSafe ? components.joined(separator: "/") : nil
    }

    package var description: String { text }
}
