import Foundation

extension PingResponse {
    /// Parses an HTTP `Date` header (RFC 7231 IMF-fixdate), e.g. `Sun, 29 Nov 2026 11:00:31 GMT`.
    package static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }
}
