import Foundation
import Testing
import TestSupport

/// The `inspect` command as a user runs it: replayed recordings, exit codes, formats.
@Suite struct InspectCommandTests {
    private let dropped = Fixture.url("recordings/docker-dropped").path
    private let removed = Fixture.url("recordings/docker-removed").path

    private func inspect(_ recording: String, _ extra: [String] = [], environment: [String: String] = [:]) throws -> ToolRun {
        try Tool.run(["--replay", recording, "--alert", recording + "/alert.json"] + extra, environment: environment, timeLimit: 60)
    }

    @Test func `the everyday form gives the verdict first`() throws {
        let run = try inspect(dropped, ["--color", "never"])
        #expect(run.status == 0, "\(run)")
        #expect(run.output.hasPrefix("CONFIRMED  Drop and execute new binary in container"))
        #expect(!run.output.contains("\u{1B}["), "no colour when asked for none")
    }

    @Test func `colour only when asked for, or on a terminal without NO_COLOR`() throws {
        #expect(try inspect(dropped, ["--color", "always"]).output.contains("\u{1B}["))
        // Standard output is a pipe here: auto means no colour.
        #expect(!(try inspect(dropped).output.contains("\u{1B}[")))
    }

    @Test func `JSON is the v1 schema with sorted keys and exact alert fields`() throws {
        let run = try inspect(dropped, ["--format", "json"])
        #expect(run.status == 0)
        let json = try run.json()
        #expect(json["schema"] as? String == "alert-inspect/report/v1")
        #expect(json["verdict"] as? String == "confirmed")
        let keys = run.output.split(separator: "\n").filter { $0.hasPrefix("  \"") }.map { $0.split(separator: "\"")[1] }
        #expect(keys == keys.sorted(), "top-level keys sorted")
        let alert = try #require(try String(contentsOfFile: dropped + "/alert.json", encoding: .utf8)
            .firstMatch(of: /"proc\.exe_ino\.ctime":(\d+)/)?.1)
        #expect(run.output.contains("\"proc.exe_ino.ctime\" : \(alert)"), "nanoseconds digit for digit")
    }

    @Test func `markdown for a ticket`() throws {
        let run = try inspect(dropped, ["--format", "markdown"])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("# CONFIRMED"))
        #expect(run.output.contains("```yaml"), "the Falco exception is a YAML block")
    }

    @Test func `a container that no longer exists exits 3 and says what could not be checked`() throws {
        let run = try inspect(removed, ["--format", "json"])
        #expect(run.status == 3, "\(run)")
        let json = try run.json()
        #expect(json["container"] is NSNull)
        #expect((json["limitations"] as? [String])?.contains { $0.contains("does not exist") } == true)
    }

    @Test(arguments: [("confirmed", Int32(2)), ("disputed", Int32(0))])
    func `--fail-on exits 2 only when the verdict matches`(verdict: String, status: Int32) throws {
        #expect(try inspect(dropped, ["--fail-on", verdict, "--format", "json"]).status == status)
    }

    @Test func `exit codes for bad input name the problem`() throws {
        let missing = try Tool.run(["--replay", dropped, "--alert", "/nonexistent/alert.json"])
        #expect(missing.status == 66, "\(missing)")
        #expect(missing.stderr.contains("/nonexistent/alert.json"))

        let malformed = try Tool.run(["--replay", dropped, "--alert", "-"], input: Data("{\"rule\": \"x\",\n\"priority\": }\n".utf8))
        #expect(malformed.status == 65, "\(malformed)")
        #expect(malformed.stderr.contains("line"))

        let usage = try Tool.run([])
        #expect(usage.status == 64, "\(usage)")
    }

    @Test func `an unreachable engine exits 69 naming the endpoint and why`() throws {
        let run = try Tool.run(["inspect", "web", "--host", "unix:///nonexistent/docker.sock"])
        #expect(run.status == 69, "\(run)")
        #expect(run.stderr.contains("/nonexistent/docker.sock"))
        #expect(run.stderr.contains("no engine socket"))
        let doctor = try Tool.run(["doctor", "--host", "unix:///nonexistent/docker.sock", "--format", "json"])
        #expect(doctor.status == 69)
        #expect(try doctor.json()["reachable"] as? Bool == false)
    }

    @Test func `a request the recording lacks is an error naming it`() throws {
        let run = try Tool.run(["inspect", "someone-else", "--replay", dropped])
        #expect(run.status == 1, "\(run)")
        #expect(run.stderr.contains("has no answer for GET /v1.41/containers/someone-else/json"))
    }
}
