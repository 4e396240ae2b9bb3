import SafeText
/// The ways a triage summary can be written.
package enum TriageFormat: String, Sendable, CaseIterable {
    case text
    case markdown
    case json
}

extension TriageSummary {
    /// The JSON schema name written in the JSON format.
    package static let schema = "alert-inspect/triage/v1"

    /// The summary in `format`, ending with a newline.
    package func rendered(as format: TriageFormat) -> String {
        var text = ""
        write(as: format, to: &text)
        return text
    }

    /// Writes the summary in `format` to `output` piece by piece, so a large summary is never held twice.
    ///
    /// - `json`: `{alerts, badLineCount, badLines: [{error, line, source}], groups: [{containerId,
    ///   containerName, count, exePath, first, flags, last, priority, rule}], schema}`, keys sorted, times as the
    ///   alerts wrote them (a plain-text time of day stays without date or zone; text and Markdown say
    ///   `zone unknown` beside it).
    /// - `text`: for a terminal; containers that ran binaries from their writable layer or from memory first,
    ///   then every container, every group and the bad lines. Alert data has its control characters escaped.
    /// - `markdown`: the same content as tables, alert data escaped for Markdown.
    package func write(as format: TriageFormat, to output: inout some TextOutputStream) {
        let groups = groups
        switch format {
        case .json: writeJSON(groups, to: &output)
        case .text: writeText(groups, to: &output)
        case .markdown: writeMarkdown(groups, to: &output)
        }
    }

    // MARK: - JSON

    private func writeJSON(_ groups: [Group], to output: inout some TextOutputStream) {
        func string(_ value: String?) -> FieldValue { value.map(FieldValue.string) ?? .null }
        func int(_ value: Int) -> FieldValue { .number(ExactNumber(Int64(value))) }
        func array(_ name: String, _ elements: some Sequence<FieldValue>, last: Bool = false) {
            output.write("  \"\(name)\": [")
            var first = true
            for element in elements {
                output.write(first ? "\n    " : ",\n    ")
                JSONText.write(element, sortedKeys: true, indent: 2, level: 2, to: &output)
                first = false
            }
            output.write(first ? "],\n" : "\n  ],\n")
        }
        output.write("{\n  \"alerts\": \(alertCount),\n  \"badLineCount\": \(badLineCount),\n")
        array(
            "badLines",
            badLines.lazy.map { error in
                .object([
                    FieldMember(name: "source", value: .string(error.source)),
                    FieldMember(name: "line", value: error.line.map(int) ?? .null),
                    FieldMember(name: "error", value: .string(error.positionedReason)),
                ])
            })
        array(
            "groups",
            groups.lazy.map { group in
                .object([
                    FieldMember(name: "rule", value: .string(group.rule)),
                    FieldMember(name: "containerId", value: string(group.containerID)),
                    FieldMember(name: "containerName", value: string(group.containerName)),
                    FieldMember(name: "exePath", value: string(group.exePath)),
                    FieldMember(name: "count", value: int(group.count)),
                    FieldMember(name: "first", value: string(group.first?.text)),
                    FieldMember(name: "last", value: string(group.last?.text)),
                    FieldMember(name: "priority", value: .string(group.priorityName)),
                    FieldMember(name: "flags", value: .array(group.flags.names.map(FieldValue.string))),
                ])
            })
        output.write("  \"schema\": \(JSONText.quoted(Self.schema))\n}\n")
    }

    // MARK: - Text

    private func writeText(_ groups: [Group], to output: inout some TextOutputStream) {
        let show: (String) -> String = TerminalText.escaped
        let containers = containers(of: groups)
        output.write(headline(groupCount: groups.count, show) + "\n")
        let ran = containers.filter(\.ranUnusualBinaries)
        if !ran.isEmpty {
            output.write("\nContainers that ran binaries from their writable layer or from memory\n")
            for container in ran {
                output.write("  \(containerLabel(container.id, container.name, show))\n")
                for group in container.upperLayerGroups {
                    output.write("    writable layer  \(executableLine(group, show))\n")
                }
                for group in container.memfdGroups {
                    output.write("    memory (memfd)  \(executableLine(group, show))\n")
                }
            }
        }
        if !containers.isEmpty {
            output.write("\nContainers\n")
            let rows = containers.map { container in
                [
                    containerLabel(container.id, container.name, show), String(container.alertCount),
                    String(container.ruleCount), container.priority.name, span(container.first, container.last),
                ]
            }
            for line in table(
                header: ["CONTAINER", "ALERTS", "RULES", "HIGHEST", "TIME"], rows: rows, numeric: [1, 2])
            {
                output.write(line + "\n")
            }
        }
        if !groups.isEmpty {
            output.write("\nGroups (rule, container, executable)\n")
            for group in groups {
                var detail = containerLabel(group.containerID, group.containerName, show)
                detail += "  exe " + (group.exePath.map(show) ?? "-")
                if !group.flags.isEmpty { detail += "  flags " + show(group.flags.names.joined(separator: "|")) }
                output.write("  \(show(group.priorityName)) ×\(group.count)  \(show(group.rule))\n")
                output.write("      \(detail)\n      \(span(group.first, group.last))\n")
            }
        }
        if badLineCount > 0 {
            output.write("\nBad lines (\(badLineCount))\n")
            for error in badLines { output.write("  \(error.description)\n") }
            if badLineCount > badLines.count {
                output.write("  … \(badLineCount - badLines.count) more not listed\n")
            }
        }
    }

    /// "23 alerts in 21 groups from a.jsonl; 0 bad lines", the sources shown with `show`.
    private func headline(groupCount: Int, _ show: (String) -> String) -> String {
        func counted(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        let sourceList = sources.isEmpty ? "" : " from " + sources.map(show).joined(separator: ", ")
        return "\(counted(alertCount, "alert")) in \(counted(groupCount, "group"))\(sourceList); "
            + counted(badLineCount, "bad line")
    }

    private func containerLabel(_ id: String?, _ name: String?, _ show: (String) -> String) -> String {
        guard let id else { return "(no container id)" }
        if id == "host" { return "host (not a container)" }
        guard let name, !name.isEmpty, name != id else { return show(id) }
        return "\(show(id)) (\(show(name)))"
    }

    private func executableLine(_ group: Group, _ show: (String) -> String) -> String {
        let exe = group.exePath.map(show) ?? "(no executable)"
        return "\(exe)  \(group.count)× \(show(group.rule))  \(span(group.first, group.last))"
    }

    private func span(_ first: TriageTime?, _ last: TriageTime?) -> String {
        guard let first, let last else { return "-" }
        let show: (String) -> String = TerminalText.escaped
        return first.isSame(as: last) ? show(first.labelled) : "\(show(first.text)) .. \(show(last.labelled))"
    }

    /// Rows padded into columns; `numeric` columns right-aligned, the last column not padded.
    private func table(header: [String], rows: [[String]], numeric: Set<Int>) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let cells = row.enumerated().map { column, cell in
                if column == row.count - 1 { return cell }
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? padding + cell : cell + padding
            }
            return "  " + cells.joined(separator: "  ")
        }
    }

    // MARK: - Markdown

    private func writeMarkdown(_ groups: [Group], to output: inout some TextOutputStream) {
        let show: (String) -> String = MarkdownText.escaped
        func cell(_ value: String?) -> String { value.map(show) ?? "–" }
        func time(_ value: TriageTime?) -> String { value.map { show($0.labelled) } ?? "–" }
        func row(_ cells: [String]) { output.write("| " + cells.joined(separator: " | ") + " |\n") }
        let containers = containers(of: groups)
        output.write("# Falco alert triage\n\n\(headline(groupCount: groups.count, show)).\n")
        let ran = containers.filter(\.ranUnusualBinaries)
        if !ran.isEmpty {
            output.write("\n## Containers that ran binaries from their writable layer or from memory\n\n")
            row(["Container", "Name", "Where", "Executable", "Rule", "Alerts", "First", "Last"])
            output.write("|---|---|---|---|---|--:|---|---|\n")
            for container in ran {
                let runs =
                    container.upperLayerGroups.map { ("writable layer", $0) }
                    + container.memfdGroups.map { ("memory (memfd)", $0) }
                for (place, group) in runs {
                    row([
                        cell(container.id), cell(container.name), place, cell(group.exePath), show(group.rule),
                        String(group.count), time(group.first), time(group.last),
                    ])
                }
            }
        }
        if !containers.isEmpty {
            output.write("\n## Containers\n\n")
            row(["Container", "Name", "Alerts", "Rules", "Highest priority", "First", "Last"])
            output.write("|---|---|--:|--:|---|---|---|\n")
            for container in containers {
                row([
                    cell(container.id), cell(container.name), String(container.alertCount),
                    String(container.ruleCount), container.priority.name, time(container.first), time(container.last),
                ])
            }
        }
        if !groups.isEmpty {
            output.write("\n## Groups\n\n")
            row(["Priority", "Count", "Rule", "Container", "Name", "Executable", "Flags", "First", "Last"])
            output.write("|---|--:|---|---|---|---|---|---|---|\n")
            for group in groups {
                row([
                    show(group.priorityName), String(group.count), show(group.rule), cell(group.containerID),
                    cell(group.containerName), cell(group.exePath),
                    group.flags.isEmpty ? "–" : show(group.flags.names.joined(separator: "|")),
                    time(group.first), time(group.last),
                ])
            }
        }
        if badLineCount > 0 {
            output.write("\n## Bad lines (\(badLineCount))\n\n")
            row(["Source", "Line", "Error"])
            output.write("|---|--:|---|\n")
            for error in badLines {
                row([show(error.source), error.line.map(String.init) ?? "–", show(error.positionedReason)])
            }
            if badLineCount > badLines.count {
                output.write("\n\(badLineCount - badLines.count) more bad lines are not listed.\n")
            }
        }
    }
}
