/// Reads Falco alerts from bytes: one alert, or a document of several (JSON lines, pretty-printed JSON objects,
/// plain-text lines), in every shape Falco and falcosidekick write.
package enum AlertReader {
    /// The longest line a stream reader accepts; a longer one is a bad line, skipped.
    package static let maximumLineLength = 1 << 20
    /// The largest document ``readDocument(path:)`` accepts.
    package static let maximumDocumentSize = 64 << 20

    /// Reads exactly one alert: a JSON object (on one line or pretty-printed over several) or one plain-text
    /// Falco line, possibly after a log's prefix, with nothing else but whitespace around it.
    ///
    /// - Parameter source: the input's name for error messages (a path, `<stdin>`).
    package static func parseAlert(_ bytes: some Collection<UInt8>, source: String) throws(AlertParseError)
        -> FalcoAlert
    {
        let document = try parseDocument(bytes, source: source)
        if let bad = document.badLines.first { throw bad }
        guard document.entries.count == 1, let entry = document.entries.first else {
            let second = document.entries[1]
            var error = AlertParseError(
                .malformed, source: source, line: second.line, column: 1, byteOffset: second.byteRange.lowerBound,
                reason: "expected a single alert, found another one")
            error.encoding = document.encoding == .utf8 ? nil : document.encoding
            throw error
        }
        return entry.alert
    }

    /// Reads exactly one alert from text; see ``parseAlert(_:source:)-(Collection<UInt8>,_)``.
    package static func parseAlert(_ text: String, source: String) throws(AlertParseError) -> FalcoAlert {
        try parseAlert(Array(text.utf8), source: source)
    }

    /// Reads every alert in a document: JSON lines, plain-text lines, JSON objects pretty-printed over several
    /// lines, each possibly after a log's prefix, in any supported encoding, the way ``AlertStream`` reads them.
    /// Lines that are not alerts are kept as ``AlertDocument/badLines``.
    ///
    /// - Throws: ``AlertParseError`` when the document holds no alert at all: the first problem found, with its
    ///   line and byte.
    package static func parseDocument(_ bytes: some Collection<UInt8>, source: String) throws(AlertParseError)
        -> AlertDocument
    {
        let document = readLines(bytes, source: source)
        if !document.entries.isEmpty { return document }
        if let first = document.badLines.first { throw first }
        var error = AlertParseError(.noAlert, source: source, reason: "expected at least one falco alert, found none")
        error.encoding = document.encoding == .utf8 ? nil : document.encoding
        throw error
    }

    /// Every alert and bad line of `bytes`, even when there is no alert at all.
    static func readLines(_ bytes: some Collection<UInt8>, source: String) -> AlertDocument {
        var transcoder = InputTranscoder()
        var text: [UInt8] = []
        Array(bytes).withUnsafeBytes { transcoder.decode($0, atEnd: true, into: &text) }
        let encoding = transcoder.encoding ?? .utf8
        var document = text.withUnsafeBufferPointer { documentOfLines($0, source: source, encoding: encoding) }
        document.text = text
        document.encoding = encoding
        return document
    }

    /// Reads a whole file (`-` for standard input) as a document; see ``parseDocument(_:source:)``.
    package static func readDocument(path: String) throws(AlertParseError) -> AlertDocument {
        let input = try AlertInput.open(path)
        defer { input.close() }
        let bytes = try input.readAll(limit: maximumDocumentSize)
        return try parseDocument(bytes, source: input.name)
    }

    // MARK: - Documents

    private static func documentOfLines(
        _ buffer: UnsafeBufferPointer<UInt8>, source: String, encoding: InputEncoding
    ) -> AlertDocument {
        var document = AlertDocument(source: source)
        var assembler = AlertAssembler(source: source)
        if encoding != .utf8 { assembler.encoding = encoding }
        func take(_ item: AlertAssembler.Item?) {
            switch item {
            case .alert(let located):
                document.entries.append(.init(alert: located.alert, line: located.line, byteRange: located.byteRange))
            case .badLine(let error):
                document.badLines.append(error)
            case nil:
                break
            }
        }
        var lineStart = 0
        var lineNumber = 1
        while lineStart < buffer.count {
            var lineEnd = lineStart
            while lineEnd < buffer.count, buffer[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            if lineEnd - lineStart > maximumLineLength {
                take(assembler.tooLongLine(number: lineNumber, offset: lineStart))
            } else {
                take(assembler.line(UnsafeBufferPointer(rebasing: buffer[lineStart..<lineEnd]), number: lineNumber, offset: lineStart))
            }
            lineStart = lineEnd + 1
            lineNumber += 1
        }
        take(assembler.finish())
        return document
    }

    // MARK: - Positions

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
    /// The document as UTF-8, which ``Entry/byteRange`` indexes (the input itself unless it was UTF-16 or had
    /// a byte-order mark).
    package var text: [UInt8] = []
    /// The encoding the input was read in.
    package var encoding: InputEncoding = .utf8
    package var entries: [Entry] = []
    /// Lines that were not alerts, in order.
    package var badLines: [AlertParseError] = []

    package init(source: String) {
        self.source = source
    }

    /// The alerts, in document order.
    package var alerts: [FalcoAlert] { entries.map(\.alert) }
}
