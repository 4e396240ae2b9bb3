import Crypto
import FalcoAlerts
import Foundation
import Testing
import DockerRuntime

@testable import AlertWatch

/// The watcher with a stand-in investigation: what each alert becomes, what is written where, and how much
/// runs at once.
struct WatcherTests {
    /// Feeds `lines` as a stream, then ends the input and waits for every investigation.
    func run(_ harness: Harness, _ lines: [String], open gate: Gate? = nil) async throws -> [OutcomeLine] {
        let workers = Task { await harness.watcher.work() }
        for (index, line) in lines.enumerated() {
            if let arrival = StreamIntake.arrival(.line(Array(line.utf8), number: index + 1), source: "<stdin>") {
                _ = await harness.watcher.take(arrival, policy: .wait)
            }
        }
        gate?.open()
        await harness.watcher.endOfInput()
        await workers.value
        return try await harness.finish()
    }

    @Test func `each line gets one outcome: investigated, merged, skipped with its reason`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let gate = Gate()
        let harness = try Harness(scratch, investigator: FakeInvestigator(gate: gate))
        let lines = [
            alertLine(),
            alertLine(container: "host"),
            "{\"rule\": \"cut short",
            "",
            alertLine(time: "2026-11-29T11:24:14.000000000Z"),
            alertLine(container: "ffffffffffff"),
            alertLine(time: "2026-11-29T11:24:15.000000000Z"),
        ]
        let outcomes = try await run(harness, lines, open: gate)
        #expect(outcomes.count == 6, "the blank line is not an alert, everything else is accounted for")
        let byLine = Dictionary(uniqueKeysWithValues: outcomes.map { ($0.alert.line ?? 0, $0) })
        #expect(byLine[1]?.action == "investigated")
        #expect(byLine[2]?.action == "skipped")
        #expect(byLine[2]?.error?.contains("host event") == true)
        #expect(byLine[3]?.action == "skipped")
        #expect(byLine[3]?.error?.hasPrefix("<stdin>: line 3, byte") == true)
        #expect(byLine[5]?.action == "merged")
        #expect(byLine[6]?.action == "investigated")
        #expect(byLine[7]?.action == "merged")
        let first = try #require(byLine[1]?.bundle)
        #expect(byLine[5]?.bundle == first)
        #expect(byLine[7]?.bundle == first)
        #expect(byLine[5]?.verdict == "confirmed")
        #expect(first.hasSuffix("/out/0a8f2c69d33f-20261129T112413.352372868Z"))
        #expect(byLine[1]?.alert.rule == "Drop and execute new binary in container")
        #expect(byLine[1]?.alert.containerId == "0a8f2c69d33f")
        #expect(harness.investigator.investigated.count == 2)

        // The merged alerts sit beside the bundle, exactly as received, sealed; no spool is left behind.
        #expect(
            scratch.listing("out") == [
                "0a8f2c69d33f-20261129T112413.352372868Z", "0a8f2c69d33f-20261129T112413.352372868Z.merged.jsonl",
                "ffffffffffff-20261129T112413.352372868Z",
            ])
        let merged = try scratch.lines("out/0a8f2c69d33f-20261129T112413.352372868Z.merged.jsonl")
        #expect(merged.count == 3)
        struct Record: Decodable {
            var alert: AlertIdentity
            var entry: Int
            var mergedInto: String
            var raw: String
            var sha256: String
        }
        let records = try merged.dropLast().map { try JSONDecoder().decode(Record.self, from: Data($0.utf8)) }
        #expect(records.map(\.raw) == [lines[4], lines[6]])
        #expect(records.map(\.alert.line) == [5, 7])
        #expect(records.allSatisfy { $0.sha256 == SHA256.hash(data: Data($0.raw.utf8)).hexString })
        #expect(records.allSatisfy { $0.mergedInto == "0a8f2c69d33f-20261129T112413.352372868Z" })
        struct Seal: Decodable {
            struct Body: Decodable {
                var lines: Int
                var sha256: String
            }
            var sealed: Body
        }
        let seal = try JSONDecoder().decode(Seal.self, from: Data(try #require(merged.last).utf8))
        #expect(seal.sealed.lines == 2)
        let body = Data((merged.dropLast().joined(separator: "\n") + "\n").utf8)
        #expect(seal.sealed.sha256 == SHA256.hash(data: body).hexString)
    }

    @Test func `repeats after the bundle exists are recorded beside it at once`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let harness = try Harness(scratch)
        let workers = Task { await harness.watcher.work() }
        _ = await harness.watcher.take(arrival(alertLine(), number: 1), policy: .wait)
        // Wait for the investigation to end.
        for _ in 0..<200 where try harness.outcomes().isEmpty {
            await harness.ledger.flush()
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = await harness.watcher.take(arrival(alertLine(), number: 2), policy: .wait)
        await harness.ledger.flush()
        let outcomes = try harness.outcomes()
        #expect(outcomes.map(\.action) == ["investigated", "merged"])
        #expect(try scratch.lines("out/0a8f2c69d33f-20261129T112413.352372868Z.merged.jsonl").count == 1)
        await harness.watcher.endOfInput()
        await workers.value
        _ = try await harness.finish()
        #expect(try scratch.lines("out/0a8f2c69d33f-20261129T112413.352372868Z.merged.jsonl").count == 2)
    }

    @Test func `a failed investigation fails its merged alerts too, and the next repeat tries again`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let gate = Gate()
        let harness = try Harness(
            scratch, investigator: FakeInvestigator(gate: gate, failure: "the engine cannot be reached"))
        let workers = Task { await harness.watcher.work() }
        _ = await harness.watcher.take(arrival(alertLine(), number: 1), policy: .wait)
        _ = await harness.watcher.take(arrival(alertLine(), number: 2), policy: .wait)
        gate.open()
        for _ in 0..<200 where try harness.outcomes().count < 2 {
            await harness.ledger.flush()
            try await Task.sleep(for: .milliseconds(10))
        }
        _ = await harness.watcher.take(arrival(alertLine(), number: 3), policy: .wait)
        await harness.watcher.endOfInput()
        await workers.value
        let outcomes = try await harness.finish()
        #expect(outcomes.map(\.action) == ["failed", "failed", "failed"])
        #expect(outcomes[0].error == "the engine cannot be reached")
        #expect(outcomes[1].error?.contains("merged into the investigation of <stdin> line 1, which failed") == true)
        #expect(harness.investigator.investigated.count == 2)
        #expect(scratch.listing("out") == [], "no bundle, no merged file, no spool")
    }

    @Test func `a burst of 10,000 identical alerts makes one investigation`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let gate = Gate()
        let harness = try Harness(scratch, investigator: FakeInvestigator(gate: gate))
        let line = alertLine()
        let workers = Task { await harness.watcher.work() }
        for number in 1...10_000 {
            if number == 5_000 { gate.open() }
            _ = await harness.watcher.take(arrival(line, number: number), policy: .wait)
        }
        await harness.watcher.endOfInput()
        await workers.value
        let outcomes = try await harness.finish()
        #expect(harness.investigator.investigated.count == 1)
        #expect(outcomes.count == 10_000)
        #expect(outcomes.filter { $0.action == "merged" }.count == 9_999)
        #expect(Set(outcomes.compactMap(\.bundle)).count == 1)
        #expect(Set(outcomes.compactMap(\.alert.line)).count == 10_000)
        #expect(try scratch.lines("out/0a8f2c69d33f-20261129T112413.352372868Z.merged.jsonl").count == 10_000)
    }

    @Test func `at most --jobs run at once, and HTTP is refused when the queue is full`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let gate = Gate()
        let harness = try Harness(scratch, investigator: FakeInvestigator(gate: gate), jobs: 2, queue: 2)
        let workers = Task { await harness.watcher.work() }
        var admissions: [Watcher.Admission] = []
        for number in 1...6 {
            let line = alertLine(container: String(format: "%012x", number))
            admissions.append(await harness.watcher.take(arrival(line, number: number), policy: .refuseWhenFull))
            try await Task.sleep(for: .milliseconds(20))
        }
        // Two run, two wait, the rest are refused; a repeat of a queued one still merges.
        #expect(admissions == [.queued, .queued, .queued, .queued, .full, .full])
        let repeated = await harness.watcher.take(
            arrival(alertLine(container: String(format: "%012x", 3)), number: 7), policy: .refuseWhenFull)
        #expect(repeated == .merged)
        gate.open()
        await harness.watcher.endOfInput()
        await workers.value
        let outcomes = try await harness.finish()
        #expect(harness.investigator.peak == 2)
        #expect(outcomes.filter { $0.action == "investigated" }.count == 4)
        #expect(outcomes.filter { $0.action == "skipped" }.allSatisfy { $0.error?.contains("queue is full") == true })
        #expect(outcomes.count == 7)
    }

    @Test func `stopping records queued and cancelled work as owed, and a restart takes it up`() async throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let journalPath = scratch.path("journal.jsonl")
        do {
            let journal = try Journal(path: journalPath)
            let harness = try Harness(
                scratch, investigator: FakeInvestigator(gate: Gate()), jobs: 1, journal: journal, stopTimeout: 0.2)
            let workers = Task { await harness.watcher.work() }
            for number in 1...3 {
                let line = alertLine(container: String(format: "%012x", number))
                _ = await harness.watcher.take(arrival(line, number: number), policy: .wait)
            }
            _ = await harness.watcher.take(
                arrival(alertLine(container: String(format: "%012x", 1)), number: 4), policy: .wait)
            try await Task.sleep(for: .milliseconds(50))
            await harness.watcher.stop()
            #expect(await harness.watcher.take(arrival(alertLine(), number: 5), policy: .wait) == .stopping)
            await workers.value
            let outcomes = try await harness.finish()
            #expect(outcomes.count == 5)
            #expect(outcomes.filter { $0.action == "failed" }.count == 4)
            #expect(outcomes.first { $0.alert.line == 5 }?.action == "skipped")
            #expect(scratch.listing("out") == [])
        }
        // The next run finds the four accepted alerts owed, in order, under their first identity.
        let journal = try Journal(path: journalPath)
        #expect(journal.unfinished.map(\.entry) == [1, 2, 3, 4])
        #expect(journal.unfinished.map(\.identity.line) == [1, 2, 3, 4])
        #expect(journal.unfinished[0].raw == Array(alertLine(container: String(format: "%012x", 1)).utf8))
        #expect(journal.nextEntry == 5)

        let unfinished = journal.unfinished
        let harness = try Harness(scratch, journal: journal, firstEntry: journal.nextEntry)
        let workers = Task { await harness.watcher.work() }
        for owed in unfinished {
            let arrival = Watcher.Arrival(
                place: owed.identity, raw: owed.raw,
                parsed: StreamIntake.parse(owed.raw, source: owed.identity.source, line: owed.identity.line ?? 1),
                receivedAt: owed.receivedAt, entry: owed.entry)
            _ = await harness.watcher.take(arrival, policy: .wait)
        }
        await harness.watcher.endOfInput()
        await workers.value
        let outcomes = try await harness.finish()
        #expect(outcomes.map(\.action).sorted() == ["investigated", "investigated", "investigated", "merged"])
        #expect(try Journal(path: journalPath).unfinished.isEmpty)
    }

    @Test func `a journal shared by two runs is refused; a torn last line is ignored`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let path = scratch.path("journal.jsonl")
        let accepted = Journal.accepted(
            entry: 7, identity: AlertIdentity(source: "http", request: 1), raw: Array("{\"x\":1}".utf8),
            receivedAt: Date())
        try Data((accepted + "{\"entry\":8,\"rec").utf8).write(to: URL(fileURLWithPath: path))
        let journal = try Journal(path: path)
        #expect(journal.unfinished.map(\.entry) == [7])
        #expect(journal.unfinished.first?.raw == Array("{\"x\":1}".utf8))
        #expect(journal.badLines.isEmpty)
        #expect(journal.nextEntry == 8)
        #expect(throws: WatchError.self) { try Journal(path: path) }
    }

    @Test func `alert bytes that are not UTF-8 come back exactly`() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let raw: [UInt8] = Array("{\"rule\":\"".utf8) + [0xFF, 0xFE] + Array("\"}".utf8)
        let line = Journal.accepted(
            entry: 1, identity: AlertIdentity(source: "<stdin>", line: 1), raw: raw, receivedAt: Date())
        #expect(line.contains("rawBase64"))
        try Data(line.utf8).write(to: URL(fileURLWithPath: scratch.path("journal.jsonl")))
        #expect(try Journal(path: scratch.path("journal.jsonl")).unfinished.first?.raw == raw)
    }

    @Test func `a merged record's identity is read back whatever its strings hold`() throws {
        let identity = AlertIdentity(
            source: "a \"quoted\" {source}", line: 3, uuid: "}\\\"", rule: "rule with } and { and \\", containerId: "x",
            time: nil)
        let record = MergedRecord(
            identity: identity, entry: 42, mergedInto: "b", raw: Array("{}".utf8), receivedAt: Date())
        let head = try #require(MergedRecord.head(of: Substring(record.line.dropLast()).utf8))
        #expect(head.entry == 42)
        #expect(try JSONDecoder().decode(AlertIdentity.self, from: Data(head.identity.utf8)) == identity)
    }

    @Test(arguments: [0, 951_782_400, 1_709_164_799, 1_764_415_453, 4_102_444_800, 9_000_000_000])
    func `arrival times are written as Falco writes time`(seconds: Int64) {
        for nanoseconds: Int64 in [0, 1, 352_372_868, 999_999_999] {
            let value = seconds * 1_000_000_000 + nanoseconds
            let date = Date(timeIntervalSince1970: Double(value) / 1e9)
            // A Date holds about a tenth of a microsecond: compare with what it holds.
            let held = Int64((date.timeIntervalSince1970 * 1e9).rounded())
            #expect(RecordText.timestamp(date) == AlertTime(nanosecondsSinceEpoch: held).iso8601)
        }
    }

    @Test(arguments: [
        ("127.0.0.1:2801", "127.0.0.1", UInt16(2801)), ("localhost:0", "127.0.0.1", 0), ("[::1]:8080", "::1", 8080),
        ("0.0.0.0:2801", "0.0.0.0", 2801),
    ])
    func `listen addresses`(text: String, host: String, port: UInt16) throws {
        let parsed = try ListenAddress.parse(text)
        #expect(parsed.host == host)
        #expect(parsed.port == port)
    }

    @Test(arguments: ["2801", "127.0.0.1:", "127.0.0.1:70000", ":2801"])
    func `bad listen addresses`(text: String) {
        #expect(throws: WatchError.self) { try ListenAddress.parse(text) }
    }
}
