import FalcoAlerts

/// Which alert of an `--alert` document an investigation is about: the Nth when asked, else the first
/// about the named container, else the first about any container.
package enum AlertSelection {
    /// The chosen alert, the exact bytes it came from (a bundle keeps them as received), and what a
    /// person should be told about the document.
    package struct Chosen: Sendable {
        package var alert: FalcoAlert
        package var bytes: [UInt8]
        package var warnings: [String]
        /// Which of several alerts was taken, and why.
        package var notes: [String]
    }

    /// `--alert-index N` (from 1) or `--alert-index last`.
    package enum Index: Sendable, Hashable {
        case number(Int)
        case last
    }

    package enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case indexOutOfRange(index: Int, source: String, count: Int)
        case noAlert(source: String)

        package var description: String {
            switch self {
            case .indexOutOfRange(let index, let source, let count): return "--alert-index \(index): \(source) holds \(count) alert(s)"
            case .noAlert(let source): return "\(source) holds no alert"
            }
        }
    }

    package static func choose(from bytes: [UInt8], source: String, container: String?, index: Index?) throws -> Chosen {
        let document = try AlertReader.parseDocument(bytes, source: source)
        var warnings = document.badLines.map { "skipped \($0)" }
        let entries = document.entries
        let chosen: AlertDocument.Entry?
        let why: String
        switch index {
        case .number(let number):
            guard number <= entries.count else {
                throw Failure.indexOutOfRange(index: number, source: source, count: entries.count)
            }
            chosen = entries[number - 1]
            why = "--alert-index \(number)"
        case .last:
            chosen = entries.last
            why = "--alert-index last"
        case nil:
            if let container {
                chosen = entries.first { isAbout($0.alert, container) } ?? entries.first
                why = "the first about \(container)"
            } else {
                chosen = entries.first { !$0.alert.isHostEvent } ?? entries.first
                why = "the first about a container"
            }
        }
        guard let entry = chosen else { throw Failure.noAlert(source: source) }
        var notes: [String] = []
        if entries.count > 1, let position = entries.firstIndex(where: { $0.byteRange == entry.byteRange }) {
            var note = "\(source) holds \(entries.count) alerts: took alert \(position + 1) (\(why))"
            if index == nil { note += "; --alert-index N or --alert-index last takes another" }
            notes.append(note)
        }
        if entry.alert.isLossy {
            warnings.append(
                "\(source) is a plain-text alert: read as a best effort; unreadable: \(entry.alert.unreadableFields.joined(separator: ", "))")
        }
        // The alert's bytes as decoded (an input in another encoding is kept as the UTF-8 it was read as).
        return Chosen(alert: entry.alert, bytes: Array(document.text[entry.byteRange]), warnings: warnings, notes: notes)
    }

    /// The alert names `container` by id prefix (either way round) or name.
    static func isAbout(_ alert: FalcoAlert, _ container: String) -> Bool {
        guard let id = alert.containerID, id != "host" else { return false }
        return container.hasPrefix(id) || id.hasPrefix(container) || alert.containerName == container
    }
}
