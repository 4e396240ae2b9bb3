import Testing

@testable import CommandLineSupport

@Suite struct TimeArgumentTests {
    private let now = TimeArgument.Instant(seconds: 1_765_000_000, nanoseconds: 500)

    private func parse(_ text: String) -> TimeArgument.Instant? { TimeArgument.parse(text, now: now) }

    @Test func `durations count back from now, as docker logs --since 10m`() {
        #expect(parse("10m") == .init(seconds: 1_765_000_000 - 600, nanoseconds: 500))
        #expect(parse("1h30m") == .init(seconds: 1_765_000_000 - 5400, nanoseconds: 500))
        #expect(parse("1.5h") == .init(seconds: 1_765_000_000 - 5400, nanoseconds: 500))
        #expect(parse("250ms") == .init(seconds: 1_764_999_999, nanoseconds: 750_000_500))
        #expect(parse("0s") == now)
    }

    @Test func `Unix timestamps, with nanoseconds`() {
        #expect(parse("1733450000") == .init(seconds: 1_733_450_000))
        #expect(parse("1733450000.5") == .init(seconds: 1_733_450_000, nanoseconds: 500_000_000))
        #expect(parse("1733450000.000000001") == .init(seconds: 1_733_450_000, nanoseconds: 1))
    }

    @Test func `RFC 3339 times, zones and bare dates`() {
        #expect(parse("2026-12-06T01:02:03Z") == .init(seconds: 1_796_518_923))
        #expect(parse("2026-12-06T03:02:03+02:00") == .init(seconds: 1_796_518_923))
        #expect(parse("2026-12-06T01:02:03.25Z") == .init(seconds: 1_796_518_923, nanoseconds: 250_000_000))
        #expect(parse("2026-12-06T01:02:03") == .init(seconds: 1_796_518_923), "no zone: UTC")
        #expect(parse("2026-12-06") == .init(seconds: 1_796_515_200))
    }

    @Test(arguments: ["", "yesterday", "10x", "m", "2026-13-01", "2026-12-06T25:00:00Z", "1.2.3", "-5m"])
    func `anything else is refused`(text: String) {
        #expect(parse(text) == nil, "\(text)")
    }
}
