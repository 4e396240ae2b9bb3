import FalcoAlerts
import Foundation
import Testing

@testable import AlertWatch

/// What a flood of alerts may cost on disk: records of bounded size, and no new bundle past `--max-disk`.
@Suite struct WatchBudgetTests {
    /// A valid alert about `container` padded to about `bytes` bytes through its `output` field.
    private func largeAlert(container: String, bytes: Int, number: Int) -> String {
        let line = alertLine(container: container, uuid: String(format: "0b0e8a6c-0000-4000-8000-%012d", number))
        let padding = String(repeating: "p", count: max(0, bytes - line.utf8.count))
        return line.replacingOccurrences(of: "\"output\":\"x\"", with: "\"output\":\"\(padding)\"")
    }

    @Test func `journal and merged records of 1 MB alerts keep their identity and sha256, not their bodies`()
        async throws
    {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let journalPath = scratch.path("journal.jsonl")
        let harness = try Harness(scratch, journal: try Journal(path: journalPath))
        let workers = Task { await harness.watcher.work() }
        // One investigation and 19 repeats merged into it: 20 MB received.
        for number in 1...20 {
            let line = largeAlert(container: "0a8f2c69d33f", bytes: 1_000_000, number: number)
            #expect(line.utf8.count > 999_000)
            _ = await harness.watcher.take(arrival(line, number: number), policy: .refuseWhenFull)
        }
        await harness.watcher.endOfInput()
        await workers.value
        let outcomes = try await harness.finish()
        #expect(outcomes.filter { $0.action == "merged" }.count == 19)

        let journalBytes = try FileManager.default.attributesOfItem(atPath: journalPath)[.size] as? Int ?? -1
        #expect(journalBytes < 40_000, "the journal holds \(journalBytes) bytes for 20 alerts")
        let accepted = try scratch.lines("journal.jsonl").filter { $0.contains("\"record\":\"accepted\"") }
        #expect(accepted.count == 20)
        #expect(accepted.allSatisfy { $0.contains("\"rawOmitted\":") && $0.contains("\"sha256\":\"") })
        let merged = try #require(scratch.listing("out").first { $0.hasSuffix(".merged.jsonl") })
        let mergedBytes = try FileManager.default.attributesOfItem(atPath: scratch.path("out/" + merged))[.size] as? Int
        #expect((mergedBytes ?? .max) < 20_000)
        let mergedLines = try scratch.lines("out/" + merged).filter { $0.contains("\"mergedInto\"") }
        #expect(mergedLines.count == 19 && mergedLines.allSatisfy { $0.contains("\"sha256\":\"") })

        // A restart cannot investigate an alert whose bytes were not kept: it says so instead of losing it.
        let lines = try scratch.lines("journal.jsonl").filter { !$0.contains("\"record\":\"outcome\"") }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: journalPath))
        let reopened = try Journal(path: journalPath)
        #expect(reopened.unfinished.count == 20)
        #expect(reopened.unfinished.allSatisfy { ($0.omittedBytes ?? 0) > 999_000 && $0.sha256?.count == 64 })
    }

    @Test func `a small alert is still kept exactly, for a restart to investigate`() {
        let line = alertLine()
        let record = Journal.accepted(
            entry: 1, identity: AlertIdentity(source: "<stdin>", line: 1), raw: Array(line.utf8), receivedAt: Date())
        #expect(record.contains("\"raw\":"))
        #expect(!record.contains("rawOmitted"))
    }

    @Test func `past --max-disk no new bundle is made: the alert fails, loudly, and the journal says why`()
        async throws
    {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let journalPath = scratch.path("journal.jsonl")
        let notices = Notices()
        let harness = try Harness(scratch, journal: try Journal(path: journalPath)) { settings in
            settings.diskBudget = DiskBudget(
                limit: 256 << 10, folder: scratch.path("out"), journal: scratch.path("journal.jsonl"), maxAge: 0)
            settings.notice = { notices.add($0) }
        }
        let workers = Task { await harness.watcher.work() }
        // The first bundle (the fake keeps the alert in it) takes the budget.
        let first = largeAlert(container: "aaaaaaaaaaaa", bytes: 60_000, number: 1)
        _ = await harness.watcher.take(arrival(first, number: 1), policy: .wait)
        for _ in 0..<200 where harness.investigator.investigated.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
        }
        // Filler in --out stands for the bundles of earlier alerts.
        try Data(repeating: 0x41, count: 300 << 10).write(to: scratch.url.appendingPathComponent("out/earlier"))
        for number in 2...4 {
            let line = alertLine(container: String(format: "b%011d", number))
            _ = await harness.watcher.take(arrival(line, number: number), policy: .wait)
        }
        await harness.watcher.endOfInput()
        await workers.value
        let outcomes = try await harness.finish()
        #expect(outcomes.count == 4)
        let refused = outcomes.filter { $0.error?.contains("disk budget") == true }
        #expect(refused.count == 3 && refused.allSatisfy { $0.action == "failed" && $0.bundle == nil }, "\(outcomes)")
        #expect(harness.investigator.investigated.count == 1)
        let journalOutcomes = try scratch.lines("journal.jsonl").filter {
            $0.contains("\"record\":\"outcome\"") && $0.contains("disk budget")
        }
        #expect(journalOutcomes.count == 3)
        #expect(notices.lines.filter { $0.contains("disk budget") }.count == 1, "\(notices.lines)")
    }
}
