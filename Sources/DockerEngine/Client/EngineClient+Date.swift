import Foundation

extension PingResponse {
    /// Parses an HTTP `Date` header (RFC 7231 IMF-fixdate), e.g. `Sun, 29 Nov 2026 11:00:31 GMT`.
    ///
    /// Parsed by hand: a `DateFormatter` loads ICU's calendar data, which costs several
    /// milliseconds of every run's start-up on Linux.
    package static func httpDate(_ text: String) -> Date? {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let month = months.firstIndex(of: String(parts[2])),
            let day = Int(parts[1]), let year = Int(parts[3]), parts[4].count == 8
        else { return nil }
        // Not String(format:), whose first use costs about a millisecond.
        let date = [(year, 4), (month + 1, 2), (day, 2)].map { EngineTime.padded(Int64($0), $1) }
        let rfc3339 = date.joined(separator: "-") + "T\(parts[4])Z"
        return EngineTime.parse(rfc3339)?.date
    }
}
