import FalcoAlerts
import Foundation

/// What makes two alerts "the same": the container, the rule and the executable.
package struct DedupeKey: Sendable, Hashable {
    package var containerID: String
    package var rule: String
    package var exePath: String

    package init(containerID: String, rule: String, exePath: String) {
        self.containerID = containerID
        self.rule = rule
        self.exePath = exePath
    }

    package init(_ alert: FalcoAlert, containerID: String) {
        self.init(containerID: containerID, rule: alert.rule, exePath: alert.exePath ?? "")
    }
}

/// Groups repeats of an alert: an alert whose key has an open group, within the window of that group's first
/// alert, belongs to it; any other alert opens a group of its own.
///
/// The window is measured between alert times (`time`), so a replayed burst of old alerts merges exactly as it
/// would have live; when either alert has no time, between arrival times. It is fixed at the group's first
/// alert, not sliding: a container that keeps firing gets a fresh investigation every window.
///
/// A group closes once its window has passed, by the latest alert time seen or by the clock, whichever comes
/// first, and only when its owner says it may (an investigation still running keeps its group open, since
/// repeats must go to the bundle it will make). Memory therefore grows with the keys seen within one window.
package struct Deduper: Sendable {
    package struct Group: Sendable, Hashable {
        package var id: Int
        package var firstTime: AlertTime?
        package var firstArrival: Date
    }

    /// Window length in seconds; 0 merges nothing.
    package let window: Double
    private var groups: [DedupeKey: Group] = [:]
    /// The latest alert time seen, so a replayed stream's windows close by its own clock.
    private var latestTime: AlertTime?

    package init(window: Double) {
        self.window = window
    }

    package var count: Int { groups.count }

    /// The open group `key` belongs to at `time`/`arrival`, if any.
    package mutating func group(for key: DedupeKey, time: AlertTime?, arrival: Date) -> Group? {
        if let time {
            // A time ahead of the clock (a forged or skewed alert) must not close every window at once.
            let now = AlertTime(nanosecondsSinceEpoch: Int64((arrival.timeIntervalSince1970 * 1e9).rounded()))
            let seen = now.isBefore(time) ? now : time
            if latestTime.map({ $0.isBefore(seen) }) ?? true { latestTime = seen }
        }
        guard window > 0, let group = groups[key] else { return nil }
        return isWithin(group, time: time, arrival: arrival) ? group : nil
    }

    /// Opens a group for `key`, replacing one whose window had passed.
    package mutating func open(_ id: Int, for key: DedupeKey, time: AlertTime?, arrival: Date) {
        guard window > 0 else { return }
        groups[key] = Group(id: id, firstTime: time, firstArrival: arrival)
    }

    /// Forgets `key`'s group if it is `id` (a failed investigation: the next alert should try again).
    package mutating func remove(_ id: Int, for key: DedupeKey) {
        if groups[key]?.id == id { groups[key] = nil }
    }

    /// Closes the groups whose window has passed at `now` and that `mayClose` lets go; returns their ids.
    package mutating func closeExpired(now: Date, mayClose: (Int) -> Bool) -> [Int] {
        var closed: [Int] = []
        for (key, group) in groups where isExpired(group, now: now) && mayClose(group.id) {
            groups[key] = nil
            closed.append(group.id)
        }
        return closed
    }

    /// Closes every group `mayClose` lets go, window or not (the run is ending).
    package mutating func closeAll(mayClose: (Int) -> Bool) -> [Int] {
        closeExpired(now: .distantFuture, mayClose: mayClose)
    }

    private func isWithin(_ group: Group, time: AlertTime?, arrival: Date) -> Bool {
        if let time, let first = group.firstTime {
            return abs(Self.seconds(from: first, to: time)) < window
        }
        return arrival.timeIntervalSince(group.firstArrival) < window
    }

    private func isExpired(_ group: Group, now: Date) -> Bool {
        if now.timeIntervalSince(group.firstArrival) >= window { return true }
        if let first = group.firstTime, let latestTime { return Self.seconds(from: first, to: latestTime) >= window }
        return false
    }

    private static func seconds(from start: AlertTime, to end: AlertTime) -> Double {
        Double(end.secondsSinceEpoch - start.secondsSinceEpoch) + Double(end.nanoseconds - start.nanoseconds) / 1e9
    }
}
