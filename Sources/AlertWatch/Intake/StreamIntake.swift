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
        while !watcher.isStopping {
            await ledger.waitForRoom()
            guard let pieces = try follower.read() else { return true }
            if pieces.isEmpty {
                try? await Task.sleep(for: idle)
                continue
            }
            // Lines already read are taken even when a stop comes meanwhile: each gets its line (refused).
            for piece in pieces {
                if let arrival = arrival(piece, source: follower.source) {
                    _ = await watcher.take(arrival, policy: .wait)
                }
            }
        }
        return false
    }

    /// The arrival a piece of the stream stands for; `nil` for a blank line.
    package static func arrival(_ piece: LineSplitter.Piece, source: String, receivedAt: Date = Date())
        -> Watcher.Arrival?
    {
        switch piece {
        case .tooLong(let number):
            let error = AlertParseError(
                .lineTooLong, source: source, line: number,
                reason: "the line is longer than \(AlertReader.maximumLineLength) bytes; skipped")
            return Watcher.Arrival(
                place: .stream(source, line: number), raw: [], parsed: .failure(error), receivedAt: receivedAt)
        case .line(let bytes, let number):
            guard bytes.contains(where: { !isBlank($0) }) else { return nil }
            return Watcher.Arrival(
                place: .stream(source, line: number), raw: bytes,
                parsed: parse(bytes, source: source, line: number), receivedAt: receivedAt)
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

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}
