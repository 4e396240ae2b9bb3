/// The sections of a report for people, in the order both the text and the Markdown report write
/// them: docs/report.md asks both to carry the same content, so neither can leave one out.
///
/// Each section returns its lines, or none to be left out; sections are separated by a blank line.
protocol ReportSections {
    /// The verdict in one line, then what it rests on.
    func headline() -> [String]
    func claims() -> [String]
    func executable() -> [String]
    func risks() -> [String]
    func logs() -> [String]
    func events() -> [String]
    func drift() -> [String]
    func processes() -> [String]
    func alert() -> [String]
    func container() -> [String]
    func engine() -> [String]
    /// With the next steps at the end of the output, where a terminal leaves the reader's eye.
    func limitations() -> [String]
    func nextSteps() -> [String]
    func footer() -> [String]
}

extension ReportSections {
    func rendered() -> String {
        let sections = [
            headline(), claims(), executable(), risks(), logs(), events(), drift(), processes(),
            alert(), container(), engine(), limitations(), nextSteps(), footer(),
        ]
        return sections.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }
}
