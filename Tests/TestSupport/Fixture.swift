import Foundation

/// Files under the repository's `Fixtures/` folder and the shared upstream samples beside the project.
package enum Fixture {
    /// The repository root, found from this file's own path.
    package static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // TestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    /// A path under `Fixtures/`.
    package static func url(_ relativePath: String) -> URL {
        root.appendingPathComponent("Fixtures").appendingPathComponent(relativePath)
    }

    /// The contents of a file under `Fixtures/`.
    package static func data(_ relativePath: String) throws -> Data {
        try Data(contentsOf: url(relativePath))
    }

    /// Real Falco alerts from public sources, kept outside the project (`../shared/upstream-samples/falco`).
    /// `nil` when that folder is not there, so tests that walk it can say they were skipped.
    package static var upstreamFalcoSamples: URL? {
        let url = root.deletingLastPathComponent()
            .appendingPathComponent("shared/upstream-samples/falco")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    /// An archive from the fuzzers' seed corpus, `Tests/FuzzCorpus/TarArchive/seed-<name>` (its first byte
    /// is the fuzzer's chunk-size control, dropped here).
    package static func seedArchive(_ name: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent("Tests/FuzzCorpus/TarArchive/seed-\(name)")).dropFirst()
    }
}
