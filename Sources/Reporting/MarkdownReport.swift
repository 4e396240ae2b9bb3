import Investigation
import SafeText

/// The report for a ticket: the same content as the terminal report, as GitHub Flavored Markdown.
///
/// Report strings reach the page only through `MarkdownText` (`text`, `code`, `tableCode`,
/// `codeBlock`), so none can open a link, tag, table cell or heading of its own.
struct MarkdownReport: ReportSections {
    let report: InvestigationReport

    // MARK: Sections

    func headline() -> [String] {
        let subject = ReportFacts.headline(report, text: text, code: code)
        let context = ["**\(ReportFacts.claimTally(report.claims))**"] + ReportFacts.context(report, text: text)
        return ["# \(ReportFacts.verdictWord(report.verdict)): \(subject)", "", context.joined(separator: " · ")]
    }

    func claims() -> [String] {
        guard !report.claims.isEmpty else { return ["## Claims", "", "None: the alert makes no claim this tool can check."] }
        var lines = ["## Claims", ""]
        lines += table(
            ["Verdict", "Claim", "Statement"],
            report.claims.map { ["**\($0.verdict.rawValue)**", tableCode($0.id.rawValue), text($0.statement)] }
        )
        for claim in report.claims {
            lines += ["", "### \(code(claim.id.rawValue)): \(claim.verdict.rawValue)", "", "Reason: \(text(claim.reason))", ""]
            lines += claim.evidence.isEmpty ? ["No evidence recorded."] : claim.evidence.map { "- " + text($0) }
        }
        return lines
    }

    func executable() -> [String] {
        guard let executable = report.executable else {
            return ["## Executable", "", "Not identified: neither the alert nor the engine names one."]
        }
        let facts = ReportFacts.executableFacts(executable)
        return ["## Executable", ""] + facts.map { "- **\($0.label):** " + ($0.isCode ? code($0.value) : text($0.value)) }
    }

    func risks() -> [String] {
        let risks = ReportFacts.sortedRisks(report.risks)
        if let unchecked = notChecked("Risks", isEmpty: risks.isEmpty) { return unchecked }
        guard !risks.isEmpty else { return ["## Risks", "", "None found in the container's configuration."] }
        let rows = risks.map { ["**\($0.severity.rawValue)**", tableCode($0.id), text($0.detail)] }
        return ["## Risks", ""] + table(["Severity", "Risk", "Detail"], rows)
    }

    func logs() -> [String] {
        let logs = report.logs
        if let unchecked = notChecked("Logs", isEmpty: logs.lines.isEmpty) { return unchecked }
        let head = ["## Logs", "", "Window: " + text(ReportFacts.logWindow(logs)) + "."]
        guard !logs.lines.isEmpty else { return head + ["", "No lines in the window."] }
        // A code block keeps the lines as they were, column for column, with no Markdown in them.
        let excerpt = ReportFacts.logExcerpt(logs, alertTime: report.alert?.time)
        let lines = excerpt.lines.map {
            TerminalText.escaped("\($0.time ?? "-")  \($0.stream)  ") + ReportFacts.visibleLogText($0)
        }
        let before = excerpt.before > 0 ? ["", text(ReportFacts.moreLines(excerpt.before, "earlier")) + "."] : []
        let after = excerpt.after > 0 ? ["", text(ReportFacts.moreLines(excerpt.after, "later")) + "."] : []
        return head + before + [""] + MarkdownText.codeBlock(lines, language: "text", isVisible: true) + after
    }

    func events() -> [String] {
        let head = ["## Engine events", "", "Note: " + text(ReportFacts.eventsCaveat(report.engine)) + "."]
        guard !report.events.isEmpty else { return head + ["", "None for this container in the window."] }
        let rows = report.events.map { [text($0.time), tableCode($0.action), text($0.detail)] }
        let note = ReportFacts.ownReadsNote(report.events).map { ["", text($0.prefix(1).uppercased() + $0.dropFirst()) + "."] } ?? []
        return head + [""] + table(["Time", "Action", "Detail"], rows) + note
    }

    func drift() -> [String] {
        if let unchecked = notChecked("Drift", isEmpty: report.drift.isEmpty) { return unchecked }
        // Empty can also mean the changes could not be read (said under Limitations).
        guard !report.drift.isEmpty else { return ["## Drift", "", "None listed."] }
        let head = ["## Drift", "", text(ReportFacts.driftSummary(report.drift)) + " in the writable layer."]
        let (listed, omitted) = ReportFacts.listedDrift(report.drift)
        let rows = listed.map { [text($0.kind.description), tableCode($0.path), $0.executable == true ? "**yes**" : ""] }
        let more = omitted > 0 ? ["", "… and \(omitted) more changes (the JSON report lists all)."] : []
        return head + [""] + table(["Change", "Path", "Executable"], rows) + more
    }

    func processes() -> [String] {
        if let unchecked = notChecked("Processes", isEmpty: report.processes.isEmpty) { return unchecked }
        let head = ["## Processes", "", "Host pids, as the engine's `top` reports them."]
        guard !report.processes.isEmpty else { return head + ["", "None listed."] }
        let rows = report.processes.map { ["\($0.pid)", text($0.user ?? "-"), tableCode($0.command)] }
        return head + [""] + table(["PID", "User", "Command"], rows)
    }

    func alert() -> [String] {
        guard let alert = report.alert else { return ["## Alert", "", "None: the investigation started from the container."] }
        var lines = ["## Alert", "", "- **rule:** " + text(alert.rule), "- **priority:** " + text(alert.priority)]
        lines += ReportFacts.alertOrigin(alert).map { "- **\($0.label):** " + text($0.value) }
        let optional: [(String, String?, Bool)] = [
            ("time", ReportFacts.alertTime(alert), false), ("source", alert.source, false), ("hostname", alert.hostname, false),
            ("container", alert.containerId, true), ("name", alert.containerName, false),
            ("image", alert.image, true), ("executable", alert.exePath, true), ("command", alert.cmdline, true),
        ]
        for (label, value, isCode) in optional {
            if let value { lines.append("- **\(label):** " + (isCode ? code(value) : text(value))) }
        }
        if !alert.flags.isEmpty { lines.append("- **flags:** " + code(alert.flags.joined(separator: "|"))) }
        if let unreadable = alert.unreadable, !unreadable.isEmpty {
            lines.append("- **unreadable:** " + text(unreadable.joined(separator: ", ")))
        }
        guard !alert.fields.isEmpty else { return lines }
        let rows = alert.fields.sorted { $0.key < $1.key }.map { [tableCode($0.key), tableCode(ReportFacts.fieldValue($0.value))] }
        return lines + ["", "### Alert fields", ""] + table(["Field", "Value"], rows)
    }

    func container() -> [String] {
        guard let container = report.container else {
            return ["## Container", "", "Not found on the engine: gone, or never on it."]
        }
        var lines = [
            "## Container", "",
            "- **id:** " + code(container.id),
            "- **name:** " + text(container.name),
            "- **image:** " + code(container.image),
            "- **image id:** " + code(container.imageId),
            "- **state:** " + text(ReportFacts.containerState(container.state)),
        ]
        if !container.labels.isEmpty {
            let rows = container.labels.sorted { $0.key < $1.key }.map { [tableCode($0.key), tableCode($0.value)] }
            lines += ["", "### Labels", ""] + table(["Label", "Value"], rows)
        }
        return lines
    }

    func engine() -> [String] {
        let engine = report.engine
        return [
            "## Engine", "",
            "- **endpoint:** " + code(engine.endpoint),
            "- **engine:** " + text(ReportFacts.engineSummary(engine)),
            "- **host access:** " + text(ReportFacts.hostAccess(engine.hostAccess)),
        ]
    }

    func limitations() -> [String] {
        guard !report.limitations.isEmpty else { return [] }
        return ["## Limitations", ""] + report.limitations.map { "- " + text($0) }
    }

    func nextSteps() -> [String] {
        guard !report.mitigations.isEmpty else { return [] }
        var lines = ["## What to do next", ""]
        for (index, mitigation) in report.mitigations.enumerated() {
            let step = ReportFacts.mitigation(mitigation)
            let marker = "\(index + 1). "
            lines.append(marker + text(step.sentence))
            guard !step.code.isEmpty else { continue }
            // Indented to the item's content so the block belongs to this step of the list.
            let indent = String(repeating: " ", count: marker.count)
            lines.append("")
            lines += MarkdownText.codeBlock(step.code, language: step.language).map { $0.isEmpty ? "" : indent + $0 }
            lines.append("")
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    func footer() -> [String] {
        let tool = "\(report.tool.name) \(report.tool.version)"
        return ["---", "", "_" + text("\(tool) · \(report.schema) · generated \(report.generatedAt)") + "_"]
    }

    // MARK: Layout

    /// A container section left empty because there was no container: it says "not checked"
    /// rather than looking checked and clean.
    private func notChecked(_ title: String, isEmpty: Bool) -> [String]? {
        guard isEmpty, let reason = ReportFacts.notChecked(report) else { return nil }
        return ["## \(title)", "", text(reason.prefix(1).uppercased() + reason.dropFirst()) + "."]
    }

    private func text(_ value: String) -> String { MarkdownText.escaped(value) }
    private func code(_ value: String) -> String { MarkdownText.codeSpan(value) }
    private func tableCode(_ value: String) -> String { MarkdownText.tableCode(value) }

    /// A GitHub table; cells arrive already written as Markdown.
    private func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let line = { (cells: [String]) in "| " + cells.joined(separator: " | ") + " |" }
        return [line(header), line(header.map { _ in "---" })] + rows.map(line)
    }
}
