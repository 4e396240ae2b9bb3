import FalcoAlerts
import Foundation
import Testing

@testable import AlertWatch

/// Which alerts are "the same" and for how long.
struct DeduperTests {
    let key = DedupeKey(
        containerID: "0a8f2c69d33f", rule: "Drop and execute new binary in container", exePath: "/tmp/x")
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func time(_ seconds: Int) -> AlertTime {
        AlertTime(nanosecondsSinceEpoch: Int64(1_800_000_000 + seconds) * 1_000_000_000)
    }

    @Test func `repeats within the window of the first alert's time join its group`() {
        var deduper = Deduper(window: 600)
        #expect(deduper.group(for: key, time: time(0), arrival: start) == nil)
        deduper.open(1, for: key, time: time(0), arrival: start)
        #expect(deduper.group(for: key, time: time(599), arrival: start)?.id == 1)
        // Out of order, a little earlier, is still the same burst.
        #expect(deduper.group(for: key, time: time(-30), arrival: start)?.id == 1)
        // The window is fixed at the first alert, not sliding.
        #expect(deduper.group(for: key, time: time(600), arrival: start) == nil)
    }

    @Test func `the window is by alert time, so a replay merges as it would have live`() {
        var deduper = Deduper(window: 600)
        deduper.open(1, for: key, time: time(0), arrival: start)
        // An hour of alerts replayed within a second: only the first ten minutes' repeats merge.
        #expect(deduper.group(for: key, time: time(300), arrival: start.addingTimeInterval(0.1))?.id == 1)
        #expect(deduper.group(for: key, time: time(3000), arrival: start.addingTimeInterval(0.2)) == nil)
    }

    @Test func `without an alert time, arrival time decides`() {
        var deduper = Deduper(window: 60)
        deduper.open(1, for: key, time: nil, arrival: start)
        #expect(deduper.group(for: key, time: time(5000), arrival: start.addingTimeInterval(59))?.id == 1)
        #expect(deduper.group(for: key, time: nil, arrival: start.addingTimeInterval(61)) == nil)
    }

    @Test func `another container, rule or executable is another group`() {
        var deduper = Deduper(window: 600)
        deduper.open(1, for: key, time: time(0), arrival: start)
        for other in [
            DedupeKey(containerID: "ffffffffffff", rule: key.rule, exePath: key.exePath),
            DedupeKey(containerID: key.containerID, rule: "Terminal shell in container", exePath: key.exePath),
            DedupeKey(containerID: key.containerID, rule: key.rule, exePath: "/tmp/y"),
        ] {
            #expect(deduper.group(for: other, time: time(1), arrival: start) == nil)
        }
    }

    @Test func `a zero window merges nothing`() {
        var deduper = Deduper(window: 0)
        deduper.open(1, for: key, time: time(0), arrival: start)
        #expect(deduper.group(for: key, time: time(0), arrival: start) == nil)
        #expect(deduper.count == 0)
    }

    @Test func `groups close once their window passed and their owner lets them go`() {
        var deduper = Deduper(window: 600)
        deduper.open(1, for: key, time: time(0), arrival: start)
        let other = DedupeKey(containerID: "ffffffffffff", rule: key.rule, exePath: key.exePath)
        deduper.open(2, for: other, time: time(100), arrival: start)
        #expect(deduper.closeExpired(now: start.addingTimeInterval(10), mayClose: { _ in true }) == [])
        // The clock passed both windows, but group 1's investigation still runs.
        #expect(deduper.closeExpired(now: start.addingTimeInterval(700), mayClose: { $0 == 2 }) == [2])
        #expect(deduper.count == 1)
        #expect(deduper.closeAll(mayClose: { _ in true }) == [1])
        #expect(deduper.count == 0)
    }

    @Test func `a later alert time closes old windows before the clock does`() {
        var deduper = Deduper(window: 600)
        // A replayed stream: alert times an hour old, all arriving now.
        let now = start.addingTimeInterval(3600)
        deduper.open(1, for: key, time: time(0), arrival: now)
        let other = DedupeKey(containerID: "ffffffffffff", rule: key.rule, exePath: key.exePath)
        _ = deduper.group(for: other, time: time(900), arrival: now)
        #expect(deduper.closeExpired(now: now, mayClose: { _ in true }) == [1])
    }

    @Test func `an alert time ahead of the clock does not close every window`() {
        var deduper = Deduper(window: 600)
        deduper.open(1, for: key, time: time(0), arrival: start)
        let other = DedupeKey(containerID: "ffffffffffff", rule: key.rule, exePath: key.exePath)
        _ = deduper.group(for: other, time: time(86_400 * 365), arrival: start.addingTimeInterval(1))
        #expect(deduper.closeExpired(now: start.addingTimeInterval(1), mayClose: { _ in true }) == [])
        #expect(deduper.group(for: key, time: time(2), arrival: start.addingTimeInterval(2))?.id == 1)
    }

    @Test func `removing a failed group lets the next repeat investigate again`() {
        var deduper = Deduper(window: 600)
        deduper.open(1, for: key, time: time(0), arrival: start)
        deduper.remove(2, for: key)
        #expect(deduper.group(for: key, time: time(1), arrival: start)?.id == 1)
        deduper.remove(1, for: key)
        #expect(deduper.group(for: key, time: time(1), arrival: start) == nil)
    }
}
