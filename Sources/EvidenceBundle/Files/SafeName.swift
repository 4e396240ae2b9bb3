import Foundation

/// File names for things whose names come from the container (tar entries, container paths).
///
/// Such a name is never used as a path: only its last component survives, reduced to
/// `[A-Za-z0-9._-]`, without leading dots (no hidden files, no `..`), at most 64 bytes.
package enum SafeName {
    package static let maxLength = 64

    /// `text`'s last `/`-separated component made safe, or `fallback` when nothing is left.
    package static func make(_ text: String, fallback: String) -> String {
        let last = text.split(separator: "/").last.map(String.init) ?? ""
        var name = ""
        for scalar in last.unicodeScalars {
            let allowed =
                scalar.isASCII
                && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "-" || scalar == "_")
            if allowed {
                name.unicodeScalars.append(scalar)
            } else if !name.hasSuffix("_") {
                name += "_"
            }
        }
        while name.hasPrefix(".") { name.removeFirst() }
        name = String(name.prefix(maxLength))
        return name.isEmpty || name == "_" ? fallback : name
    }
}

/// Hands out distinct names inside one folder of the bundle: `payload`, then `payload-2`,
/// `payload-3` (before the extension: `payload-2.tar`).
package final class NameAllocator: @unchecked Sendable {
    // @unchecked: `taken` is only touched under `lock`.
    private let lock = NSLock()
    private var taken: Set<String> = []

    package init(reserved: Set<String> = []) {
        taken = reserved
    }

    /// `name` if still free, else the first free numbered variant. `name` must already be safe.
    package func claim(_ name: String) -> String {
        lock.lock()
        defer { lock.unlock() }
        if taken.insert(name).inserted { return name }
        let dot = name.dropFirst().lastIndex(of: ".")
        let stem = dot.map { String(name[..<$0]) } ?? name
        let suffix = dot.map { String(name[$0...]) } ?? ""
        var counter = 2
        while true {
            let candidate = "\(stem)-\(counter)\(suffix)"
            if taken.insert(candidate).inserted { return candidate }
            counter += 1
        }
    }
}
