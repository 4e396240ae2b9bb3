import Foundation

/// Text from an alert, a container or its logs made safe to put in a Markdown ticket.
///
/// The value must render as exactly itself: no emphasis, link, image, HTML tag, entity, table cell
/// or heading can come out of it. Controls are first made visible as on a terminal
/// (`TerminalText`), so the ticket shows the same escapes a responder saw in the terminal.
package enum MarkdownText {
    /// Returns `text` as Markdown that renders as the text itself.
    ///
    /// Every character CommonMark, GitHub Flavored Markdown or inline HTML would act on is
    /// backslash-escaped (`&` too, so `&#x202e;` can't become a bidi override once rendered, and
    /// `|` too, so the value is safe in a table cell), and URLs are kept from becoming links.
    /// Characters that only mean something at the start of a line (`-`, `+`, `=`, `1.`) are
    /// escaped there. Spaces at either end are written as `&#32;`, which Markdown would otherwise
    /// trim or read as indentation (a code block).
    package static func escaped(_ text: String) -> String {
        var result = ""
        let visible = TerminalText.escaped(text)
        for scalar in visible.unicodeScalars {
            if inlineSyntax.contains(scalar) { result.append("\\") }
            result.unicodeScalars.append(scalar)
        }
        return keepingEdgeSpaces(escapingLineStart(withoutAutolinks(result)))
    }

    /// Returns `text` as an inline code span, controls made visible.
    ///
    /// The fence is one backtick longer than the longest run of backticks inside, and the content
    /// is padded with a space when it starts or ends with a backtick or a space, which CommonMark
    /// strips again.
    package static func codeSpan(_ text: String) -> String {
        let visible = TerminalText.escaped(text)
        // CommonMark has no empty code span; one space is the closest that still shows as code.
        if visible.isEmpty { return "` `" }
        let fence = String(repeating: "`", count: longestBacktickRun(in: visible) + 1)
        let edges: Set<Character> = ["`", " "]
        // Content of spaces only is kept as it is by CommonMark, so it must not be padded.
        let onlySpaces = visible.allSatisfy { $0 == " " }
        let needsPadding = !onlySpaces && (edges.contains(visible.first ?? " ") || edges.contains(visible.last ?? " "))
        return fence + (needsPadding ? " \(visible) " : visible) + fence
    }

    /// Returns `text` for a table cell, as a code span when that can be done exactly.
    ///
    /// In a table a `|` ends the cell even inside a code span unless escaped as `\|`, and the
    /// table parser removes that backslash before the span is read. A value holding a backslash
    /// right before a `|` can't be written that way (`\\|` would end the cell), so it falls back to
    /// escaped plain text, which is exact.
    package static func tableCode(_ text: String) -> String {
        let visible = TerminalText.escaped(text)
        if visible.contains(#"\|"#) { return escaped(text) }
        return codeSpan(text).replacingOccurrences(of: "|", with: #"\|"#)
    }

    /// Returns a fenced code block holding `lines`, controls made visible on each line (unless
    /// `isVisible` says the caller already did, with `TerminalText`).
    ///
    /// The fence is longer than any run of backticks in the content, so no line can close it.
    package static func codeBlock(_ lines: [String], language: String = "", isVisible: Bool = false) -> [String] {
        let visible = isVisible ? lines : lines.map(TerminalText.escaped)
        let longest = visible.map(longestBacktickRun).max() ?? 0
        let fence = String(repeating: "`", count: max(3, longest + 1))
        return [fence + language] + visible + [fence]
    }

    /// Characters with a meaning anywhere in a line: emphasis, code, links, images, HTML and
    /// entities, headings, tables, strikethrough, GitHub's math, and the backslash itself.
    private static let inlineSyntax: Set<Unicode.Scalar> = [
        "\\", "`", "*", "_", "[", "]", "<", ">", "#", "|", "~", "&", "$", "!",
    ]

    /// Breaks GitHub's automatic links (`https://…`, `www.…`) with an escape that renders as the
    /// plain character: a URL from a container's logs should not become a link in a ticket, and
    /// inside one the other escapes would show.
    private static func withoutAutolinks(_ text: String) -> String {
        text.replacingOccurrences(of: "://", with: #"\://"#).replacingOccurrences(of: "www.", with: #"www\."#)
    }

    /// Escapes a list marker, thematic break or setext underline at the start of a value, where
    /// it would turn the value into a list item or heading.
    private static func escapingLineStart(_ text: String) -> String {
        guard let first = text.first else { return text }
        if first == "-" || first == "+" || first == "=" { return "\\" + text }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        if !digits.isEmpty, digits.count <= 9, let marker = text.dropFirst(digits.count).first,
            marker == "." || marker == ")"
        {
            return digits + "\\" + text.dropFirst(digits.count)
        }
        return text
    }

    private static func keepingEdgeSpaces(_ text: String) -> String {
        let leading = text.prefix { $0 == " " }.count
        guard leading < text.count else { return String(repeating: "&#32;", count: leading) }
        let trailing = text.reversed().prefix { $0 == " " }.count
        guard leading + trailing > 0 else { return text }
        let middle = text.dropFirst(leading).dropLast(trailing)
        return String(repeating: "&#32;", count: leading) + middle + String(repeating: "&#32;", count: trailing)
    }

    private static func longestBacktickRun(in text: String) -> Int {
        var longest = 0
        var current = 0
        for character in text {
            current = character == "`" ? current + 1 : 0
            longest = max(longest, current)
        }
        return longest
    }
}
