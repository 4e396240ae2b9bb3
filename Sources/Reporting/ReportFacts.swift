import Foundation
import Investigation
import SafeText

/// What the text and Markdown reports say, worded once so both carry the same content.
///
/// Values come back raw: each renderer escapes them for its medium at the point it writes them.
enum ReportFacts {
    /// How many changed paths a report for people lists before summing up the rest; executables
    /// are always listed. A container that installed packages can have thousands of changes, and
    /// the JSON report keeps every one.
    static let driftLimit = 40

    /// Why the event list may be short, said next to it every time: Docker keeps only its last
    /// 256 events, in memory; Podman reads them from a persistent log.
    static func eventsCaveat(_ engine: InvestigationReport.Engine) -> String {
        engine.isPodman
            ? "from Podman's persistent event log"
            : "the engine keeps only its last 256 events, and none across a restart: a short or empty list is not proof that nothing happened"
    }

    /// The engine logs its own reads as container events (`archive-path` for the archive endpoint,
    /// `top`), so a responder should not take them for someone copying files out.
    static func ownReadsNote(_ events: [InvestigationReport.Event]) -> String? {
        let ownReads = events.contains { $0.action == "top" || $0.action.hasPrefix("archive-path") }
        return ownReads ? "top and archive-path events can be this tool's own reads" : nil
    }

    /// The subject of the one-line verdict, "rule — /path in 3f2a1b9c4d5e (web)": what fired, on
    /// which executable, in which container. `text` and `code` write report values for the medium.
    static func headline(
        _ report: InvestigationReport, text: (String) -> String, code: (String) -> String
    ) -> String {
        var subject = text(report.alert?.rule ?? "no alert")
        var target: [String] = []
        if let path = report.executable?.path ?? report.alert?.exePath { target.append(code(path)) }
        if let id = report.container?.id ?? report.alert?.containerId {
            let name = (report.container?.name ?? report.alert?.containerName).map { " (\(text($0)))" } ?? ""
            target.append((target.isEmpty ? "container " : "in ") + code(shortID(id)) + name)
        }
        if !target.isEmpty { subject += " — " + target.joined(separator: " ") }
        // The alert named a container the engine does not have (any more).
        if report.container == nil { subject += ", container not found" }
        return subject
    }

    /// The facts under the verdict, after the claim tally: the alert's priority and time, the
    /// container's state.
    static func context(_ report: InvestigationReport, text: (String) -> String) -> [String] {
        var context: [String] = []
        if let alert = report.alert {
            context.append("\(text(alert.priority)) alert at \(text(alertTime(alert) ?? "an unknown time"))")
        }
        if let state = report.container?.state { context.append("container \(text(state.status))") }
        return context
    }

    /// What an empty container section means when there was no container to read: not checked,
    /// rather than checked and clean.
    static func notChecked(_ report: InvestigationReport) -> String? {
        report.container == nil ? "not checked: the container is not on the engine" : nil
    }

    /// The verdict in the form people scan for.
    static func verdictWord(_ verdict: Verdict) -> String { verdict.rawValue.uppercased() }

    /// "2 of 3 claims corroborated, 1 unverifiable": the weight behind the verdict.
    static func claimTally(_ claims: [InvestigationReport.Claim]) -> String {
        guard !claims.isEmpty else { return "no claims could be checked" }
        let count = { (verdict: ClaimVerdict) in claims.filter { $0.verdict == verdict }.count }
        let noun = claims.count == 1 ? "claim" : "claims"
        var parts = ["\(count(.corroborated)) of \(claims.count) \(noun) corroborated"]
        for verdict in [ClaimVerdict.contradicted, .unverifiable] where count(verdict) > 0 {
            parts.append("\(count(verdict)) \(verdict.rawValue)")
        }
        return parts.joined(separator: ", ")
    }

    /// A 64-hex container id cut to the 12 characters Docker and Falco show; anything else as is.
    static func shortID(_ id: String) -> String {
        let isHex = id.allSatisfy { $0.isHexDigit }
        return isHex && id.count > 12 ? String(id.prefix(12)) : id
    }

    /// Risks, most severe first; ties keep the investigation's order.
    static func sortedRisks(_ risks: [InvestigationReport.Risk]) -> [InvestigationReport.Risk] {
        risks.enumerated()
            .sorted { ($0.element.severity, $0.offset) < ($1.element.severity, $1.offset) }
            .map(\.element)
    }

    /// The executable's facts, labelled, in the order a responder asks for them.
    static func executableFacts(_ executable: InvestigationReport.Executable) -> [(label: String, value: String, isCode: Bool)] {
        var facts: [(String, String, Bool)] = [
            ("path", executable.path, true),
            ("change", executable.change.rawValue, false),
        ]
        if let sha256 = executable.sha256 { facts.append(("sha256", sha256, true)) }
        if let size = executable.size { facts.append(("size", byteCount(size), false)) }
        if let mode = executable.mode { facts.append(("mode", mode, true)) }
        facts.append(("process", processState(pid: executable.pid, running: executable.running), false))
        if let source = executable.source { facts.append(("hashed from", source, false)) }
        return facts
    }

    static func processState(pid: Int?, running: Bool) -> String {
        let state = running ? "running" : "not running"
        return pid.map { "pid \($0), \(state)" } ?? state
    }

    /// "18432 bytes (18.0 KiB)", written without a locale so reports compare byte for byte.
    static func byteCount(_ bytes: Int64) -> String {
        let plain = bytes == 1 ? "1 byte" : "\(bytes) bytes"
        guard bytes >= 1024 else { return plain }
        let units = ["KiB", "MiB", "GiB", "TiB"]
        var unit = -1
        var scaled = bytes
        while scaled >= 1024 * 1024, unit < units.count - 2 {
            scaled /= 1024
            unit += 1
        }
        // One decimal from integer arithmetic: tenths of the next unit up.
        let tenths = (scaled * 10 + 512) / 1024
        return "\(plain) (\(tenths / 10).\(tenths % 10) \(units[unit + 1]))"
    }

    /// The container's state in one line: "running, pid 4242, started …, 0 restarts".
    static func containerState(_ state: InvestigationReport.State) -> String {
        var parts = [state.status]
        if state.running || state.pid != 0 { parts.append("pid \(state.pid)") }
        if let startedAt = state.startedAt { parts.append("started \(startedAt)") }
        if let finishedAt = state.finishedAt, !state.running { parts.append("finished \(finishedAt)") }
        if let restarts = state.restartCount { parts.append(restarts == 1 ? "1 restart" : "\(restarts) restarts") }
        return parts.joined(separator: ", ")
    }

    /// The engine in one line: product and versions, storage.
    static func engineSummary(_ engine: InvestigationReport.Engine) -> String {
        var parts = ["\(engine.isPodman ? "Podman" : "Docker") \(engine.serverVersion ?? "(version unknown)")"]
        parts.append("API \(engine.apiVersion)")
        if let driver = engine.storageDriver { parts.append("storage \(driver)") }
        return parts.joined(separator: ", ")
    }

    /// What of the engine's host this run could see.
    static func hostAccess(_ access: InvestigationReport.HostAccess) -> String {
        var seen: [String] = []
        seen.append(access.upperDirVisible ? "upper dir visible" : "upper dir not visible")
        seen.append(access.procVisible ? "/proc visible" : "/proc not visible")
        if access.containerdImageStore { seen.append("containerd image store") }
        let summary = seen.joined(separator: ", ")
        return access.detail.isEmpty ? summary : "\(summary); \(access.detail)"
    }

    /// The changes a report for people lists, and how many it leaves to the JSON report.
    static func listedDrift(_ drift: [InvestigationReport.Drift]) -> (listed: [InvestigationReport.Drift], omitted: Int) {
        var others = 0
        let listed = drift.filter { change in
            if change.executable == true { return true }
            others += 1
            return others <= driftLimit
        }
        return (listed, drift.count - listed.count)
    }

    static func driftSummary(_ drift: [InvestigationReport.Drift]) -> String {
        let executables = drift.filter { $0.executable == true }.count
        let changes = drift.count == 1 ? "1 change" : "\(drift.count) changes"
        return executables == 0 ? changes : "\(changes), \(executables) executable\(executables == 1 ? "" : "s")"
    }

    /// How many log lines a report for people shows: a screenful around the alert. The JSON
    /// report (and an evidence bundle) keeps every line taken.
    static let logExcerptLimit = 24

    /// The log lines around the alert's time, or the last ones when there is no alert time, with
    /// how many are left out before and after.
    static func logExcerpt(_ logs: InvestigationReport.Logs, alertTime: String?) -> (
        lines: ArraySlice<InvestigationReport.LogLine>, before: Int, after: Int
    ) {
        let lines = logs.lines
        guard lines.count > logExcerptLimit else { return (lines[...], 0, 0) }
        // RFC 3339 UTC times order as strings; where precisions differ the slip is within one
        // second, which only moves the excerpt by a line or two.
        let pivot = alertTime.flatMap { time in lines.firstIndex { ($0.time ?? "") >= time } } ?? lines.count
        let start = min(max(0, pivot - logExcerptLimit / 2), lines.count - logExcerptLimit)
        let end = start + logExcerptLimit
        return (lines[start..<end], start, lines.count - end)
    }

    /// A log line's text made visible: from its exact bytes when they are not UTF-8, so each byte
    /// that is not part of a character shows as `\xNN` rather than as U+FFFD.
    /// The alert's time; one written without a zone says so.
    static func alertTime(_ alert: InvestigationReport.Alert) -> String? {
        alert.time ?? alert.timeWithoutZone.map { "\($0) (zone unknown)" }
    }

    /// The rows the alert's own identity and wrapping add below rule and priority, in text and Markdown alike.
    static func alertOrigin(_ alert: InvestigationReport.Alert) -> [(label: String, value: String)] {
        var rows: [(String, String)] = []
        if let written = alert.priorityAsWritten { rows.append(("priority as written", written)) }
        if let uuid = alert.uuid { rows.append(("uuid", uuid)) }
        if let line = alert.provenance {
            let program = line.identifier.map { name in line.pid.map { "\(name)[\($0)]" } ?? name }
            let parts = [line.host.map { "host \($0)" }, line.time.map { "at \($0)" }, program].compactMap { $0 }
            rows.append(("log line", ([line.kind] + parts).joined(separator: ", ")))
        }
        return rows
    }

    static func visibleLogText(_ line: InvestigationReport.LogLine) -> String {
        guard let base64 = line.base64, let bytes = Data(base64Encoded: base64) else { return TerminalText.escaped(line.text) }
        return TerminalText.escaped(bytes: Array(bytes))
    }

    static func moreLines(_ count: Int, _ direction: String) -> String {
        "… \(count) \(direction) line\(count == 1 ? "" : "s") (the JSON report has all)"
    }

    static func logWindow(_ logs: InvestigationReport.Logs) -> String {
        let lines = logs.lines.count == 1 ? "1 line" : "\(logs.lines.count) lines"
        let window = "\(logs.since ?? "start") to \(logs.until ?? "now")"
        return "\(window), \(lines)\(logs.truncated ? " (truncated: the window held more)" : "")"
    }

    /// A next step as renderers lay it out: the sentence, the code's lines (trailing blank lines
    /// dropped) and the language name for a fenced block.
    static func mitigation(_ step: NextStep) -> (sentence: String, code: [String], language: String) {
        var lines = step.code.map { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) } ?? []
        while lines.last?.allSatisfy(\.isWhitespace) == true { lines.removeLast() }
        return (step.sentence, lines, lines.isEmpty ? "" : step.language?.rawValue ?? "")
    }

    /// An alert field as people read it: strings bare, `null` as Falco's own `<NA>`, `""` visible,
    /// numbers digit for digit, arrays and objects as compact JSON.
    static func fieldValue(_ value: ExactJSON) -> String {
        switch value {
        case .string(let text): return text.isEmpty ? #""""# : text
        case .null: return "<NA>"
        default: return compactJSON(value)
        }
    }

    private static func compactJSON(_ value: ExactJSON) -> String {
        switch value {
        case .string(let text): return quoted(text)
        case .number(let digits): return digits
        case .bool(let flag): return flag ? "true" : "false"
        case .null: return "null"
        case .array(let items): return "[" + items.map(compactJSON).joined(separator: ",") + "]"
        case .object(let members):
            let pairs = members.sorted { $0.key < $1.key }.map { quoted($0.key) + ":" + compactJSON($0.value) }
            return "{" + pairs.joined(separator: ",") + "}"
        }
    }

    private static func quoted(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\"" || character == "\\" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }
}
