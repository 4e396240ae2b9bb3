import ArgumentParser
import FalcoAlerts
import Foundation
import Investigation

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
        let chosen: AlertSelection.Chosen
        do {
            let index = alertIndex.map { index -> AlertSelection.Index in
                switch index {
                case .number(let number): return .number(number)
                case .last: return .last
                }
            }
            chosen = try AlertSelection.choose(from: bytes, source: source, container: container, index: index)
        } catch let failure as AlertSelection.Failure {
            throw ValidationError(failure.description)
        }
        for warning in chosen.warnings { Diagnostics.warning(warning) }
        for note in chosen.notes { Diagnostics.note(note) }
        return Loaded(alert: chosen.alert, bytes: chosen.bytes, source: source)
    }
}
