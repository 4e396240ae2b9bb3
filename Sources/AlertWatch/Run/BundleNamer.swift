import EvidenceBundle
import FalcoAlerts
import Foundation

/// Names bundle folders under `--out`: `<container id>-<alert time>`, e.g.
/// `0a8f2c69d33f-20261129T112413.352372868Z` (the arrival time when the alert has none), then `-2`, `-3`… when
/// taken. The container id comes from the alert, so it is reduced to `[A-Za-z0-9._-]` first: nothing the alert
/// says can make a path. A name is never reused, on disk or in this run, so no bundle is ever overwritten.
package struct BundleNamer: Sendable {
    package let folder: URL
    private var reserved: Set<String> = []

    package init(folder: URL) {
        self.folder = folder
    }

    /// The suffix of the file that records the alerts merged into a bundle, beside it.
    package static let mergedSuffix = ".merged.jsonl"

    /// A free bundle folder for an alert about `containerID` at `time` (or `arrival`).
    package mutating func claim(containerID: String, time: AlertTime?, arrival: Date) -> URL {
        let stamp = (time ?? AlertTime(nanosecondsSinceEpoch: Self.nanoseconds(arrival))).iso8601
            .filter { $0 != "-" && $0 != ":" }
        let base = SafeName.make(containerID, fallback: "container") + "-" + stamp
        var name = base
        var counter = 2
        while reserved.contains(name) || isTaken(name) {
            name = "\(base)-\(counter)"
            counter += 1
        }
        reserved.insert(name)
        return folder.appendingPathComponent(name)
    }

    /// Forgets a name claimed earlier: its bundle is on disk now (so it stays taken), or was never made.
    package mutating func release(_ bundle: URL) {
        reserved.remove(bundle.lastPathComponent)
    }

    /// `<bundle>.merged.jsonl`: the merged alerts, beside the bundle.
    package static func mergedFile(for bundle: URL) -> String {
        bundle.path + mergedSuffix
    }

    /// The hidden sibling that holds merged alerts while the bundle is not made yet.
    package static func spool(for bundle: URL) -> String {
        bundle.deletingLastPathComponent().appendingPathComponent(".\(bundle.lastPathComponent)\(mergedSuffix).partial")
            .path
    }

    private func isTaken(_ name: String) -> Bool {
        let bundle = folder.appendingPathComponent(name)
        return [bundle.path, Self.mergedFile(for: bundle), Self.spool(for: bundle)].contains { path in
            var info = stat()
            return lstat(path, &info) == 0
        }
    }

    private static func nanoseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1e9).rounded()
        return value.magnitude < 9e18 ? Int64(value) : 0
    }
}
