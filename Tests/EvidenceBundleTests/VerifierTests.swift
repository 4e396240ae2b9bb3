import Foundation
import Testing
import TestSupport

@testable import EvidenceBundle
@testable import Investigation

/// `verify` finds every changed, missing and extra file, and reads nothing outside the bundle.
@Suite struct VerifierTests {
    /// A small bundle: a few files and the `SHA256SUMS` that covers them.
    func makeBundle() throws -> TestFolder {
        let folder = try TestFolder("verify")
        try folder.write("report.json", "{\"verdict\":\"confirmed\"}\n")
        try folder.write("report.md", "# confirmed\n")
        try folder.write("collection.log", "GET /v1.41/_ping 200\n")
        try folder.write("manifest.json", "{}\n")
        try folder.write("engine/recording/recording.json", "{}\n")
        try folder.write("engine/container.json", "{\"Id\":\"abc\"}")
        try folder.write("files/payload", "\u{7F}ELF binary bytes")
        try writeSums(folder)
        return folder
    }

    func writeSums(_ folder: TestFolder) throws {
        var digests: [String: FileDigest] = [:]
        for item in try StagingFolder.walk(folder.path) where item.isRegularFile && item.relativePath != "SHA256SUMS" {
            digests[item.relativePath] = try FileDigest.ofFile(atPath: folder.path + "/" + item.relativePath)
        }
        try? FileManager.default.removeItem(at: folder.child("SHA256SUMS"))
        try folder.write("SHA256SUMS", SHA256Sums.render(digests))
    }

    func findings(_ folder: TestFolder) throws -> [String] {
        try BundleVerifier.verify(folder.url).findings.map { "\($0.kind.rawValue) \($0.path)" }
    }

    @Test func `an intact bundle verifies, and so does a copy of it elsewhere`() throws {
        let bundle = try makeBundle()
        defer { bundle.remove() }
        let result = try BundleVerifier.verify(bundle.url)
        #expect(result.isIntact)
        #expect(result.intact == 7)

        let elsewhere = try TestFolder("verify-copy")
        defer { elsewhere.remove() }
        try FileManager.default.copyItem(at: bundle.url, to: elsewhere.child("moved"))
        #expect(try BundleVerifier.verify(elsewhere.child("moved")).isIntact)
    }

    @Test func `one changed byte, a removed file and an added file are each listed`() throws {
        let bundle = try makeBundle()
        defer { bundle.remove() }
        let handle = try FileHandle(forUpdating: bundle.child("files/payload"))
        try handle.seek(toOffset: 3)
        try handle.write(contentsOf: Data("X".utf8))
        try handle.close()
        try FileManager.default.removeItem(at: bundle.child("engine/container.json"))
        try bundle.write("files/planted", "new")
        #expect(
            try findings(bundle) == ["missing engine/container.json", "changed files/payload", "extra files/planted"])
    }

    @Test func `a symlink inside the bundle is tampering, even one that points at a listed file`() throws {
        let bundle = try makeBundle()
        defer { bundle.remove() }
        try FileManager.default.removeItem(at: bundle.child("report.json"))
        try FileManager.default.createSymbolicLink(
            atPath: bundle.child("report.json").path, withDestinationPath: bundle.child("files/payload").path)
        let found = try findings(bundle)
        #expect(found.contains("unexpected report.json"))
        #expect(found.contains("missing report.json"))
    }

    @Test func `SHA256SUMS lines that point outside the bundle are findings, never read`() throws {
        let bundle = try makeBundle()
        defer { bundle.remove() }
        let sums = try String(contentsOf: bundle.child("SHA256SUMS"), encoding: .utf8)
        let hash = String(repeating: "0", count: 64)
        try FileManager.default.removeItem(at: bundle.child("SHA256SUMS"))
        try bundle.write("SHA256SUMS", sums + "\(hash)  ../outside\n\(hash)  /etc/passwd\nnot a line\n")
        let result = try BundleVerifier.verify(bundle.url)
        #expect(result.findings.filter { $0.kind == .badSum }.count == 3)
        #expect(result.intact == 7)
    }

    @Test func `a file changed together with its SHA256SUMS line still disagrees with manifest.json`() throws {
        let bundle = try makeBundle()
        defer { bundle.remove() }
        let digest = try FileDigest.ofFile(atPath: bundle.child("files/payload").path)
        let manifest = BundleManifest(
            tool: .init(name: "alert-inspect", version: "test"),
            engine: .init(endpoint: "unix:///x", apiVersion: "1.41", isPodman: false),
            collector: .init(hostname: "h", uid: 0, startedAt: "", finishedAt: "", arguments: []),
            clock: .init(resolutionSeconds: 1), containerId: nil,
            caps: .init(maxFileBytes: 1, maxLogBytes: 1, maxFiles: 1, reached: []),
            files: [
                .init(path: "files/payload", digest: digest, kind: .extracted, producer: "test", acquiredAt: Date())
            ],
            notes: [], replay: "")
        try bundle.write("manifest.json", String(decoding: try manifest.encoded(), as: UTF8.self))
        try writeSums(bundle)
        #expect(try BundleVerifier.verify(bundle.url).isIntact)

        try FileManager.default.removeItem(at: bundle.child("files/payload"))
        try bundle.write("files/payload", "swapped")
        try writeSums(bundle)
        #expect(try findings(bundle) == ["manifest files/payload"])
    }

    @Test func `a folder with an empty SHA256SUMS is not an intact bundle: the required files are required`() throws {
        let folder = try TestFolder("verify")
        defer { folder.remove() }
        try folder.write("SHA256SUMS", "")
        let result = try BundleVerifier.verify(folder.url)
        #expect(!result.isIntact)
        #expect(
            result.findings.map { "\($0.kind.rawValue) \($0.path)" }.sorted()
                == BundleVerifier.requiredFiles.map { "missing \($0)" }.sorted())

        // Present but left out of SHA256SUMS is no better: nothing vouches for it.
        let bundle = try makeBundle()
        defer { bundle.remove() }
        let sums = try String(contentsOf: bundle.child("SHA256SUMS"), encoding: .utf8)
        try bundle.write("SHA256SUMS", sums.split(separator: "\n").filter { !$0.hasSuffix("  report.md") }.joined(separator: "\n") + "\n")
        #expect(try findings(bundle) == ["extra report.md", "missing report.md"])
    }

    @Test func `names in findings are escaped: no raw control or bidirectional character reaches the terminal`() throws {
        let bundle = try makeBundle()
        defer { bundle.remove() }
        try bundle.write("files/evil\u{202E}fdp.exe", "x")
        try bundle.write("files/title\u{1B}]0;owned\u{07}", "x")
        let lines = try BundleVerifier.verify(bundle.url).findings.map(\.description)
        #expect(lines.count == 2)
        for line in lines {
            #expect(!line.unicodeScalars.contains { $0.value == 0x202E || $0.value == 0x1B || $0.value == 0x07 }, "\(line)")
        }
        #expect(lines.contains { $0.contains("evil\\u{202e}fdp.exe") })
    }

    @Test func `no SHA256SUMS means not a bundle`() throws {
        let folder = try TestFolder("verify")
        defer { folder.remove() }
        try folder.write("report.json", "{}")
        #expect {
            try BundleVerifier.verify(folder.url)
        } throws: { error in
            guard case .notABundle = error as? EvidenceBundleError else { return false }
            return true
        }
    }

    @Test func `SHA256SUMS is written in the format sha256sum checks`() {
        let text = SHA256Sums.render([
            "b": FileDigest(sha256: String(repeating: "b", count: 64), size: 1),
            "a/x": FileDigest(sha256: String(repeating: "a", count: 64), size: 1),
        ])
        #expect(text == String(repeating: "a", count: 64) + "  a/x\n" + String(repeating: "b", count: 64) + "  b\n")
        let parsed = SHA256Sums.parse(text)
        #expect(parsed.sums.count == 2 && parsed.bad.isEmpty)
    }
}
