import ArgumentParser
import FalcoAlerts
import Foundation

/// `--alert FILE|-` and `--alert-index N`: which alert to check.
struct AlertOptions: ParsableArguments {
    @Option(help: "A Falco alert: a JSON file, JSON lines, falcosidekick's payload or a plain-text line; '-' reads standard input.")
    var alert: String?

    @Option(help: "With several alerts, use the Nth (from 1) instead of the first about the container.")
    var alertIndex: Int?

    func validate() throws {
        if let alertIndex, alertIndex < 1 { throw ValidationError("--alert-index counts from 1") }
        if alertIndex != nil && alert == nil { throw ValidationError("--alert-index needs --alert") }
    }

    /// The chosen alert and the exact bytes it came from (a bundle keeps them as received).
    struct Loaded {
        var alert: FalcoAlert
        var bytes: [UInt8]
        var source: String
    }

    /// Reads the alert file, or nil without `--alert`.
    func load(about container: String?) throws -> Loaded? {
        guard let alert else { return nil }
        let source = alert == "-" ? "<stdin>" : alert
        let bytes: [UInt8]
        if alert == "-" {
            bytes = Array(FileHandle.standardInput.readDataToEndOfFile())
        } else {
            let input = try AlertInput.open(alert)
            defer { input.close() }
            bytes = try input.readAll(limit: AlertReader.maximumDocumentSize)
        }
        let document = try AlertReader.parseDocument(bytes, source: source)
        for bad in document.badLines { Diagnostics.warning("skipped \(bad)") }
        let entries = document.entries
        let chosen: AlertDocument.Entry?
        if let alertIndex {
            guard alertIndex <= entries.count else {
                throw ValidationError("--alert-index \(alertIndex): \(source) holds \(entries.count) alert(s)")
            }
            chosen = entries[alertIndex - 1]
        } else if let container {
            chosen = entries.first { Self.isAbout($0.alert, container) } ?? entries.first
        } else {
            chosen = entries.first { !$0.alert.isHostEvent } ?? entries.first
        }
        guard let entry = chosen else { throw ValidationError("\(source) holds no alert") }
        if entry.alert.isLossy {
            Diagnostics.warning("\(source) is a plain-text alert: read as a best effort; unreadable: \(entry.alert.unreadableFields.joined(separator: ", "))")
        }
        return Loaded(alert: entry.alert, bytes: Array(document.text[entry.byteRange]), source: source)
    }

    private static func isAbout(_ alert: FalcoAlert, _ container: String) -> Bool {
        guard let id = alert.containerID, id != "host" else { return false }
        return container.hasPrefix(id) || id.hasPrefix(container) || alert.containerName == container
    }
}
