import Foundation
import TestSupport
import Testing

/// `--since`, `--until` and `--tail` as `docker logs` takes them, against the lab's containers, which write two
/// lines every two seconds. Run through the built binary, as a responder types them.
@Suite struct LogWindowLiveTests {
    /// The report's log lines' times, from `alert-inspect <container> --format json …`.
    private func logTimes(_ arguments: [String]) throws -> (times: [Date], truncated: Bool) {
        let lab = try Lab.require(.docker)
        let run = try Tool.run(["lab-dropped", "--host", lab.host, "--format", "json"] + arguments, timeLimit: 60)
        try #require(run.status == 0, "\(run)")
        let logs = try #require(try run.json()["logs"] as? [String: Any])
        let lines = try #require(logs["lines"] as? [[String: Any]])
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let times = lines.compactMap { ($0["time"] as? String).flatMap(formatter.date(from:)) }
        #expect(times.count == lines.count, "every line has a time")
        return (times, logs["truncated"] as? Bool ?? false)
    }

    @Test(.lab) func `without an alert the newest lines are shown, as docker logs --tail does`() throws {
        let (times, truncated) = try logTimes(["--max-log-lines", "4"])
        #expect(times.count == 4 && truncated)
        let newest = try #require(times.last)
        #expect(Date().timeIntervalSince(newest) < 10, "the last line is from the last seconds, not two minutes ago")
        #expect(times == times.sorted(), "oldest first, as docker logs prints them")
    }

    @Test(.lab) func `--tail N gives the newest N lines`() throws {
        let (times, _) = try logTimes(["--tail", "3"])
        #expect(times.count == 3)
        #expect(Date().timeIntervalSince(try #require(times.last)) < 10)
    }

    @Test(.lab) func `--since and --until, relative or absolute, bound the lines`() throws {
        let (relative, _) = try logTimes(["--since", "40s", "--until", "20s"])
        let now = Date()
        #expect(!relative.isEmpty)
        for time in relative {
            #expect(now.timeIntervalSince(time) <= 42 && now.timeIntervalSince(time) >= 18, "\(time) outside 40s…20s ago")
        }
        let since = Int(now.timeIntervalSince1970) - 30
        let (absolute, _) = try logTimes(["--since", String(since), "--until", "2099-01-01T00:00:00Z"])
        #expect(!absolute.isEmpty)
        #expect(absolute.allSatisfy { $0.timeIntervalSince1970 >= Double(since) })
    }

    @Test func `a time that is none of docker's forms is a usage error`() throws {
        let run = try Tool.run(["lab-dropped", "--since", "yesterday"])
        #expect(run.status == 64, "\(run)")
        #expect(run.stderr.contains("--since yesterday"))
    }
}
