import Foundation
import Runtime

/// `--since` / `--until` values as `docker logs` takes them: a duration before now (`10m`, `1h30m`, `90s`,
/// `1.5h`), a Unix timestamp (`1733450000`, `1733450000.123456789`), or an RFC 3339 time
/// (`2026-12-06T01:02:03Z`, with fractions and an offset; without a zone, or a bare date, it is UTC).
package enum TimeArgument {
    /// The instants it reads are the runtime's own, exact to the nanosecond.
    package typealias Instant = RuntimeInstant

    /// The instant `text` names, relative ones counted back from `now`; nil when it is none of the forms.
    package static func parse(_ text: String, now: Instant) -> Instant? {
        let text = text.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return nil }
        if let nanoseconds = durationNanoseconds(text) {
            let total = now.seconds * 1_000_000_000 + now.nanoseconds - nanoseconds
            return Instant(seconds: floorDivide(total, 1_000_000_000), nanoseconds: floorModulo(total, 1_000_000_000))
        }
        if let instant = unixTimestamp(text) { return instant }
        return rfc3339(text)
    }

    /// A Go-style duration (`1h30m`, `90s`, `500ms`, `1.5h`) in nanoseconds; nil when `text` is not one.
    package static func durationNanoseconds(_ text: String) -> Int64? {
        let units: [(String, Double)] = [("ms", 1e6), ("h", 3600e9), ("m", 60e9), ("s", 1e9)]
        var rest = Substring(text)
        var total = 0.0
        var parts = 0
        while !rest.isEmpty {
            let number = rest.prefix { $0.isNumber || $0 == "." }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
            parts += 1
        }
        guard parts > 0, total.isFinite, total < 1e18 else { return nil }
        return Int64(total)
    }

    private static func unixTimestamp(_ text: String) -> Instant? {
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let seconds = Int64(pieces[0]), pieces[0].allSatisfy(\.isNumber) else { return nil }
        var nanoseconds: Int64 = 0
        if pieces.count == 2 {
            let fraction = pieces[1]
            guard !fraction.isEmpty, fraction.count <= 9, fraction.allSatisfy(\.isNumber) else { return nil }
            nanoseconds = Int64(fraction.padding(toLength: 9, withPad: "0", startingAt: 0)) ?? 0
        }
        return Instant(seconds: seconds, nanoseconds: nanoseconds)
    }

    private static func rfc3339(_ text: String) -> Instant? {
        // date, optional time, optional fraction, optional zone
        let pattern = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?([Zz]|[+-]\d{2}:?\d{2})?$/
        guard let match = text.wholeMatch(of: pattern) else { return nil }
        var components = DateComponents()
        components.calendar = Calendar(identifier: .gregorian)
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = Int(match.1)
        components.month = Int(match.2)
        components.day = Int(match.3)
        components.hour = match.4.flatMap { Int($0) } ?? 0
        components.minute = match.5.flatMap { Int($0) } ?? 0
        components.second = match.6.flatMap { Int($0) } ?? 0
        guard components.isValidDate, let date = components.date else { return nil }
        var seconds = Int64(date.timeIntervalSince1970.rounded())
        if let zone = match.8, zone != "Z", zone != "z" {
            let digits = zone.dropFirst().filter(\.isNumber)
            guard let hours = Int64(digits.prefix(2)), let minutes = Int64(digits.suffix(2)) else { return nil }
            let offset = (hours * 3600 + minutes * 60) * (zone.hasPrefix("-") ? -1 : 1)
            seconds -= offset
        }
        let fraction = match.7.map { String($0).padding(toLength: 9, withPad: "0", startingAt: 0) }
        return Instant(seconds: seconds, nanoseconds: fraction.flatMap { Int64($0) } ?? 0)
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }
    private static func floorModulo(_ a: Int64, _ b: Int64) -> Int64 { a - floorDivide(a, b) * b }
}
