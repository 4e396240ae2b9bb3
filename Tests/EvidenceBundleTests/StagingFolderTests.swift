import Foundation
import Testing
import TestSupport

@testable import EvidenceBundle

/// The bundle folder appears complete or not at all, never over something that was there.
@Suite struct StagingFolderTests {
    @Test func `an existing folder, file or dangling symlink at DIR is refused and left untouched`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        try parent.write("folder/keep.txt", "mine")
        try parent.write("file", "mine too")
        try FileManager.default.createSymbolicLink(
            atPath: parent.child("dangling").path, withDestinationPath: "/nonexistent/x")
        let before = parent.listing()
        for name in ["folder", "file", "dangling"] {
            #expect {
                try StagingFolder.create(for: parent.child(name))
            } throws: { error in
                guard case .bundleExists = error as? EvidenceBundleError else { return false }
                return true
            }
        }
        #expect(parent.listing() == before)
        #expect(FileManager.default.contents(atPath: parent.child("folder/keep.txt").path) == Data("mine".utf8))
    }

    @Test func `a missing parent folder is not created`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        #expect {
            try StagingFolder.create(for: parent.child("no/such/parent/bundle"))
        } throws: { error in
            guard case .cannotCreate = error as? EvidenceBundleError else { return false }
            return true
        }
        #expect(parent.listing().isEmpty)
    }

    @Test func `the bundle is built in a hidden 0700 sibling and renamed into place`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        #expect(staging.root.deletingLastPathComponent().path == parent.url.standardizedFileURL.path)
        #expect(staging.root.lastPathComponent.hasPrefix(".bundle.partial-"))
        #expect(parent.mode(staging.root.lastPathComponent) == 0o700)
        _ = try staging.write("report.json", Data("{}".utf8))
        try staging.seal(acquiredFolder: "files")
        try staging.publish()
        #expect(parent.listing() == ["bundle", "bundle/report.json"])
        #expect(parent.mode("bundle") == 0o700)
        #expect(parent.mode("bundle/report.json") == 0o600)
    }

    @Test func `every file and folder is synced before the rename, and the parent after it`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        try staging.makeFolder("engine")
        _ = try staging.write("engine/container.json", Data("{}".utf8))
        _ = try staging.write("report.json", Data("{}".utf8))
        let log = SyncLog()
        let destination = staging.destination.path
        let root = staging.root.path
        try staging.publish(
            syncing: FileSync { path, isFolder throws(EvidenceBundleError) in
                // Recorded with whether the bundle was already in place when the sync happened.
                log.add(path, published: FileManager.default.fileExists(atPath: destination))
                try FileSync.system.sync(path, isFolder)
            })
        let before = log.entries.filter { !$0.published }.map(\.path)
        let after = log.entries.filter(\.published).map(\.path)
        #expect(Set(before) == Set([root, root + "/engine", root + "/engine/container.json", root + "/report.json"]))
        #expect(after == [parent.url.standardizedFileURL.path])
    }

    @Test func `staging folders of dead runs are removed at the next start, live ones are kept`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        // A run that died: its staging folder is there, and nobody holds it.
        try parent.write(".old.partial-1a2b/report.json", "{}")
        // A run still building: it holds its staging folder's lock.
        let live = try StagingFolder.create(for: parent.child("live"))
        defer { live.discard() }
        // Not staging folders at all.
        try parent.write("bundle/report.json", "{}")
        try parent.write(".hidden", "x")
        #expect(StagingFolder.removeStale(in: parent.url, minimumAge: 0) == [".old.partial-1a2b"])
        #expect(FileManager.default.fileExists(atPath: live.root.path))
        #expect(parent.listing().contains("bundle/report.json") && parent.listing().contains(".hidden"))
        // A folder younger than the age limit may belong to a run that has not locked it yet.
        try parent.write(".young.partial-99/x", "")
        #expect(StagingFolder.removeStale(in: parent.url) == [])
        // A collect clears only what an earlier collect of the same bundle left.
        try parent.write(".again.partial-77/x", "")
        #expect(StagingFolder.removeStale(in: parent.url, for: "again", minimumAge: 0) == [".again.partial-77"])
        #expect(parent.listing().contains(".young.partial-99"))
    }

    @Test func `DIR appearing while the bundle is built is not replaced`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        _ = try staging.write("report.json", Data("{}".utf8))
        // Someone else's empty folder: rename(2) alone would silently replace it.
        try FileManager.default.createDirectory(at: parent.child("bundle"), withIntermediateDirectories: false)
        #expect {
            try staging.publish()
        } throws: { error in
            guard case .bundleExists = error as? EvidenceBundleError else { return false }
            return true
        }
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: parent.child("bundle").path)) ?? ["?"]).isEmpty)
        staging.discard()
        #expect(parent.listing() == ["bundle"])
    }

    @Test(arguments: ["../escape", "/etc/passwd", "a//b", "./x", "files/..", ""])
    func `only plain relative paths can be written`(path: String) throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        #expect(throws: EvidenceBundleError.self) { try staging.write(path, Data("x".utf8)) }
        #expect(parent.listing() == [staging.root.lastPathComponent])
    }

    @Test func `a file is never written through a symlink or over an existing file`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        try parent.write("target", "original")
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        try FileManager.default.createSymbolicLink(
            atPath: staging.root.appendingPathComponent("planted").path,
            withDestinationPath: parent.child("target").path)
        #expect(throws: EvidenceBundleError.self) { try staging.write("planted", Data("overwritten".utf8)) }
        _ = try staging.write("once", Data("1".utf8))
        #expect(throws: EvidenceBundleError.self) { try staging.write("once", Data("2".utf8)) }
        #expect(FileManager.default.contents(atPath: parent.child("target").path) == Data("original".utf8))
    }

    @Test func `sealing makes folders 0700, files 0600, and everything under files/ 0400, links included`() throws {
        let parent = try TestFolder("staging")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        try staging.makeFolder("engine")
        try staging.makeFolder("files")
        _ = try staging.write("engine/body.tar", Data("tar".utf8))
        try staging.link("engine/body.tar", as: "files/payload.tar")
        _ = try staging.write("report.json", Data("{}".utf8))
        try staging.seal(acquiredFolder: "files")
        let root = staging.root.lastPathComponent
        #expect(parent.mode(root + "/engine") == 0o700)
        #expect(parent.mode(root + "/report.json") == 0o600)
        #expect(parent.mode(root + "/files/payload.tar") == 0o400)
        #expect(parent.mode(root + "/engine/body.tar") == 0o400)
    }

    @Test func `safe names and numbered collisions`() {
        #expect(SafeName.make("/usr/local/bin/kworker", fallback: "file") == "kworker")
        #expect(SafeName.make("../..", fallback: "file") == "file")
        #expect(SafeName.make("a b;c$(x)", fallback: "file") == "a_b_c_x_")
        #expect(SafeName.make(String(repeating: "n", count: 300), fallback: "file").count == SafeName.maxLength)
        let names = NameAllocator()
        #expect(names.claim("payload.tar") == "payload.tar")
        #expect(names.claim("payload.tar") == "payload-2.tar")
        #expect(names.claim("payload") == "payload")
        #expect(names.claim("payload") == "payload-2")
    }
}

/// Large files take the `O_DIRECT` path past their first MiB; what lands on disk must not change.
@Suite struct EvidenceFileWriterTests {
    @Test(arguments: [0, 1, 4095, 1 << 20, (1 << 20) + 1, 3 * (1 << 20) + 12345])
    func `what is written is exactly what was given, whatever its size`(size: Int) throws {
        let parent = try TestFolder("writer")
        defer { parent.remove() }
        let staging = try StagingFolder.create(for: parent.child("bundle"))
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let writer = try staging.createFile("big", mode: 0o400)
        var start = 0
        while start < bytes.count {
            let stop = min(bytes.count, start + Int.random(in: 1...70_000))
            try bytes[start..<stop].withUnsafeBytes { try writer.write($0) }
            start = stop
        }
        let digest = try writer.finish()
        let path = staging.root.appendingPathComponent("big").path
        #expect(FileManager.default.contents(atPath: path) == Data(bytes))
        #expect(digest == (try FileDigest.ofFile(atPath: path)))
        #expect(digest.size == Int64(size))
        #expect(parent.mode(staging.root.lastPathComponent + "/big") == 0o400)
    }
}

/// What a `FileSync` was asked to sync, in order.
private final class SyncLog: @unchecked Sendable {
    // @unchecked: `entries` is only touched under `lock`.
    private let lock = NSLock()
    private(set) var entries: [(path: String, published: Bool)] = []

    func add(_ path: String, published: Bool) {
        lock.lock()
        entries.append((path, published))
        lock.unlock()
    }
}
