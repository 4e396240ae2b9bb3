import SafeText
/// Why alert input could not be read, and exactly where: the source's name, the line, the byte within the line,
/// and what was expected there.
package struct AlertParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of problem.
    package enum Kind: Sendable, Hashable {
        /// The input is not a well-formed alert (JSON syntax, a missing or mistyped member, an impossible time).
        case malformed
        /// The line is neither JSON nor a plain-text Falco alert (a banner, a log line).
        case notAnAlert
        /// The line is longer than the reader's limit; it was skipped.
        case lineTooLong
        /// The input holds no alert at all.
        case noAlert
        /// The input could not be opened or read (missing file, permission, I/O error).
        case unreadable
    }

    package var kind: Kind
    /// The input's name: a path, or `<stdin>`.
    package var source: String
    /// The 1-based line, when known.
    package var line: Int?
    /// The 1-based byte position within ``line``, when known.
    package var column: Int?
    /// The 0-based byte offset from the start of the input, when known.
    package var byteOffset: Int?
    /// What was expected, or what was wrong, in lowercase words.
    package var reason: String
    /// The input's encoding when it was not plain UTF-8 (positions then count the bytes as UTF-8).
    package var encoding: InputEncoding?

    package init(
        _ kind: Kind, source: String, line: Int? = nil, column: Int? = nil, byteOffset: Int? = nil, reason: String
    ) {
        self.kind = kind
        self.source = source
        self.line = line
        self.column = column
        self.byteOffset = byteOffset
        self.reason = reason
    }

    /// Whether the input itself could not be read (exit 66), as opposed to read and found wrong (exit 65).
    package var isUnreadable: Bool { kind == .unreadable }

    /// The problem with its position in the line, without the source and line (`byte 17: expected ':' …`).
    package var positionedReason: String {
        guard let column else { return reason }
        return "byte \(column): \(reason)"
    }

    /// `alerts.jsonl: line 3, byte 17: expected ':' after an object key, found '}'`, safe to print: the source's
    /// control characters are shown as escapes, and reasons quote input only JSON-escaped.
    package var description: String {
        var location = TerminalText.escaped(source)
        if let encoding { location += " (read as \(encoding.name))" }
        if let line {
            location += ": line \(line)"
            if let column { location += ", byte \(column)" }
        } else if let byteOffset {
            location += ": byte offset \(byteOffset)"
        }
        return location + ": " + reason
    }
}
