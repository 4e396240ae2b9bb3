/// Reads Falco alerts from bytes: one alert, or a document of several (JSON lines, pretty-printed JSON objects,
/// plain-text lines), in every shape Falco and falcosidekick write.
package enum AlertReader {
    /// The longest line a stream reader accepts; a longer one is a bad line, skipped.
    package static let maximumLineLength = 1 << 20
    /// The largest document ``readDocument(path:)`` accepts.
    package static let maximumDocumentSize = 64 << 20

    /// Reads exactly one alert: a JSON object (on one line or pretty-printed over several) or one plain-text
    /// Falco line, with nothing else but whitespace around it.
    ///
    /// - Parameter source: the input's name for error messages (a path, `<stdin>`).
    package static func parseAlert(_ bytes: some Collection<UInt8>, source: String) throws(AlertParseError)
        -> FalcoAlert
    {
        let bytes = Array(bytes)
        let outcome: Result<FalcoAlert, AlertParseError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer: buffer, index: bomLength(buffer))
            scanner.skipWhitespace()
            guard let first = scanner.peek(), first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else {
                return plainTextAlert(buffer, from: scanner.index, source: source)
            }
            do throws(JSONSyntaxError) {
                var decoder = JSONAlertDecoder(mode: .complete)
                return .success(try decoder.decodeEntire(&scanner))
            } catch {
                return .failure(positioned(error, kind: .malformed, source: source, in: buffer))
            }
        }
        return try outcome.get()
    }

    /// The one plain-text line starting at `start`, which must be followed by nothing but whitespace.
    private static func plainTextAlert(
        _ buffer: UnsafeBufferPointer<UInt8>, from start: Int, source: String
    ) -> Result<FalcoAlert, AlertParseError> {
        let line = lineAndColumn(of: start, in: buffer).line
        var end = start
        while end < buffer.count, buffer[end] != UInt8(ascii: "\n") { end += 1 }
        var rest = JSONScanner(buffer: buffer, index: end)
        rest.skipWhitespace()
        guard rest.isAtEnd else {
            let (extraLine, column) = lineAndColumn(of: rest.index, in: buffer)
            return .failure(
                AlertParseError(
                    .malformed, source: source, line: extraLine, column: column, byteOffset: rest.index,
                    reason: "expected a single plain-text alert line, found another line"))
        }
        var decoder = LineDecoder(mode: .complete)
        return decoder.decode(rest.bytes(start, end)).result(source: source, line: line, lineStart: start)
    }

    /// Reads exactly one alert from text; see ``parseAlert(_:source:)-(Collection<UInt8>,_)``.
    package static func parseAlert(_ text: String, source: String) throws(AlertParseError) -> FalcoAlert {
        try parseAlert(Array(text.utf8), source: source)
    }

    /// Reads every alert in a document: JSON lines (with plain-text lines among them), or one or more JSON
    /// objects pretty-printed over several lines. Lines that are not alerts are kept as ``AlertDocument/badLines``.
    ///
    /// - Throws: ``AlertParseError`` when the document holds no alert at all: the first problem found, with its
    ///   line and byte.
    package static func parseDocument(_ bytes: some Collection<UInt8>, source: String) throws(AlertParseError)
        -> AlertDocument
    {
        let bytes = Array(bytes)
        return try bytes.withUnsafeBufferPointer { buffer throws(AlertParseError) in
            let document = documentOfLines(buffer, source: source)
            if !document.entries.isEmpty { return document }
            var scanner = JSONScanner(buffer: buffer, index: bomLength(buffer))
            scanner.skipWhitespace()
            if scanner.peek() == UInt8(ascii: "{") {
                return try documentOfObjects(buffer, source: source)
            }
            if let first = document.badLines.first { throw first }
            throw AlertParseError(.noAlert, source: source, reason: "expected at least one falco alert, found none")
        }
    }

    /// Reads a whole file (`-` for standard input) as a document; see ``parseDocument(_:source:)``.
    package static func readDocument(path: String) throws(AlertParseError) -> AlertDocument {
        let input = try AlertInput.open(path)
        defer { input.close() }
        let bytes = try input.readAll(limit: maximumDocumentSize)
        return try parseDocument(bytes, source: input.name)
    }

    // MARK: - Documents

    private static func documentOfLines(_ buffer: UnsafeBufferPointer<UInt8>, source: String) -> AlertDocument {
        var document = AlertDocument(source: source)
        var decoder = LineDecoder(mode: .complete)
        var lineStart = bomLength(buffer)
        var lineNumber = 1
        let scanner = JSONScanner(buffer: buffer)
        while lineStart < buffer.count {
            var lineEnd = lineStart
            while lineEnd < buffer.count, buffer[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if lineEnd - lineStart > maximumLineLength {
                document.badLines.append(LineOutcome.tooLong(source: source, line: lineNumber, offset: lineStart))
            } else {
                switch decoder.decode(scanner.bytes(lineStart, lineEnd)) {
                case .blank:
                    break
                case .alert(let alert):
                    document.entries.append(.init(alert: alert, line: lineNumber, byteRange: lineStart..<lineEnd))
                case let outcome:
                    if case .failure(let error) = outcome.result(
                        source: source, line: lineNumber, lineStart: lineStart)
                    {
                        document.badLines.append(error)
                    }
                }
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        return document
    }

    /// JSON objects one after another, each possibly spread over several lines.
    private static func documentOfObjects(
        _ buffer: UnsafeBufferPointer<UInt8>, source: String
    ) throws(AlertParseError) -> AlertDocument {
        var document = AlertDocument(source: source)
        var scanner = JSONScanner(buffer: buffer, index: bomLength(buffer))
        var decoder = JSONAlertDecoder(mode: .complete)
        do throws(JSONSyntaxError) {
            scanner.skipWhitespace()
            while !scanner.isAtEnd {
                let start = scanner.index
                let alert = try decoder.decode(&scanner)
                let line = lineAndColumn(of: start, in: buffer).line
                document.entries.append(.init(alert: alert, line: line, byteRange: start..<scanner.index))
                scanner.skipWhitespace()
            }
        } catch {
            throw positioned(error, kind: .malformed, source: source, in: buffer)
        }
        return document
    }

    // MARK: - Positions

    /// The length of a UTF-8 byte-order mark at the start of `buffer` (0 or 3).
    static func bomLength(_ buffer: UnsafeBufferPointer<UInt8>) -> Int {
        buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF ? 3 : 0
    }

    /// The 1-based line and byte column of `offset` in `buffer`.
    static func lineAndColumn(of offset: Int, in buffer: UnsafeBufferPointer<UInt8>) -> (line: Int, column: Int) {
        var line = 1
        var lineStart = 0
        for position in 0..<min(offset, buffer.count) where buffer[position] == UInt8(ascii: "\n") {
            line += 1
            lineStart = position + 1
        }
        return (line, offset - lineStart + 1)
    }

    private static func positioned(
        _ error: JSONSyntaxError, kind: AlertParseError.Kind, source: String, in buffer: UnsafeBufferPointer<UInt8>
    ) -> AlertParseError {
        let (line, column) = lineAndColumn(of: error.offset, in: buffer)
        return AlertParseError(
            kind, source: source, line: line, column: column, byteOffset: error.offset, reason: error.message)
    }
}

/// Every alert a document held, with where each one was, and the lines that were not alerts.
package struct AlertDocument: Sendable, Hashable {
    /// One alert and its place in the document.
    package struct Entry: Sendable, Hashable {
        package var alert: FalcoAlert
        /// The 1-based line the alert starts on.
        package var line: Int
        /// The alert's bytes in the document, so it can be kept exactly as received.
        package var byteRange: Range<Int>
    }

    package var source: String
    package var entries: [Entry] = []
    /// Lines that were not alerts, in order.
    package var badLines: [AlertParseError] = []

    package init(source: String) {
        self.source = source
    }

    /// The alerts, in document order.
    package var alerts: [FalcoAlert] { entries.map(\.alert) }
}
