/// `GET /containers/{id}/top`: the container's processes as the host's `ps` (or Podman's psgo) lists them.
///
/// Columns depend on `ps_args` and on the engine (`ps -ef`: `UID PID PPID C STIME TTY TIME CMD`;
/// `ps aux`: `USER PID … COMMAND`; Podman: `USER PID PPID %CPU ELAPSED TTY TIME COMMAND`), so
/// columns are found by title, never by position. PIDs are host PIDs. Podman may answer with no
/// titles and no processes for a running container.
package struct ProcessList: Codable, Sendable, Hashable {
    package var titles: [String]?
    package var processes: [[String]]?

    package init(titles: [String]?, processes: [[String]]?) {
        self.titles = titles
        self.processes = processes
    }

    enum CodingKeys: String, CodingKey { case titles = "Titles", processes = "Processes" }

    /// One process, with the columns this tool uses picked out.
    package struct Row: Sendable, Hashable {
        /// Every value, in title order.
        package var values: [String]
        package var pid: Int?
        package var ppid: Int?
        /// `UID` or `USER`.
        package var user: String?
        /// `CMD`, `COMMAND` or `ARGS`: the command line (the engine joins the rest of the `ps` line into it).
        package var command: String?
    }

    /// The index of the first column whose title is one of `names` (case-insensitive).
    package func column(_ names: String...) -> Int? {
        let wanted = Set(names.map { $0.uppercased() })
        return titles?.firstIndex { wanted.contains(Self.trimmed($0).uppercased()) }
    }

    package var pidColumn: Int? { column("PID") }
    package var ppidColumn: Int? { column("PPID") }
    package var userColumn: Int? { column("UID", "USER") }
    package var commandColumn: Int? { column("CMD", "COMMAND", "ARGS") }

    /// Whether the engine listed no process at all.
    package var isEmpty: Bool { processes?.isEmpty ?? true }

    /// The processes with their known columns read; rows shorter than the titles just lack those values.
    package var rows: [Row] {
        let pidIndex = pidColumn
        let ppidIndex = ppidColumn
        let userIndex = userColumn
        let commandIndex = commandColumn
        func value(_ values: [String], _ index: Int?) -> String? {
            guard let index, index < values.count else { return nil }
            return values[index]
        }
        return (processes ?? []).map { values in
            Row(
                values: values,
                pid: value(values, pidIndex).flatMap { Int(Self.trimmed($0)) },
                ppid: value(values, ppidIndex).flatMap { Int(Self.trimmed($0)) },
                user: value(values, userIndex),
                command: value(values, commandIndex))
        }
    }

    /// The host PIDs listed.
    package var pids: [Int] { rows.compactMap(\.pid) }

    /// `text` without leading and trailing spaces and tabs.
    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }
}
