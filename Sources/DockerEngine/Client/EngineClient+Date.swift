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
        func padded(_ number: Int, _ width: Int) -> String {
            let digits = String(number)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        let rfc3339 = "\(padded(year, 4))-\(padded(month + 1, 2))-\(padded(day, 2))T\(parts[4])Z"
        return EngineTime.parse(rfc3339)?.date
    }
}
