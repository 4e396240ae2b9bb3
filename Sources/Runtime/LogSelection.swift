/// Which log lines of a window a report shows, as `docker logs` would: the first `limit` lines of the
/// window around an alert (what led up to it and followed), or the newest `limit` (`--tail N`, and always
/// without an alert, where the latest lines are what a responder wants to see).
package struct LogSelection<Line> {
    package enum Keep: Sendable {
        case oldest
        case newest
    }

    package let limit: Int
    package let keep: Keep
    /// The lines kept, in the order they came.
    package private(set) var lines: [Line] = []
    /// Lines seen but not kept.
    package private(set) var dropped = 0
    // For `.newest`: a ring buffer whose oldest line is at `start`.
    private var start = 0

    package init(limit: Int, keep: Keep) {
        self.limit = max(0, limit)
        self.keep = keep
        lines.reserveCapacity(min(self.limit, 4096))
    }

    /// Offers the next line; returns false once no later line can be kept (`.oldest` and full), so a reader
    /// that need not see the rest can stop.
    @discardableResult
    package mutating func offer(_ line: Line) -> Bool {
        if lines.count < limit {
            lines.append(line)
            return true
        }
        dropped += 1
        switch keep {
        case .oldest:
            return false
        case .newest:
            guard limit > 0 else { return true }
            lines[start] = line
            start = (start + 1) % limit
            return true
        }
    }

    /// The kept lines, oldest first.
    package var ordered: [Line] {
        start == 0 ? lines : Array(lines[start...] + lines[..<start])
    }

    /// Whether some lines of the window are not shown.
    package var truncated: Bool { dropped > 0 }
}
