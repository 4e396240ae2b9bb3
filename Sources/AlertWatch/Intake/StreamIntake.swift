import FalcoAlerts
import Foundation

/// Feeds the lines of `--input` to the watcher, one at a time, waiting whenever the watcher or the ledger is
/// full: a fast stream is slowed to what can be recorded, never buffered without bound.
package enum StreamIntake {
    /// Reads `follower` until standard input ends or the run stops.
    ///
    /// - Returns: `true` when the input ended (standard input), `false` when the run stopped first.
    /// - Throws: ``WatchError/inputUnreadable(path:reason:)`` when reading fails.
    package static func run(_ follower: InputFollower, into watcher: Watcher, ledger: Ledger) async throws(WatchError)
        -> Bool
    {
        // Standard input is checked often (it may be a burst from a pipe); a followed file like `tail -F` does.
        let idle: Duration = follower.ends ? .milliseconds(20) : .milliseconds(200)
        // The one alert reader every entry point uses: a JSON alert over several lines is one arrival.
        var reader = AlertAssembler(source: follower.source)
        while !watcher.isStopping {
            await ledger.waitForRoom()
            guard let pieces = try follower.read() else {
                if case .badLine(let error) = reader.finish() {
                    let arrival = Watcher.Arrival(
                        place: .stream(follower.source, line: error.line ?? 0), raw: [], parsed: .failure(error),
                        receivedAt: Date())
                    _ = await watcher.take(arrival, policy: .wait)
                }
                return true
            }
            if pieces.isEmpty {
                try? await Task.sleep(for: idle)
                continue
            }
            // Lines already read are taken even when a stop comes meanwhile: each gets its line (refused).
            for piece in pieces {
                reader.encoding = follower.encoding
                if let arrival = arrival(piece, source: follower.source, reader: &reader) {
                    _ = await watcher.take(arrival, policy: .wait)
                }
            }
        }
        return false
    }

    /// The arrival a piece of the stream stands for, read on its own; `nil` for a blank line.
    package static func arrival(_ piece: LineSplitter.Piece, source: String, receivedAt: Date = Date())
        -> Watcher.Arrival?
    {
        var reader = AlertAssembler(source: source)
        return arrival(piece, source: source, reader: &reader, receivedAt: receivedAt)
            ?? reader.finish().map { arrival($0, raw: [], source: source, receivedAt: receivedAt) }
    }

    /// The arrival a piece of the stream completes in `reader`; `nil` for a blank line or one that continues a
    /// JSON alert printed over several lines.
    package static func arrival(
        _ piece: LineSplitter.Piece, source: String, reader: inout AlertAssembler, receivedAt: Date = Date()
    ) -> Watcher.Arrival? {
        switch piece {
        case .tooLong(let number) where reader.isHoldingValue:
            // The over-long line was part of a JSON alert over several lines: that alert is the bad one.
            return arrival(reader.tooLongLine(number: number, offset: 0), raw: [], source: source, receivedAt: receivedAt)
        case .tooLong(let number):
            let error = AlertParseError(
                .lineTooLong, source: source, line: number,
                reason: "the line is longer than \(AlertReader.maximumLineLength) bytes; skipped")
            return Watcher.Arrival(
                place: .stream(source, line: number), raw: [], parsed: .failure(error), receivedAt: receivedAt)
        case .line(let bytes, let number):
            guard let item = bytes.withUnsafeBufferPointer({ reader.line($0, number: number, offset: 0) }) else {
                return nil
            }
            return arrival(item, raw: item.isJoined ? reader.lastJoined : bytes, source: source, receivedAt: receivedAt)
        }
    }

    private static func arrival(_ item: AlertAssembler.Item, raw: [UInt8], source: String, receivedAt: Date)
        -> Watcher.Arrival
    {
        switch item {
        case .alert(let located):
            return Watcher.Arrival(
                place: .stream(source, line: located.line), raw: raw, parsed: .success(located.alert),
                receivedAt: receivedAt)
        case .badLine(var error):
            let line = error.line ?? 0
            error.byteOffset = nil
            return Watcher.Arrival(place: .stream(source, line: line), raw: raw, parsed: .failure(error), receivedAt: receivedAt)
        }
    }

    /// Reads one line as one alert; an error is placed on the line it came from.
    package static func parse(_ bytes: [UInt8], source: String, line: Int) -> Result<FalcoAlert, AlertParseError> {
        do {
            return .success(try AlertReader.parseAlert(bytes, source: source))
        } catch {
            var error = error
            error.line = line
            error.byteOffset = nil
            return .failure(error)
        }
    }
}
