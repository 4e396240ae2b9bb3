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
