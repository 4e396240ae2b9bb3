import Foundation

/// How much of an alert to build.
enum AlertDecodingMode {
    /// Everything, every `output_fields` member verbatim.
    case complete
    /// Only what triage groups by (rule, priority, time, container, executable, flags). The whole alert is still
    /// validated, so a line is good or bad in both modes alike.
    case triage
}

/// Builds a ``FalcoAlert`` from one JSON object in a buffer, in a single validating pass.
///
/// Key order is not relied on (Falco ≤0.38 puts `output_fields` last, 0.39+ sorts every key, falcosidekick uses
/// its struct order). Duplicate keys make an alert malformed: a forensic reader must not pick one silently.
struct JSONAlertDecoder {
    private enum TopLevelKey: Int, CaseIterable, Hashable {
        case rule, priority, time, source, hostname, output, message, tags, uuid, outputFields

        var name: StaticString {
            switch self {
            case .rule: "rule"
            case .priority: "priority"
            case .time: "time"
            case .source: "source"
            case .hostname: "hostname"
            case .output: "output"
            case .message: "message"
            case .tags: "tags"
            case .uuid: "uuid"
            case .outputFields: "output_fields"
            }
        }
    }

    /// The `output_fields` members triage needs.
    static let triageFields: [StaticString] = [
        "container.id", "container.name", "container.full_id", "proc.exepath", "proc.exe", "evt.arg.flags",
        "evt.type",
    ]

    /// What triage needs from one alert, as extents in the scanned bytes: no string is built.
    struct TriageTokens {
        var rule: StringToken?
        var priority: StringToken?
        var time: StringToken?
        /// The ``JSONAlertDecoder/triageFields`` values, in that order: a string's extent, `nil` when absent or
        /// `null`.
        var fields = [StringToken?](repeating: nil, count: JSONAlertDecoder.triageFields.count)
        /// Whether a triage field held something other than a string or `null` (only the full alert reads that).
        var hasOtherValue = false
    }

    private let mode: AlertDecodingMode
    /// Key extents of the current `output_fields`, reused from alert to alert.
    private var keyTokens: [StringToken] = []
    /// Set by ``scanTriage(_:)``, reused from alert to alert.
    private(set) var tokens = TriageTokens()
    /// Whether the object being read is only scanned for ``tokens``.
    private var capturing = false

    init(mode: AlertDecodingMode) {
        self.mode = mode
    }

    /// Decodes the object at the scanner's position (after whitespace), and requires nothing but whitespace after
    /// it.
    mutating func decodeEntire(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> FalcoAlert {
        let alert = try decode(&scanner)
        scanner.skipWhitespace()
        guard scanner.isAtEnd else {
            throw scanner.failure(
                "expected nothing after the alert's closing '}', found \(scanner.found(at: scanner.index))")
        }
        return alert
    }

    /// Scans the object at the scanner's position (after whitespace) as ``decode(_:)`` reads it, with the same
    /// checks, but only records where triage's values are (``tokens``); the time is not parsed. Leaves the
    /// scanner just past the closing brace.
    mutating func scanTriage(_ scanner: inout JSONScanner) throws(JSONSyntaxError) {
        tokens.rule = nil
        tokens.priority = nil
        tokens.time = nil
        for index in tokens.fields.indices { tokens.fields[index] = nil }
        tokens.hasOtherValue = false
        capturing = true
        defer { capturing = false }
        _ = try decode(&scanner)
    }

    /// Decodes the object starting at the scanner's position (after whitespace) and leaves the scanner just
    /// past its closing brace.
    mutating func decode(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> FalcoAlert {
        scanner.skipWhitespace()
        let objectStart = scanner.index
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.failure("expected a JSON object (a Falco alert), found \(scanner.found(at: scanner.index))")
        }
        var seen: UInt32 = 0
        // Indexed by `TopLevelKey.rawValue`: no hashing per member.
        var strings = [String?](repeating: nil, count: TopLevelKey.allCases.count)
        var time: AlertTime?
        var tags: [String] = []
        var fields = OutputFields()
        var hasFields = false
        var others: [FieldMember] = []
        let complete = mode == .complete && !capturing
        let capturing = capturing

        try JSONScanner.readObject(&scanner) { scanner, token, keyOffset throws(JSONSyntaxError) in
            guard let key = Self.topLevelKey(token, in: scanner) else {
                let name = scanner.makeString(token)
                if others.contains(where: { $0.name == name }) {
                    throw scanner.failure("expected each key once, found \(JSONText.quoted(name)) again", at: keyOffset)
                }
                let value: FieldValue
                if complete {
                    value = try scanner.parseValue()
                } else {
                    try scanner.skipValue()
                    value = .null
                }
                others.append(FieldMember(name: name, value: value))
                return
            }
            let bit: UInt32 = 1 << key.rawValue
            guard seen & bit == 0 else {
                throw scanner.failure("expected each key once, found \"\(key.name)\" again", at: keyOffset)
            }
            seen |= bit
            switch key {
            case .time where capturing:
                tokens.time = try Self.stringToken(&scanner, key: key)
            case .rule where capturing:
                tokens.rule = try Self.stringToken(&scanner, key: key)
            case .priority where capturing:
                tokens.priority = try Self.stringToken(&scanner, key: key)
            case .time:
                let valueOffset = scanner.index
                if let text = try Self.string(&scanner, key: key, keep: true) {
                    guard let parsed = AlertTime(text) else {
                        throw scanner.failure(
                            "expected an RFC 3339 time in \"time\", found \(Self.excerpt(text))", at: valueOffset)
                    }
                    time = parsed
                }
            case .tags:
                tags = try Self.tags(&scanner, keep: complete)
            case .outputFields:
                if scanner.peek() == UInt8(ascii: "n") {
                    _ = try scanner.parseValue()
                } else {
                    fields = try decodeOutputFields(&scanner)
                    hasFields = true
                }
            default:
                let keep = complete || key == .rule || key == .priority
                strings[key.rawValue] = try Self.string(&scanner, key: key, keep: keep)
            }
        }

        func missing(_ key: TopLevelKey) -> JSONSyntaxError {
            scanner.failure("expected a \"\(key.name)\" member in the alert", at: objectStart)
        }
        if capturing {
            guard tokens.rule != nil else { throw missing(.rule) }
            guard tokens.priority != nil else { throw missing(.priority) }
            guard tokens.time != nil else { throw missing(.time) }
            return FalcoAlert(rule: "", priorityName: "", time: nil)
        }
        guard let rule = strings[TopLevelKey.rule.rawValue] else { throw missing(.rule) }
        guard let priority = strings[TopLevelKey.priority.rawValue] else { throw missing(.priority) }
        guard let time else { throw missing(.time) }
        func string(_ key: TopLevelKey) -> String? { strings[key.rawValue] }
        return FalcoAlert(
            rule: rule, priorityName: priority, time: time, source: string(.source), tags: tags,
            hostname: string(.hostname), output: string(.output), message: string(.message), uuid: string(.uuid),
            outputFields: fields, hasOutputFields: hasFields, otherMembers: others)
    }

    /// Which known top-level member a key names, if any.
    private static func topLevelKey(_ token: StringToken, in scanner: JSONScanner) -> TopLevelKey? {
        guard !token.hasEscapes else {
            let name = scanner.makeString(token)
            return TopLevelKey.allCases.first { $0.name.description == name }
        }
        return TopLevelKey.allCases.first { key in
            scanner.bytesEqual(token.start, token.end, key.name.bytes)
        }
    }

    /// A string member's value (`null` counts as absent); materialised only when `keep` is set.
    private static func string(
        _ scanner: inout JSONScanner, key: TopLevelKey, keep: Bool
    ) throws(JSONSyntaxError) -> String? {
        guard let token = try stringToken(&scanner, key: key), keep else { return nil }
        return scanner.makeString(token)
    }

    /// A string member's extent (`null` counts as absent).
    private static func stringToken(
        _ scanner: inout JSONScanner, key: TopLevelKey
    ) throws(JSONSyntaxError) -> StringToken? {
        switch scanner.peek() {
        case UInt8(ascii: "\""):
            return try scanner.scanString()
        case UInt8(ascii: "n"):
            let value = try scanner.parseValue()
            if value.isNull { return nil }
        default:
            break
        }
        throw scanner.failure("expected a string for \"\(key.name)\", found \(scanner.found(at: scanner.index))")
    }

    /// `tags`: an array of strings (`null` counts as none); the strings are built only when `keep` is set.
    private static func tags(_ scanner: inout JSONScanner, keep: Bool) throws(JSONSyntaxError) -> [String] {
        let start = scanner.index
        switch scanner.peek() {
        case UInt8(ascii: "n"):
            if try scanner.parseValue().isNull { return [] }
        case UInt8(ascii: "["):
            var tags: [String] = []
            let source = scanner
            let allStrings = try scanner.readStringArray { token in
                if keep { tags.append(source.makeString(token)) }
            }
            guard allStrings else { throw scanner.failure("expected an array of strings for \"tags\"", at: start) }
            return tags
        default:
            break
        }
        throw scanner.failure("expected an array of strings for \"tags\", found \(scanner.found(at: start))", at: start)
    }

    /// `output_fields`: every member in complete mode, the triage members otherwise; duplicates rejected.
    private mutating func decodeOutputFields(_ scanner: inout JSONScanner) throws(JSONSyntaxError) -> OutputFields {
        guard scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.failure("expected an object for \"output_fields\", found \(scanner.found(at: scanner.index))")
        }
        keyTokens.removeAll(keepingCapacity: true)
        var members: [FieldMember] = []
        if mode == .complete { members.reserveCapacity(32) }
        // Falco writes these keys sorted; while they are, no key can repeat. Otherwise check with a set.
        var isStrictlySorted = true
        try JSONScanner.readObject(&scanner) { scanner, token, _ throws(JSONSyntaxError) in
            if token.hasEscapes {
                isStrictlySorted = false
            } else if isStrictlySorted, let previous = keyTokens.last {
                isStrictlySorted = Self.precedes(previous, token, in: scanner)
            }
            keyTokens.append(token)
            if mode == .complete && !capturing {
                members.append(FieldMember(name: scanner.makeString(token), value: try scanner.parseValue()))
            } else if let field = Self.triageFieldIndex(token, in: scanner) {
                if !capturing {
                    members.append(FieldMember(name: scanner.makeString(token), value: try scanner.parseValue()))
                } else if scanner.peek() == UInt8(ascii: "\"") {
                    tokens.fields[field] = try scanner.scanString()
                } else if try !scanner.parseValue().isNull {
                    tokens.hasOtherValue = true
                }
            } else {
                try scanner.skipValue()
            }
        }
        if !isStrictlySorted { try checkUnique(in: scanner) }
        return OutputFields(members)
    }

    private func checkUnique(in scanner: JSONScanner) throws(JSONSyntaxError) {
        var names = Set<String>(minimumCapacity: keyTokens.count)
        for token in keyTokens {
            let name = scanner.makeString(token)
            guard names.insert(name).inserted else {
                throw scanner.failure(
                    "expected each key once in \"output_fields\", found \(JSONText.quoted(name)) again",
                    at: token.start - 1)
            }
        }
    }

    /// Whether the raw bytes of `first` sort strictly before those of `second`.
    private static func precedes(_ first: StringToken, _ second: StringToken, in scanner: JSONScanner) -> Bool {
        let firstBytes = scanner.bytes(first.start, first.end)
        let secondBytes = scanner.bytes(second.start, second.end)
        let shared = min(firstBytes.count, secondBytes.count)
        if shared > 0, let left = firstBytes.baseAddress, let right = secondBytes.baseAddress {
            let order = memcmp(left, right, shared)
            if order != 0 { return order < 0 }
        }
        return firstBytes.count < secondBytes.count
    }

    /// Which of ``triageFields`` a key names, if any.
    private static func triageFieldIndex(_ token: StringToken, in scanner: JSONScanner) -> Int? {
        if token.hasEscapes {
            let name = scanner.makeString(token)
            return triageFields.firstIndex { $0.description == name }
        }
        // Every triage field starts with `c`, `p` or `e`: most keys are ruled out by their first byte.
        guard token.end > token.start, let base = scanner.base else { return nil }
        switch base[token.start] {
        case UInt8(ascii: "c"), UInt8(ascii: "p"), UInt8(ascii: "e"): break
        default: return nil
        }
        return triageFields.firstIndex { scanner.bytesEqual(token.start, token.end, $0.bytes) }
    }

    /// A value quoted and cut short for an error message.
    static func excerpt(_ text: String) -> String {
        let limit = 40
        return JSONText.quoted(text.count > limit ? String(text.prefix(limit)) + "…" : text)
    }
}

extension StaticString {
    /// The literal's UTF-8 bytes.
    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: utf8Start, count: utf8CodeUnitCount)
    }
}
