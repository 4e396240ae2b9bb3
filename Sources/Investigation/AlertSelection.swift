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

    package static func choose(from bytes: [UInt8], source: String, container: String?, index: Int?) throws -> Chosen {
        let document = try AlertReader.parseDocument(bytes, source: source)
        var warnings = document.badLines.map { "skipped \($0)" }
        let entries = document.entries
        let chosen: AlertDocument.Entry?
        if let index {
            guard index <= entries.count else { throw Failure.indexOutOfRange(index: index, source: source, count: entries.count) }
            chosen = entries[index - 1]
        } else if let container {
            chosen = entries.first { isAbout($0.alert, container) } ?? entries.first
        } else {
            chosen = entries.first { !$0.alert.isHostEvent } ?? entries.first
        }
        guard let entry = chosen else { throw Failure.noAlert(source: source) }
        if entry.alert.isLossy {
            warnings.append(
                "\(source) is a plain-text alert: read as a best effort; unreadable: \(entry.alert.unreadableFields.joined(separator: ", "))")
        }
        return Chosen(alert: entry.alert, bytes: Array(bytes[entry.byteRange]), warnings: warnings)
    }

    /// The alert names `container` by id prefix (either way round) or name.
    static func isAbout(_ alert: FalcoAlert, _ container: String) -> Bool {
        guard let id = alert.containerID, id != "host" else { return false }
        return container.hasPrefix(id) || id.hasPrefix(container) || alert.containerName == container
    }
}
