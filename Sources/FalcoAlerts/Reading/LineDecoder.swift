/// What one line of input turned out to be.
enum LineOutcome {
    /// Only whitespace.
    case blank
    case alert(FalcoAlert)
    /// A JSON alert with a problem at `offset` bytes into the line.
    case malformed(offset: Int, reason: String)
    /// Neither JSON nor a plain-text Falco alert.
    case notAnAlert(reason: String)

    /// The alert, or the error placed at `line` of `source`, whose first byte is `lineStart` bytes into it.
    func result(source: String, line: Int, lineStart: Int) -> Result<FalcoAlert, AlertParseError> {
        switch self {
        case .alert(let alert):
            return .success(alert)
        case .blank:
            return .failure(
                AlertParseError(
                    .noAlert, source: source, line: line, column: 1, byteOffset: lineStart,
                    reason: "expected a falco alert, found only whitespace"))
        case .malformed(let offset, let reason):
            return .failure(
                AlertParseError(
                    .malformed, source: source, line: line, column: offset + 1, byteOffset: lineStart + offset,
                    reason: reason))
        case .notAnAlert(let reason):
            return .failure(
                AlertParseError(
                    .notAnAlert, source: source, line: line, column: 1, byteOffset: lineStart, reason: reason))
        }
    }

    /// The error for a line longer than ``AlertReader/maximumLineLength``.
    static func tooLong(source: String, line: Int, offset: Int) -> AlertParseError {
        AlertParseError(
            .lineTooLong, source: source, line: line, column: AlertReader.maximumLineLength + 1, byteOffset: offset,
            reason: "expected a line of at most \(AlertReader.maximumLineLength) bytes, found a longer one (skipped)")
    }
}

/// Decodes single lines: a JSON alert when the line starts with `{`, else a plain-text Falco alert.
struct LineDecoder {
    private var json: JSONAlertDecoder

    init(mode: AlertDecodingMode) {
        json = JSONAlertDecoder(mode: mode)
    }

    mutating func decode(_ line: UnsafeBufferPointer<UInt8>) -> LineOutcome {
        var scanner = JSONScanner(buffer: line)
        scanner.skipWhitespace()
        guard let first = scanner.peek() else { return .blank }
        // Plain-text alerts start with their time; anything else that looks like JSON is read as JSON, so a
        // wrong value (`[...]`) is reported as such.
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first == UInt8(ascii: "\"") else {
            return decodePlainText(line)
        }
        do throws(JSONSyntaxError) {
            return .alert(try json.decodeEntire(&scanner))
        } catch {
            return .malformed(offset: error.offset, reason: error.message)
        }
    }

    private func decodePlainText(_ line: UnsafeBufferPointer<UInt8>) -> LineOutcome {
        let text = String(decoding: line, as: UTF8.self)
        if let alert = PlainTextAlertParser.parse(text) { return .alert(alert) }
        return .notAnAlert(
            reason: "expected a JSON alert or a plain-text falco alert ('<time>: <Priority> <output>'), found "
                + JSONAlertDecoder.excerpt(text))
    }
}
