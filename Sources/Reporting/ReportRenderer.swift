import Investigation

/// The formats `--format` offers.
package enum ReportFormat: String, CaseIterable, Sendable {
    /// For a terminal: the verdict on the first line, colour when asked for.
    case text
    /// For a ticket: the same content as GitHub Flavored Markdown.
    case markdown
    /// For scripts: the `alert-inspect/report/v1` document.
    case json
}

/// Renders an investigation report for people or for scripts.
///
/// Every rendering ends with a newline (write it as is, e.g. `print(text, terminator: "")`), and
/// none carries a string from the alert, the container or its logs that a terminal would act on.
package struct ReportRenderer: Sendable {
    /// Whether the text format uses ANSI colour; the caller decides (`--color`, `NO_COLOR`, a TTY).
    /// Markdown and JSON are never coloured.
    package var colored: Bool

    package init(colored: Bool) {
        self.colored = colored
    }

    /// Returns `report` in `format`.
    ///
    /// - Throws: an `EncodingError` from the JSON encoder, for `.json` only.
    package func render(_ report: InvestigationReport, as format: ReportFormat) throws -> String {
        // Every format, never the raw evidence: see docs/redaction.md.
        let report = SecretRedaction.applied(to: report)
        switch format {
        case .text: return TextReport(report: report, colored: colored).rendered()
        case .markdown: return MarkdownReport(report: report).rendered()
        case .json: return try JSONReport.rendered(report)
        }
    }
}
