import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--max-disk`: how much the run's bundles, merged-alerts files and journal may occupy; past it no new bundle
/// is made (each alert that would need one gets a `failed` outcome saying so, journaled).
///
/// Usage is what the files occupy on disk (allocated blocks, so a sparse file counts what it holds), measured by
/// walking `--out` without following symlinks, plus the journal. A walk costs time, so a measurement is reused
/// for `maxAge` seconds unless a bundle was made since (``invalidate()``).
package struct DiskBudget: Sendable {
    package let limit: Int64
    package let folder: String
    package let journal: String?
    private let maxAge: Double
    private var measured: (bytes: Int64, at: Date)?

    package init(limit: Int64, folder: String, journal: String?, maxAge: Double = 2) {
        self.limit = limit
        self.folder = folder
        self.journal = journal
        self.maxAge = maxAge
    }

    /// The bytes in use now (or at most `maxAge` seconds ago).
    package mutating func used(now: Date = Date()) -> Int64 {
        if let measured, now.timeIntervalSince(measured.at) < maxAge { return measured.bytes }
        var total = Self.allocated(under: folder)
        if let journal { total += Self.allocated(journal) }
        measured = (total, now)
        return total
    }

    /// Why a new bundle is refused, or `nil` while there is room.
    package mutating func refusal(now: Date = Date()) -> String? {
        let used = used(now: now)
        guard used >= limit else { return nil }
        return "refused: the disk budget is used up (--max-disk \(limit) bytes; \(used) in use by bundles and the journal); no new bundle"
    }

    /// A bundle was made: the next question measures again.
    package mutating func invalidate() { measured = nil }

    /// Allocated bytes of one file (`st_blocks`), 0 when it cannot be read.
    static func allocated(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        return Int64(info.st_blocks) * 512
    }

    /// Allocated bytes of everything under `root`, never following a symlink.
    static func allocated(under root: String) -> Int64 {
        var total: Int64 = 0
        var pending = [root]
        while let folder = pending.popLast() {
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { continue }
            for name in names {
                let path = folder + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { continue }
                total += Int64(info.st_blocks) * 512
                if info.st_mode & S_IFMT == S_IFDIR { pending.append(path) }
            }
        }
        return total
    }
}
