/// Secret-looking values kept out of every report format (docs/redaction.md).
///
/// A name looks secret when it contains, in any case, `PASSWORD`, `PASSWD`, `TOKEN`, `SECRET`, `KEY`,
/// `CREDENTIAL` or `PRIVATE` (``Redaction/looksSecret(_:)``). Its value becomes `<redacted>` wherever a report
/// shows text that came from the alert, the container or its image:
///
/// - `NAME=value` anywhere in a text (`proc.env`, a command line, a build step): `AWS_SECRET_ACCESS_KEY=…`,
///   `--db-password=…`, `export TOKEN="a b"` (a quoted value up to its closing quote);
/// - `--NAME value` in a command line, and `ENV NAME value` in a build step (the older form without `=`);
/// - a whole alert field whose argument names a secret: `proc.env[GITHUB_TOKEN]`;
/// - label values whose key looks secret (``Redaction/redacted(_:)``).
///
/// The bundle's raw engine answers and `alert.json` are evidence and stay exactly as received; only reports
/// are redacted.
package enum SecretRedaction {
    /// `report` with every secret-looking value replaced; what is not secret is unchanged.
    package static func applied(to report: InvestigationReport) -> InvestigationReport {
        var report = report
        if var alert = report.alert {
            alert.cmdline = alert.cmdline.map(text)
            alert.fields = Dictionary(uniqueKeysWithValues: alert.fields.map { ($0.key, field($0.key, $0.value)) })
            report.alert = alert
        }
        if var container = report.container {
            container.labels = Redaction.redacted(container.labels).mapValues(text)
            report.container = container
        }
        for index in report.claims.indices {
            report.claims[index].reason = text(report.claims[index].reason)
            report.claims[index].evidence = report.claims[index].evidence.map(text)
        }
        for index in report.risks.indices { report.risks[index].detail = text(report.risks[index].detail) }
        for index in report.events.indices { report.events[index].detail = text(report.events[index].detail) }
        for index in report.processes.indices { report.processes[index].command = text(report.processes[index].command) }
        report.mitigations = report.mitigations.map { step in
            var step = step
            step.sentence = text(step.sentence)
            step.code = step.code.map(text)
            return step
        }
        report.limitations = report.limitations.map(text)
        return report
    }

    /// An alert field: wholly redacted when its argument names a secret (`proc.env[X_TOKEN]`), else its text
    /// values redacted like any text.
    package static func field(_ name: String, _ value: ExactJSON) -> ExactJSON {
        if let open = name.firstIndex(of: "["), name.hasSuffix("]"),
            Redaction.looksSecret(String(name[name.index(after: open)..<name.index(before: name.endIndex)]))
        {
            return .string(Redaction.marker)
        }
        return json(value)
    }

    private static func json(_ value: ExactJSON) -> ExactJSON {
        switch value {
        case .string(let string): return .string(text(string))
        case .array(let values): return .array(values.map(json))
        case .object(let members):
            return .object(
                Dictionary(uniqueKeysWithValues: members.map { ($0.key, Redaction.looksSecret($0.key) ? .string(Redaction.marker) : json($0.value)) }))
        case .number, .bool, .null: return value
        }
    }

    /// `text` with the value of every secret-looking `NAME=value`, `--NAME value` and `ENV NAME value` redacted.
    package static func text(_ text: String) -> String {
        guard text.contains(where: { $0 == "=" || $0 == " " }) else { return text }
        let scalars = Array(text.unicodeScalars)
        var out = String.UnicodeScalarView()
        var index = 0
        var previousWord = ""
        while index < scalars.count {
            // At the start of a word: read a name, then see what follows it.
            guard index == 0 || isSeparator(scalars[index - 1]) else {
                out.append(scalars[index])
                index += 1
                continue
            }
            var end = index
            while end < scalars.count, scalars[end] == "-" { end += 1 }
            let nameStart = end
            while end < scalars.count, isNameScalar(scalars[end]) { end += 1 }
            let name = String(String.UnicodeScalarView(scalars[nameStart..<end]))
            let dashed = nameStart > index
            out.append(contentsOf: scalars[index..<end])
            if !name.isEmpty, Redaction.looksSecret(name) {
                if end < scalars.count, scalars[end] == "=" {
                    out.append("=")
                    index = redactValue(scalars, from: end + 1, into: &out)
                    previousWord = name
                    continue
                }
                // `--password value` or `ENV PASSWORD value`: the next word is the value.
                if end < scalars.count, scalars[end] == " ", dashed || previousWord.uppercased() == "ENV",
                    end + 1 < scalars.count, scalars[end + 1] != "-"
                {
                    out.append(" ")
                    index = redactValue(scalars, from: end + 1, into: &out)
                    previousWord = name
                    continue
                }
            }
            if !name.isEmpty { previousWord = name }
            index = end
            if index < scalars.count, index == nameStart, !isNameScalar(scalars[index]) {
                out.append(scalars[index])
                index += 1
            }
        }
        return String(out)
    }

    /// Writes the marker for the value starting at `start` (a quoted value up to its closing quote, else up to
    /// white space or the end) and returns where the text goes on.
    private static func redactValue(
        _ scalars: [Unicode.Scalar], from start: Int, into out: inout String.UnicodeScalarView
    ) -> Int {
        var end = start
        if start < scalars.count, scalars[start] == "\"" || scalars[start] == "'" {
            let quote = scalars[start]
            end = start + 1
            while end < scalars.count, scalars[end] != quote { end += 1 }
            end = min(end + 1, scalars.count)
        } else {
            while end < scalars.count, !isSeparator(scalars[end]) { end += 1 }
        }
        if end > start { out.append(contentsOf: Redaction.marker.unicodeScalars) }
        return end
    }

    private static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
            || scalar == "."
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" || scalar == "|" || scalar == ","
            || scalar == ";" || scalar == "\"" || scalar == "'" || scalar == "(" || scalar == "[" || scalar == "{"
    }
}
