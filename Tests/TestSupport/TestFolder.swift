import Foundation

/// A fresh folder under the system's temporary directory, removed by `remove()`.
package struct TestFolder {
    package let url: URL

    package init(_ label: String = "bundle-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(label)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    }

    package var path: String { url.path }

    package func child(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Every path below the folder, relative, sorted: what a test compares before and after.
    package func listing() -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: path)
        var paths: [String] = []
        while let next = enumerator?.nextObject() as? String { paths.append(next) }
        return paths.sorted()
    }

    package func write(_ relative: String, _ text: String) throws {
        let target = child(relative)
        try FileManager.default.createDirectory(
            at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    package func mode(_ relative: String) -> mode_t? {
        var info = stat()
        guard lstat(child(relative).path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }

    package func remove() {
        // Acquired files are 0400 in 0700 folders: removable by their owner as they are.
        try? FileManager.default.removeItem(at: url)
    }
}
