/// A time that names no zone: Falco's default `%evt.time` (`03:00:45.104332605`, local time of day, no date) or
/// a date and time without an offset. Kept exactly as written, at the precision written; it is never turned
/// into an instant, because the zone it was written in is unknown.
package struct UnzonedTime: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The time exactly as the input wrote it.
    package let text: String
    /// The date, when the text has one.
    package let date: (year: Int, month: Int, day: Int)?
    /// Seconds since midnight.
    package let secondsOfDay: Int
    /// Nanoseconds past ``secondsOfDay``.
    package let nanoseconds: Int32
    /// How many fractional digits the text gave (0 to 9): its precision.
    package let fractionDigits: Int

    /// Parses `HH:MM:SS[.f…]` or `YYYY-MM-DD[T ]HH:MM:SS[.f…]` (one to nine fractional digits, no zone); `nil` for
    /// anything else, a zone included (that is an ``AlertTime``).
    package init?(_ text: String) {
        var reader = DigitReader(Array(text.utf8))
        var date: (Int, Int, Int)?
        if reader.bytes.count > 10, reader.bytes[4] == UInt8(ascii: "-") {
            guard let year = reader.number(4), reader.take("-"), let month = reader.number(2), reader.take("-"),
                let day = reader.number(2), reader.take("T "), (1...12).contains(month), (1...31).contains(day)
            else { return nil }
            date = (year, month, day)
        }
        guard let hour = reader.number(2), reader.take(":"), let minute = reader.number(2), reader.take(":"),
            let second = reader.number(2), hour < 24, minute < 60, second < 61
        else { return nil }
        var nanoseconds = 0
        var digits = 0
        if reader.take(".") {
            while let digit = reader.digit() {
                guard digits < 9 else { return nil }
                nanoseconds = nanoseconds * 10 + digit
                digits += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<9 { nanoseconds *= 10 }
        }
        guard reader.isAtEnd else { return nil }
        self.text = text
        self.date = date.map { (year: $0.0, month: $0.1, day: $0.2) }
        secondsOfDay = hour * 3600 + minute * 60 + second
        self.nanoseconds = Int32(nanoseconds)
        fractionDigits = digits
    }

    /// `zone unknown`: what a reader must be told beside the text.
    package static let zoneNote = "zone unknown"

    package var description: String { "\(text) (\(Self.zoneNote))" }

    private var sortKey: (Int, Int, Int, Int, Int32) {
        (date?.year ?? 0, date?.month ?? 0, date?.day ?? 0, secondsOfDay, nanoseconds)
    }

    /// Earlier first as written (date, then time of day), then by text so the order agrees with `==`.
    package static func < (left: UnzonedTime, right: UnzonedTime) -> Bool {
        if left.sortKey != right.sortKey { return left.sortKey < right.sortKey }
        return left.text.utf8.lexicographicallyPrecedes(right.text.utf8)
    }

    /// Whether this time is strictly earlier than `other` as written, whatever their text.
    package func isBefore(_ other: UnzonedTime) -> Bool { sortKey < other.sortKey }

    package static func == (left: UnzonedTime, right: UnzonedTime) -> Bool { left.text == right.text }

    package func hash(into hasher: inout Hasher) { hasher.combine(text) }
}

/// Reads ASCII digits and separators from the front of a byte array.
struct DigitReader {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }

    mutating func digit() -> Int? {
        guard position < bytes.count, bytes[position] &- UInt8(ascii: "0") <= 9 else { return nil }
        position += 1
        return Int(bytes[position - 1] - UInt8(ascii: "0"))
    }

    mutating func number(_ count: Int) -> Int? {
        var value = 0
        for _ in 0..<count {
            guard let digit = digit() else { return nil }
            value = value * 10 + digit
        }
        return value
    }

    mutating func take(_ options: String) -> Bool {
        guard position < bytes.count, options.utf8.contains(bytes[position]) else { return false }
        position += 1
        return true
    }
}
