/// `GET /containers/{id}/top`: the container's processes as the host's `ps` (or Podman's psgo) lists them.
///
/// Columns depend on `ps_args` and on the engine (`ps -ef`: `UID PID PPID C STIME TTY TIME CMD`;
/// `ps aux`: `USER PID … COMMAND`; Podman: `USER PID PPID %CPU ELAPSED TTY TIME COMMAND`), so
/// columns are found by title, never by position. Docker's PIDs are host PIDs.
///
/// Podman 4.3 may instead run `ps` inside the container and send one title string
/// (`"PID   USER     COMMAND"`) with each row as one string; those are split on whitespace here
/// (`hasJoinedColumns`), and their PIDs are the container's own, not the host's. Podman may also
/// answer with no titles and no processes for a running container.
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

    /// Whether the engine sent each title line and row as one string (Podman running `ps` inside the
    /// container); the values are then split on whitespace and PIDs are in the container's namespace.
    package var hasJoinedColumns: Bool {
        guard let titles, titles.count == 1 else { return false }
        return Self.split(titles[0], maxFields: .max).count > 1
    }

    /// The column titles, split when the engine joined them.
    package var columnTitles: [String] {
        guard let titles else { return [] }
        return hasJoinedColumns ? Self.split(titles[0], maxFields: .max) : titles
    }

    /// The index of the first column whose title is one of `names` (case-insensitive).
    package func column(_ names: String...) -> Int? {
        let wanted = Set(names.map { $0.uppercased() })
        return columnTitles.firstIndex { wanted.contains(Self.trimmed($0).uppercased()) }
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
        let joined = hasJoinedColumns
        let columnCount = columnTitles.count
        return (processes ?? []).map { row in
            // The last column (the command) keeps its inner spaces.
            let values = joined && row.count == 1 ? Self.split(row[0], maxFields: columnCount) : row
            return Row(
                values: values,
                pid: value(values, pidIndex).flatMap { Int(Self.trimmed($0)) },
                ppid: value(values, ppidIndex).flatMap { Int(Self.trimmed($0)) },
                user: value(values, userIndex),
                command: value(values, commandIndex))
        }
    }

    /// The host PIDs listed.
    package var pids: [Int] { rows.compactMap(\.pid) }

    /// Splits `text` on runs of spaces and tabs into at most `maxFields` fields; the last field keeps
    /// the rest of the text as it is (trailing whitespace trimmed).
    private static func split(_ text: String, maxFields: Int) -> [String] {
        var fields: [String] = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " || $0 == "\t" }
            guard !rest.isEmpty else { return fields }
            if fields.count == maxFields - 1 {
                fields.append(trimmed(String(rest)))
                return fields
            }
            let end = rest.firstIndex { $0 == " " || $0 == "\t" } ?? rest.endIndex
            fields.append(String(rest[..<end]))
            rest = rest[end...]
        }
    }

    /// `text` without leading and trailing spaces and tabs.
    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(text[first...last])
    }
}
