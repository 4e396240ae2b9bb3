import ArgumentParser
import CommandLineSupport
import Runtime
import Foundation
import Investigation

/// `--since`, `--until` and `--tail`, as `docker logs` takes them.
struct LogWindowOptions: ParsableArguments {
    @Option(help: "Logs and events from this time: a duration before now (10m, 1h30m), a Unix timestamp or an RFC 3339 time (instead of --window before the alert).")
    var since: String?

    @Option(help: "Logs and events up to this time, in the same forms as --since (instead of --window after the alert).")
    var until: String?

    @Option(help: "Show the newest N log lines of the window (without an alert the newest are shown anyway).")
    var tail: Int?

    func validate() throws {
        if let tail, tail < 0 { throw ValidationError("--tail cannot be negative") }
        let (since, until) = try instants()
        if let since, let until, until < since { throw ValidationError("--until is before --since") }
    }

    /// The window's ends and the tail, written into the investigation's settings.
    func apply(to settings: inout Investigator.Settings) throws {
        let (since, until) = try instants()
        settings.since = since
        settings.until = until
        settings.tail = tail
    }

    private func instants() throws -> (RuntimeInstant?, RuntimeInstant?) {
        let clock = Date().timeIntervalSince1970
        let now = RuntimeInstant(seconds: Int64(clock), nanoseconds: Int64((clock - clock.rounded(.down)) * 1e9))
        func parse(_ text: String?, _ option: String) throws -> RuntimeInstant? {
            guard let text else { return nil }
            guard let instant = TimeArgument.parse(text, now: now) else {
                throw ValidationError(
                    "\(option) \(text): use a duration (10m, 1h30m), a Unix timestamp or an RFC 3339 time (2026-12-06T01:02:03Z)")
            }
            return instant
        }
        return (try parse(since, "--since"), try parse(until, "--until"))
    }
}
