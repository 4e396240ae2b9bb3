import Investigation
import SafeText

/// The report for a terminal: the verdict on the first line, then the evidence behind it.
///
/// Every string taken from the report goes through `TerminalText.escaped` in `cell(_:)` or in the
/// layout helpers, never around them, so colour codes are the only escape sequences this writes.
struct TextReport: ReportSections {
    let report: InvestigationReport
    let colored: Bool

    // MARK: Sections

    func headline() -> [String] {
        let subject = ReportFacts.headline(report, text: cell, code: cell)
        return [
            styled(ReportFacts.verdictWord(report.verdict), verdictStyle(report.verdict)) + "  " + subject,
            "  " + ([ReportFacts.claimTally(report.claims)] + ReportFacts.context(report, text: cell)).joined(separator: " · "),
        ]
    }

    func claims() -> [String] {
        var lines = [heading("Claims")]
        if report.claims.isEmpty { return lines + ["  none: the alert makes no claim this tool can check"] }
        let idWidth = report.claims.map { cell($0.id.rawValue).count }.max() ?? 0
        for claim in report.claims {
            let id = cell(claim.id.rawValue)
            let verdict = styled(padded(claim.verdict.rawValue, to: 12), claimStyle(claim.verdict))
            lines.append("  \(verdict)  \(padded(id, to: idWidth))  \(cell(claim.statement))")
            lines += labelled(
                [("reason", [claim.reason]), ("evidence", claim.evidence.isEmpty ? ["(none)"] : claim.evidence)],
                indent: 6
            )
        }
        return lines
    }

    func executable() -> [String] {
        guard let executable = report.executable else {
            return [heading("Executable"), "  not identified: neither the alert nor the engine names one"]
        }
        let facts = ReportFacts.executableFacts(executable).map { ($0.label, [$0.value]) }
        return [heading("Executable")] + labelled(facts)
    }

    func risks() -> [String] {
        let risks = ReportFacts.sortedRisks(report.risks)
        if let unchecked = notChecked("Risks", isEmpty: risks.isEmpty) { return unchecked }
        guard !risks.isEmpty else { return [heading("Risks"), "  none found in the container's configuration"] }
        let rows = risks.map { [$0.severity.rawValue, $0.id, $0.detail] }
        let styles = risks.map { severityStyle($0.severity) }
        return [heading("Risks")] + grid(rows) { row, column in column == 0 ? styles[row] : nil }
    }

    func logs() -> [String] {
        let logs = report.logs
        if let unchecked = notChecked("Logs", isEmpty: logs.lines.isEmpty) { return unchecked }
        let head = heading("Logs", note: ReportFacts.logWindow(logs))
        guard !logs.lines.isEmpty else { return [head, "  no lines in the window"] }
        let excerpt = ReportFacts.logExcerpt(logs, alertTime: report.alert?.time)
        let before = excerpt.before > 0 ? ["  " + styled(ReportFacts.moreLines(excerpt.before, "earlier"), .dim)] : []
        let after = excerpt.after > 0 ? ["  " + styled(ReportFacts.moreLines(excerpt.after, "later"), .dim)] : []
        let rows = excerpt.lines.map { [cell($0.time ?? "-"), cell($0.stream), ReportFacts.visibleLogText($0)] }
        return [head] + before + grid(rows, isVisible: true) + after
    }

    func events() -> [String] {
        let head = heading("Engine events", note: ReportFacts.eventsCaveat(report.engine))
        guard !report.events.isEmpty else { return [head, "  none for this container in the window"] }
        let note = ReportFacts.ownReadsNote(report.events).map { ["  " + styled($0, .dim)] } ?? []
        return [head] + grid(report.events.map { [$0.time, $0.action, $0.detail] }) + note
    }

    func drift() -> [String] {
        if let unchecked = notChecked("Drift", isEmpty: report.drift.isEmpty) { return unchecked }
        // Empty can also mean the changes could not be read (said under Limitations), so it is
        // "none listed", never "no changes".
        guard !report.drift.isEmpty else { return [heading("Drift"), "  none listed"] }
        let head = heading("Drift", note: ReportFacts.driftSummary(report.drift))
        let (listed, omitted) = ReportFacts.listedDrift(report.drift)
        let rows = listed.map { [$0.kind.description, $0.path, $0.executable == true ? "executable" : ""] }
        let more = omitted > 0 ? ["  … and \(omitted) more changes (the JSON report lists all)"] : []
        return [head] + grid(rows) { row, column in listed[row].executable == true && column == 2 ? .bold : nil } + more
    }

    func processes() -> [String] {
        if let unchecked = notChecked("Processes", isEmpty: report.processes.isEmpty) { return unchecked }
        let head = heading("Processes", note: "host pids, as the engine's top reports them")
        guard !report.processes.isEmpty else { return [head, "  none listed"] }
        let rows = [["PID", "USER", "COMMAND"]] + report.processes.map { ["\($0.pid)", $0.user ?? "-", $0.command] }
        return [head] + grid(rows) { row, _ in row == 0 ? .dim : nil }
    }

    func alert() -> [String] {
        guard let alert = report.alert else { return [heading("Alert"), "  none: the investigation started from the container"] }
        var rows: [(String, [String])] = [("rule", [alert.rule]), ("priority", [alert.priority])]
        rows += ReportFacts.alertOrigin(alert).map { ($0.label, [$0.value]) }
        let optional: [(String, String?)] = [
            ("time", ReportFacts.alertTime(alert)), ("source", alert.source), ("hostname", alert.hostname),
            ("container", alert.containerId), ("name", alert.containerName), ("image", alert.image),
            ("executable", alert.exePath), ("command", alert.cmdline),
        ]
        rows += optional.compactMap { label, value in value.map { (label, [$0]) } }
        if !alert.flags.isEmpty { rows.append(("flags", [alert.flags.joined(separator: "|")])) }
        if let unreadable = alert.unreadable, !unreadable.isEmpty {
            rows.append(("unreadable", [unreadable.joined(separator: ", ")]))
        }
        var lines = [heading("Alert")] + labelled(rows)
        if !alert.fields.isEmpty {
            lines.append("  " + styled("fields", .dim))
            let fields = alert.fields.sorted { $0.key < $1.key }.map { ($0.key, [ReportFacts.fieldValue($0.value)]) }
            lines += labelled(fields, indent: 4)
        }
        return lines
    }

    func container() -> [String] {
        guard let container = report.container else {
            return [heading("Container"), "  not found on the engine: gone, or never on it"]
        }
        let rows: [(String, [String])] = [
            ("id", [container.id]), ("name", [container.name]), ("image", [container.image]),
            ("image id", [container.imageId]), ("state", [ReportFacts.containerState(container.state)]),
        ]
        var lines = [heading("Container")] + labelled(rows)
        if !container.labels.isEmpty {
            lines.append("  " + styled("labels", .dim))
            lines += labelled(container.labels.sorted { $0.key < $1.key }.map { ($0.key, [$0.value]) }, indent: 4)
        }
        return lines
    }

    func engine() -> [String] {
        let engine = report.engine
        let rows: [(String, [String])] = [
            ("endpoint", [engine.endpoint]),
            ("engine", [ReportFacts.engineSummary(engine)]),
            ("host access", [ReportFacts.hostAccess(engine.hostAccess)]),
        ]
        return [heading("Engine")] + labelled(rows)
    }

    func limitations() -> [String] {
        guard !report.limitations.isEmpty else { return [] }
        return [heading("Limitations")] + report.limitations.map { "  - " + cell($0) }
    }

    func nextSteps() -> [String] {
        guard !report.mitigations.isEmpty else { return [] }
        var lines = [heading("What to do next")]
        for (index, text) in report.mitigations.enumerated() {
            let step = ReportFacts.mitigation(text)
            let marker = "  \(index + 1). "
            lines.append(marker + cell(step.sentence))
            // The block keeps its own indentation (YAML depends on it), shifted under the sentence.
            let indent = String(repeating: " ", count: marker.count + 2)
            lines += step.code.map { $0.isEmpty ? "" : indent + cell($0) }
        }
        return lines
    }

    func footer() -> [String] {
        let tool = "\(report.tool.name) \(report.tool.version)"
        return [styled(cell("\(tool) · \(report.schema) · generated \(report.generatedAt)"), .dim)]
    }

    // MARK: Layout

    /// A container section left empty because there was no container: it says "not checked"
    /// rather than looking checked and clean.
    private func notChecked(_ title: String, isEmpty: Bool) -> [String]? {
        guard isEmpty, let reason = ReportFacts.notChecked(report) else { return nil }
        return [heading(title), "  " + reason]
    }

    /// The one place report strings are escaped for the terminal.
    private func cell(_ text: String) -> String { TerminalText.escaped(text) }

    private func heading(_ title: String, note: String? = nil) -> String {
        styled(title, .bold) + (note.map { "  " + styled(cell($0), .dim) } ?? "")
    }

    /// Label and value lines, values aligned; a label with several values continues under itself.
    private func labelled(_ rows: [(label: String, values: [String])], indent: Int = 2) -> [String] {
        let labels = rows.map { cell($0.label) }
        let width = labels.map(\.count).max() ?? 0
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        for (label, row) in zip(labels, rows) {
            for (index, value) in row.values.enumerated() {
                let head = index == 0 ? styled(padded(label, to: width), .dim) : padded("", to: width)
                lines.append(margin + head + "  " + cell(value))
            }
        }
        return lines
    }

    /// Rows of escaped cells in aligned columns; the last column is not padded. Cells are made
    /// visible here unless `isVisible` says the caller already did.
    private func grid(_ rows: [[String]], isVisible: Bool = false, style: (Int, Int) -> Style? = { _, _ in nil }) -> [String] {
        let cells = isVisible ? rows : rows.map { $0.map(cell) }
        let columns = cells.map(\.count).max() ?? 0
        let widths = (0..<columns).map { column in cells.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return cells.enumerated().map { row, allValues in
            // An empty last cell would only leave padding behind; a value's own spaces are kept.
            let values = Array(allValues.reversed().drop(while: \.isEmpty).reversed())
            let rendered = values.enumerated().map { column, value in
                let text = column == values.count - 1 ? value : padded(value, to: widths[column])
                return style(row, column).map { styled(text, $0) } ?? text
            }
            return "  " + rendered.joined(separator: "  ")
        }
    }

    private func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    // MARK: Colour

    /// SGR attributes; colour follows the verdict a finding pushes towards: red for what confirms
    /// the alert, yellow for what disputes it, magenta for what could not be checked.
    enum Style: String {
        case bold = "1", dim = "2", red = "1;31", yellow = "1;33", magenta = "1;35"
    }

    private func styled(_ text: String, _ style: Style) -> String {
        colored && !text.isEmpty ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }

    private func verdictStyle(_ verdict: Verdict) -> Style {
        switch verdict {
        case .confirmed: return .red
        case .disputed: return .yellow
        case .inconclusive: return .magenta
        }
    }

    private func claimStyle(_ verdict: ClaimVerdict) -> Style {
        switch verdict {
        case .corroborated: return .red
        case .contradicted: return .yellow
        case .unverifiable: return .magenta
        }
    }

    private func severityStyle(_ severity: Severity) -> Style {
        switch severity {
        case .high: return .red
        case .medium: return .yellow
        case .low: return .dim
        }
    }
}
