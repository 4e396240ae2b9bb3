import ArgumentParser
import FalcoAlerts
import Foundation

/// `--alert FILE|-` and `--alert-index N`: which alert to check.
struct AlertOptions: ParsableArguments {
    @Option(help: "A Falco alert: a JSON file, JSON lines, falcosidekick's payload or a plain-text line; '-' reads standard input.")
    var alert: String?

    @Option(help: "With several alerts, use the Nth (from 1) or the last, instead of the first about the container.")
    var alertIndex: AlertIndex?

    func validate() throws {
        if case .number(let number) = alertIndex, number < 1 { throw ValidationError("--alert-index counts from 1") }
        if alertIndex != nil && alert == nil { throw ValidationError("--alert-index needs --alert") }
    }

    /// `--alert-index N` or `--alert-index last`.
    enum AlertIndex: ExpressibleByArgument {
        case number(Int)
        case last

        init?(argument: String) {
            if argument == "last" {
                self = .last
            } else if let number = Int(argument) {
                self = .number(number)
            } else {
                return nil
            }
        }
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
        let why: String
        switch alertIndex {
        case .number(let number):
            guard number <= entries.count else {
                throw ValidationError("--alert-index \(number): \(source) holds \(entries.count) alert(s)")
            }
            chosen = entries[number - 1]
            why = "--alert-index \(number)"
        case .last:
            chosen = entries.last
            why = "--alert-index last"
        case nil:
            if let container {
                chosen = entries.first { Self.isAbout($0.alert, container) } ?? entries.first
                why = "the first about \(container)"
            } else {
                chosen = entries.first { !$0.alert.isHostEvent } ?? entries.first
                why = "the first about a container"
            }
        }
        guard let entry = chosen else { throw ValidationError("\(source) holds no alert") }
        if entries.count > 1, let position = entries.firstIndex(where: { $0.byteRange == entry.byteRange }) {
            var note = "\(source) holds \(entries.count) alerts: took alert \(position + 1) (\(why))"
            if alertIndex == nil { note += "; --alert-index N or --alert-index last takes another" }
            Diagnostics.note(note)
        }
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
