import Foundation

/// The hidden sibling a bundle is built in (`.DIR.partial-<random>` next to `DIR`), renamed to
/// `DIR` only once complete, so a half-written bundle never sits where a finished one is expected.
///
/// Every path written is the staging root plus a relative path this module built from fixed names
/// and `SafeName`s; nothing from the container or the engine is ever joined in as is.
///
/// The run building it holds a `flock` on the staging folder until it is published or discarded, so a later
/// run can tell a staging folder left by a crash (nobody holds it) from one being filled, and remove it
/// (``removeStale(in:)``). Before the rename every file and folder is `fsync`ed, and the parent folder after
/// it: once `publish` returns (and so before watch's journal records the outcome) the bundle is on disk.
package struct StagingFolder: Sendable {
    /// Where the finished bundle goes.
    package let destination: URL
    /// The folder being filled.
    package let root: URL
    /// The open, locked staging folder.
    private let lock: FolderLock

    /// The name part that marks a staging folder: `.NAME.partial-HEX`.
    static let partialMarker = ".partial-"

    /// Creates the staging folder (0700) beside `destination`.
    ///
    /// - Throws: `bundleExists` when anything (even a dangling symlink) is at `destination`;
    ///   `cannotCreate` when its parent folder is missing or not writable.
    package static func create(for destination: URL) throws(EvidenceBundleError) -> StagingFolder {
        let destination = destination.standardizedFileURL
        let name = destination.lastPathComponent
        guard !name.isEmpty, name != "/", name != ".", name != ".." else {
            throw .cannotCreate(path: destination.path, reason: "name a new folder for the bundle")
        }
        var info = stat()
        if lstat(destination.path, &info) == 0 { throw .bundleExists(path: destination.path) }
        let parent = destination.deletingLastPathComponent()
        guard stat(parent.path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .cannotCreate(path: destination.path, reason: "its parent folder \(parent.path) does not exist")
        }
        // A collect into the same folder that died earlier left its staging folder here.
        removeStale(in: parent, for: name)
        for _ in 0..<8 {
            let suffix = String(UInt64.random(in: 0...UInt64.max), radix: 16)
            let root = parent.appendingPathComponent(".\(name)\(partialMarker)\(suffix)")
            if mkdir(root.path, 0o700) == 0 {
                // mkdir's mode passes through the umask; 0700 is the contract whatever the umask.
                guard chmod(root.path, 0o700) == 0, let lock = FolderLock(root.path) else {
                    let reason = lastError()
                    rmdir(root.path)
                    throw .cannotCreate(path: root.path, reason: reason)
                }
                return StagingFolder(destination: destination, root: root, lock: lock)
            }
            if errno != EEXIST { throw .cannotCreate(path: root.path, reason: lastError()) }
        }
        throw .cannotCreate(path: parent.path, reason: "no free name for a staging folder")
    }

    /// The absolute path of `relative`, which must be a plain relative path (no `..`, `.`, empty parts).
    package func path(_ relative: String) throws(EvidenceBundleError) -> String {
        let parts = relative.split(separator: "/", omittingEmptySubsequences: false)
        guard !relative.hasPrefix("/"), !parts.isEmpty, !relative.contains("\0"),
            !parts.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." })
        else {
            throw .writeFailed(path: relative, reason: "not a plain relative path inside the bundle")
        }
        return root.path + "/" + relative
    }

    /// Creates a folder (0700); its parent must exist.
    package func makeFolder(_ relative: String) throws(EvidenceBundleError) {
        let path = try path(relative)
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw .writeFailed(path: relative, reason: lastError())
        }
        guard chmod(path, 0o700) == 0 else { throw .writeFailed(path: relative, reason: lastError()) }
    }

    /// Creates a new file for writing.
    package func createFile(_ relative: String, mode: mode_t = 0o600) throws(EvidenceBundleError) -> EvidenceFileWriter
    {
        try EvidenceFileWriter(path: try path(relative), relativePath: relative, mode: mode)
    }

    /// Writes a whole small file at once.
    package func write(_ relative: String, _ bytes: some ContiguousBytes, mode: mode_t = 0o600)
        throws(EvidenceBundleError) -> FileDigest
    {
        let writer = try createFile(relative, mode: mode)
        try writer.write(bytes)
        return try writer.finish()
    }

    /// Gives an existing file of the bundle a second name (a hard link), so a large body the
    /// recording holds appears under its name in docs/bundle.md without a second copy.
    package func link(_ existing: String, as new: String) throws(EvidenceBundleError) {
        let from = try path(existing)
        let to = try path(new)
        guard Foundation.link(from, to) == 0 else { throw .writeFailed(path: new, reason: lastError()) }
    }

    /// One file system object under the root, as `lstat` sees it.
    package struct Item: Sendable, Hashable {
        package var relativePath: String
        package var isDirectory: Bool
        package var isRegularFile: Bool
        package var inode: UInt64
    }

    /// Everything under the root, depth first, never following a symlink.
    package func items() throws(EvidenceBundleError) -> [Item] {
        try Self.walk(root.path)
    }

    /// Walks `folder` with `lstat`, listing every object with its path relative to `folder`.
    package static func walk(_ folder: String) throws(EvidenceBundleError) -> [Item] {
        var items: [Item] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? folder : folder + "/" + relative
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: absolute) } catch {
                throw .cannotRead(path: absolute, reason: "cannot list: \(error.localizedDescription)")
            }
            for name in names.sorted() {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(folder + "/" + child, &info) == 0 else {
                    throw .cannotRead(path: child, reason: lastError())
                }
                let type = info.st_mode & S_IFMT
                items.append(
                    Item(
                        relativePath: child, isDirectory: type == S_IFDIR, isRegularFile: type == S_IFREG,
                        inode: UInt64(info.st_ino)))
                if type == S_IFDIR { pending.append(child) }
            }
        }
        return items.sorted { $0.relativePath < $1.relativePath }
    }

    /// Sets the contract's modes on everything: folders 0700, files 0600, and 0400 for every file
    /// (inode) that appears under `acquiredFolder`, even when the recording holds it under another name.
    package func seal(acquiredFolder: String) throws(EvidenceBundleError) {
        let items = try items()
        let acquired = Set(items.filter { $0.relativePath.hasPrefix(acquiredFolder + "/") }.map(\.inode))
        for item in items {
            let mode: mode_t = item.isDirectory ? 0o700 : acquired.contains(item.inode) ? 0o400 : 0o600
            guard item.isDirectory || item.isRegularFile else {
                throw .writeFailed(path: item.relativePath, reason: "neither a file nor a folder")
            }
            guard chmod(try path(item.relativePath), mode) == 0 else {
                throw .writeFailed(path: item.relativePath, reason: lastError())
            }
        }
        guard chmod(root.path, 0o700) == 0 else { throw .writeFailed(path: root.path, reason: lastError()) }
    }

    /// Renames the finished bundle to its destination, refusing (atomically where the kernel
    /// allows) if something appeared there meanwhile. Every file and folder is synced to disk first, and
    /// the parent folder after the rename, so a power loss cannot leave a published bundle of empty files.
    package func publish(syncing sync: FileSync = .system) throws(EvidenceBundleError) {
        for item in try items() {
            try sync.sync(root.path + "/" + item.relativePath, item.isDirectory)
        }
        try sync.sync(root.path, true)
        let outcome = AtomicRename.renameNoReplace(root.path, destination.path)
        switch outcome {
        case .done:
            lock.release()
            try sync.sync(destination.deletingLastPathComponent().path, true)
            return
        case .exists:
            throw .bundleExists(path: destination.path)
        case .failed(let reason):
            throw .cannotCreate(path: destination.path, reason: reason)
        }
    }

    /// Removes the staging folder and everything in it (links are removed, never followed).
    package func discard() {
        try? FileManager.default.removeItem(atPath: root.path)
        lock.release()
    }

    /// Removes the staging folders in `parent` that a run left behind when it died: named like one, a real
    /// folder (never a symlink), older than `minimumAge` seconds (a run that just made one may not hold
    /// its lock yet), and locked by nobody; with `bundle`, only that bundle's. Returns the names removed.
    @discardableResult
    package static func removeStale(in parent: URL, for bundle: String? = nil, minimumAge: Double = 60) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent.path) else { return [] }
        var removed: [String] = []
        let prefix = bundle.map { ".\($0)\(partialMarker)" } ?? "."
        for name in names where name.hasPrefix(prefix) && name.contains(partialMarker) {
            let path = parent.path + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR,
                Date().timeIntervalSince1970 - Double(info.st_ctim.tv_sec) >= minimumAge,
                let lock = FolderLock(path)
            else { continue }
            try? FileManager.default.removeItem(atPath: path)
            lock.release()
            removed.append(name)
        }
        return removed.sorted()
    }
}

/// How ``StagingFolder/publish(syncing:)`` makes a file or folder durable: `fsync` by default; tests watch it.
package struct FileSync: Sendable {
    package var sync: @Sendable (_ path: String, _ isFolder: Bool) throws(EvidenceBundleError) -> Void

    package init(sync: @escaping @Sendable (_ path: String, _ isFolder: Bool) throws(EvidenceBundleError) -> Void) {
        self.sync = sync
    }

    /// Opens the path (never through a symlink) and `fsync`s it.
    package static let system = FileSync { path, isFolder throws(EvidenceBundleError) in
        let descriptor = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (isFolder ? O_DIRECTORY : 0))
        guard descriptor >= 0 else { throw .writeFailed(path: path, reason: "cannot open to sync: \(lastError())") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .writeFailed(path: path, reason: "fsync: \(lastError())") }
    }
}

/// An exclusive `flock` on a folder, held until released (or the process ends, which is what marks a
/// staging folder as left by a dead run).
final class FolderLock: @unchecked Sendable {
    // @unchecked: `descriptor` is only touched under `mutex`.
    private let mutex = NSLock()
    private var descriptor: Int32

    /// Nil when the folder cannot be opened or someone else holds the lock.
    init?(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return nil
        }
        self.descriptor = descriptor
    }

    deinit { release() }

    func release() {
        mutex.lock()
        defer { mutex.unlock() }
        if descriptor >= 0 { close(descriptor) }
        descriptor = -1
    }
}

/// `renameat2(RENAME_NOREPLACE)`, which Swift's Glibc module does not import: looked up at run time,
/// with a check-then-rename fallback on kernels or C libraries without it.
enum AtomicRename {
    enum Outcome: Equatable {
        case done, exists
        case failed(String)
    }

    private typealias RenameAt2 =
        @convention(c) (Int32, UnsafePointer<CChar>?, Int32, UnsafePointer<CChar>?, UInt32) -> Int32
    private static let noReplace: UInt32 = 1  // RENAME_NOREPLACE in <linux/fs.h>

    private static let renameat2: RenameAt2? = {
        guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "renameat2") else { return nil }
        return unsafeBitCast(symbol, to: RenameAt2.self)
    }()

    static func renameNoReplace(_ from: String, _ to: String) -> Outcome {
        if let renameat2 {
            if renameat2(AT_FDCWD, from, AT_FDCWD, to, noReplace) == 0 { return .done }
            if errno == EEXIST { return .exists }
            // EINVAL/ENOSYS: the file system or kernel lacks the flag; fall back below.
            guard errno == EINVAL || errno == ENOSYS else { return .failed(lastError()) }
        }
        var info = stat()
        if lstat(to, &info) == 0 { return .exists }
        return rename(from, to) == 0 ? .done : .failed(lastError())
    }
}
