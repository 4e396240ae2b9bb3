/// The names of the parts of a bundle (docs/bundle.md), in one place.
package enum BundleLayout {
    package static let report = "report.json"
    package static let reportMarkdown = "report.md"
    package static let alert = "alert.json"
    package static let engine = "engine"
    /// The replayable recording of the investigation: `alert-inspect inspect --replay <bundle>/engine/recording`.
    package static let recording = "engine/recording"
    package static let logs = "logs"
    /// The log window exactly as the engine sent it (multiplexed frames unless the container has a TTY).
    package static let rawLogs = "logs/window.raw"
    package static let files = "files"
    package static let collectionLog = "collection.log"
    package static let manifest = "manifest.json"
    package static let sums = SHA256Sums.fileName
}
