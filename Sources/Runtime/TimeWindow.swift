#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An instant, exact to the nanosecond (Falco's and the runtimes' times are).
package struct RuntimeInstant: Sendable, Hashable, Comparable {
    package var seconds: Int64
    /// 0 ..< 1_000_000_000.
    package var nanoseconds: Int64

    package init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    package static func < (lhs: RuntimeInstant, rhs: RuntimeInstant) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// RFC 3339 in UTC with nine fractional digits: `2026-11-29T11:24:14.192373470Z`.
    package var iso8601: String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        let fraction = String(nanoseconds)
        return "\(digits(Int(parts.tm_year) + 1900, 4))-\(digits(Int(parts.tm_mon) + 1, 2))-\(digits(Int(parts.tm_mday), 2))"
            + "T\(digits(Int(parts.tm_hour), 2)):\(digits(Int(parts.tm_min), 2)):\(digits(Int(parts.tm_sec), 2))."
            + String(repeating: "0", count: max(0, 9 - fraction.count)) + fraction + "Z"
    }

    private func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}

/// The span of logs and events an investigation reads around an alert.
package struct TimeWindow: Sendable, Hashable {
    package var since: RuntimeInstant
    package var until: RuntimeInstant
    /// The `until` to ask for: never past the runtime's now, or a runtime would wait for the future.
    package var requestUntil: RuntimeInstant

    package init(since: RuntimeInstant, until: RuntimeInstant, requestUntil: RuntimeInstant) {
        self.since = since
        self.until = until
        self.requestUntil = requestUntil
    }

    /// ±`span` seconds around `center` (the alert's time); without one, the last `span` up to `now`.
    /// `since` and `until`, when given (`--since`, `--until`), replace either end.
    package static func around(
        _ center: RuntimeInstant?, span: Int64, now: RuntimeInstant, since: RuntimeInstant? = nil,
        until: RuntimeInstant? = nil
    ) -> TimeWindow {
        let middle = center ?? now
        let start = since ?? RuntimeInstant(seconds: middle.seconds - span, nanoseconds: middle.nanoseconds)
        let end = until ?? (center == nil ? now : RuntimeInstant(seconds: middle.seconds + span, nanoseconds: middle.nanoseconds))
        return TimeWindow(since: start, until: end, requestUntil: min(end, now))
    }
}
