import Foundation

/// An instant as the engine writes it, exact to the nanosecond.
///
/// Docker stamps log lines, events and container states with nanoseconds, and those digits are what
/// order them against a Falco alert's `evt.time`. `Date` is a `Double` and drops them, so the instant
/// is kept as whole seconds plus nanoseconds and `date` is only derived for display and arithmetic.
/// It encodes as an RFC 3339 string with nine fractional digits in UTC.
package struct EngineTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before it).
    package var seconds: Int64
    /// The fraction of the second, always in `0..<1_000_000_000`.
    package var nanoseconds: Int32

    /// Creates an instant; `nanoseconds` outside one second carry into `seconds`.
    package init(seconds: Int64, nanoseconds: Int64 = 0) {
        let (carry, rest) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        self.seconds = seconds + carry - (rest < 0 ? 1 : 0)
        self.nanoseconds = Int32(rest < 0 ? rest + 1_000_000_000 : rest)
    }

    /// Creates an instant from nanoseconds since the epoch, as in an event's `timeNano`.
    package init(unixNanoseconds: Int64) {
        self.init(seconds: 0, nanoseconds: unixNanoseconds)
    }

    /// The instant as a `Date`; sub-microsecond digits are lost.
    package var date: Date {
        Date(timeIntervalSince1970: Double(seconds) + Double(nanoseconds) / 1e9)
    }

    /// Go's zero `time.Time` (`0001-01-01T00:00:00Z`), which the engine writes for "never"
    /// (e.g. `FinishedAt` of a running container).
    package var isGoZeroTime: Bool { seconds == Self.goZeroSeconds && nanoseconds == 0 }

    private static let goZeroSeconds: Int64 = -62_135_596_800

    package static func < (lhs: EngineTime, rhs: EngineTime) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// RFC 3339 in UTC with nine fractional digits, the form Docker uses for log timestamps.
    package var description: String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Self.civil(fromDays: days)
        let yearText = year < 0 ? "-" + Self.padded(-year, 4) : Self.padded(year, 4)
        return yearText + "-" + Self.padded(month, 2) + "-" + Self.padded(day, 2) + "T"
            + Self.padded(secondOfDay / 3600, 2) + ":" + Self.padded(secondOfDay / 60 % 60, 2) + ":"
            + Self.padded(secondOfDay % 60, 2) + "." + Self.padded(Int64(nanoseconds), 9) + "Z"
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let time = Self.parse(text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "not an RFC 3339 time: \(text)")
        }
        self = time
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    // MARK: Parsing

    /// Parses an RFC 3339 time (`2024-05-01T12:00:00Z`, `…T12:00:00.123456789+02:00`), as Go writes
    /// `time.Time` in JSON. Returns `nil` for anything else, trailing text included.
    package static func parse(_ text: String) -> EngineTime? {
        var text = text
        return text.withUTF8 { utf8 in
            guard let (time, length) = parsePrefix(UnsafeRawBufferPointer(utf8)), length == utf8.count else {
                return nil
            }
            return time
        }
    }

    /// Parses an engine date field, treating what the engine means as "none" as `nil`: a missing or
    /// empty field, Go's zero time, or text that is not a time.
    package static func parseEngineDate(_ text: String?) -> EngineTime? {
        guard let text, !text.isEmpty, let time = parse(text), !time.isGoZeroTime else { return nil }
        return time
    }

    /// Parses an RFC 3339 time at the start of `bytes` and returns it with the number of bytes it took.
    ///
    /// Accepts 0 to 9 fractional digits (more are read and dropped, as Go does), `Z`/`z` or a
    /// `±hh:mm` offset, and `T`/`t` as the separator. Works on raw bytes so log decoding can call it on
    /// a chunk without making a `String`.
    package static func parsePrefix(_ bytes: UnsafeRawBufferPointer) -> (EngineTime, length: Int)? {
        var reader = DigitReader(bytes: bytes)
        guard let year = reader.number(digits: 4), reader.skip("-"),
            let month = reader.number(digits: 2), reader.skip("-"),
            let day = reader.number(digits: 2), reader.skip("T") || reader.skip("t"),
            let hour = reader.number(digits: 2), reader.skip(":"),
            let minute = reader.number(digits: 2), reader.skip(":"),
            let second = reader.number(digits: 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }

        var nanoseconds: Int64 = 0
        if reader.skip(".") {
            var digits = 0
            while let digit = reader.digit() {
                if digits < 9 { nanoseconds = nanoseconds * 10 + digit }
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 9) { nanoseconds *= 10 }
        }

        var offset: Int64 = 0
        if reader.skip("Z") || reader.skip("z") {
            offset = 0
        } else {
            let sign: Int64
            if reader.skip("+") {
                sign = 1
            } else if reader.skip("-") {
                sign = -1
            } else {
                return nil
            }
            guard let offsetHours = reader.number(digits: 2), reader.skip(":"),
                let offsetMinutes = reader.number(digits: 2), offsetHours < 24, offsetMinutes < 60
            else { return nil }
            offset = sign * (offsetHours * 3600 + offsetMinutes * 60)
        }

        let days = Self.days(fromCivilYear: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset
        return (EngineTime(seconds: seconds, nanoseconds: nanoseconds), reader.position)
    }

    // MARK: Calendar arithmetic (proleptic Gregorian, no Foundation calendar or locale involved)

    private static func isLeap(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 for a civil date (Howard Hinnant's `days_from_civil`).
    private static func days(fromCivilYear year: Int64, month: Int64, day: Int64) -> Int64 {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The civil date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// `value` in decimal, zero-padded on the left to `width` digits.
    static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}

/// Reads fixed-width ASCII fields from raw bytes without allocating.
private struct DigitReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func digit() -> Int64? {
        guard position < bytes.count else { return nil }
        let byte = bytes[position]
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        position += 1
        return Int64(byte - UInt8(ascii: "0"))
    }

    mutating func number(digits: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<digits {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: character) else { return false }
        position += 1
        return true
    }
}
