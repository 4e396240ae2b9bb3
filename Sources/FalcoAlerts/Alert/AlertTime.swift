import Foundation

/// An alert's time: the text exactly as received, and the instant it names, to the nanosecond.
///
/// Falco writes `2026-04-06T15:32:10.317643960Z` (UTC, nine digits); falcosidekick re-encodes it with trailing
/// zeros dropped; Falco's text output writes `2026-04-06T15:32:10.317643960+0000`. All of these parse.
package struct AlertTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The time exactly as the input wrote it.
    package let text: String
    /// Whole seconds since 1970-01-01T00:00:00Z.
    package let secondsSinceEpoch: Int64
    /// Nanoseconds past ``secondsSinceEpoch``, `0..<1_000_000_000`.
    package let nanoseconds: Int32

    /// Parses an RFC 3339 time: `YYYY-MM-DDTHH:MM:SS`, an optional fraction of up to nine digits, then `Z`,
    /// `±HH:MM` or `±HHMM`. `nil` when `text` is anything else or names an impossible date.
    package init?(_ text: String) {
        guard let (seconds, nanoseconds) = Self.parse(Array(text.utf8)) else { return nil }
        self.text = text
        secondsSinceEpoch = seconds
        self.nanoseconds = nanoseconds
    }

    /// The time of an epoch-nanoseconds value such as `evt.time` or `container.start_ts`; its text is the UTC
    /// RFC 3339 form with nine digits, as Falco writes `time`.
    package init(nanosecondsSinceEpoch value: Int64) {
        let (seconds, remainder) = value.quotientAndRemainder(dividingBy: 1_000_000_000)
        let adjust = remainder < 0
        secondsSinceEpoch = adjust ? seconds - 1 : seconds
        nanoseconds = Int32(adjust ? remainder + 1_000_000_000 : remainder)
        text = Self.format(seconds: secondsSinceEpoch, nanoseconds: nanoseconds)
    }

    /// The instant as a `Date`. `Date` is a `Double`: it cannot hold every nanosecond, so keep ``text`` or
    /// ``secondsSinceEpoch`` and ``nanoseconds`` where exactness matters.
    package var date: Date {
        Date(timeIntervalSince1970: Double(secondsSinceEpoch) + Double(nanoseconds) / 1e9)
    }

    /// Nanoseconds since the epoch, when that fits in `Int64` (until the year 2262).
    package var nanosecondsSinceEpoch: Int64? {
        let (scaled, overflow1) = secondsSinceEpoch.multipliedReportingOverflow(by: 1_000_000_000)
        let (total, overflow2) = scaled.addingReportingOverflow(Int64(nanoseconds))
        return overflow1 || overflow2 ? nil : total
    }

    /// The instant in UTC with nine fractional digits: `2026-04-06T15:32:10.317643960Z`.
    package var iso8601: String { Self.format(seconds: secondsSinceEpoch, nanoseconds: nanoseconds) }

    package var description: String { text }

    /// Earlier instants first; equal instants by text so the order agrees with `==`.
    package static func < (left: AlertTime, right: AlertTime) -> Bool {
        if left.secondsSinceEpoch != right.secondsSinceEpoch { return left.secondsSinceEpoch < right.secondsSinceEpoch }
        if left.nanoseconds != right.nanoseconds { return left.nanoseconds < right.nanoseconds }
        return left.text.utf8.lexicographicallyPrecedes(right.text.utf8)
    }

    /// Whether this instant is strictly earlier than `other`'s, whatever their text.
    package func isBefore(_ other: AlertTime) -> Bool {
        (secondsSinceEpoch, nanoseconds) < (other.secondsSinceEpoch, other.nanoseconds)
    }

    /// Whether both name the same instant, whatever their text.
    package func isSameInstant(as other: AlertTime) -> Bool {
        secondsSinceEpoch == other.secondsSinceEpoch && nanoseconds == other.nanoseconds
    }

    // MARK: - Parsing and formatting

    private static func parse(_ bytes: [UInt8]) -> (Int64, Int32)? {
        var position = 0
        func number(_ digits: Int) -> Int? {
            guard position + digits <= bytes.count else { return nil }
            var value = 0
            for _ in 0..<digits {
                let digit = bytes[position] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                value = value * 10 + Int(digit)
                position += 1
            }
            return value
        }
        func take(_ options: String) -> Bool {
            guard position < bytes.count, options.utf8.contains(bytes[position]) else { return false }
            position += 1
            return true
        }
        guard let year = number(4), take("-"), let month = number(2), take("-"), let day = number(2),
            take("Tt "), let hour = number(2), take(":"), let minute = number(2), take(":"),
            let second = number(2)
        else { return nil }
        var nanoseconds = 0
        if take(".") {
            var digits = 0
            while position < bytes.count, bytes[position] &- UInt8(ascii: "0") <= 9 {
                guard digits < 9 else { return nil }
                nanoseconds = nanoseconds * 10 + Int(bytes[position] - UInt8(ascii: "0"))
                digits += 1
                position += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanoseconds *= 10 }
        }
        var offsetSeconds = 0
        if !take("Zz") {
            guard position < bytes.count else { return nil }
            let sign = bytes[position]
            guard sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") else { return nil }
            position += 1
            guard let offsetHours = number(2) else { return nil }
            _ = take(":")
            guard let offsetMinutes = number(2), offsetHours < 24, offsetMinutes < 60 else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (sign == UInt8(ascii: "-") ? -1 : 1)
        }
        guard position == bytes.count, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let local = epochSeconds(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        return (local - Int64(offsetSeconds), Int32(nanoseconds))
    }

    private static func isLeap(_ year: Int) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Seconds since the epoch of a validated UTC date and time, by the C library's `timegm`.
    private static func epochSeconds(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(second)
        return Int64(timegm(&parts))
    }

    private static func format(seconds: Int64, nanoseconds: Int32) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: some BinaryInteger, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(nanoseconds, 9))Z"
    }
}
