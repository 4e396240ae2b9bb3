/// A JSON value exactly as an alert carried it.
///
/// Numbers keep their source text (see ``ExactNumber``), `null` (Falco's `<NA>`) stays distinct from `""`,
/// and objects keep their members in source order, duplicates included.
package enum FieldValue: Sendable, Hashable {
    case string(String)
    case number(ExactNumber)
    case bool(Bool)
    case null
    case array([FieldValue])
    case object([FieldMember])

    /// The string, when this is a string.
    package var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number, when this is a number.
    package var numberValue: ExactNumber? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The boolean, when this is a boolean.
    package var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// Whether this is JSON `null` (Falco prints it as `<NA>`).
    package var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value written back as compact JSON, numbers and strings exactly as they were read.
    ///
    /// - Parameter sortedKeys: orders object members by name (byte order) instead of source order.
    package func jsonText(sortedKeys: Bool = false) -> String {
        var text = ""
        JSONText.write(self, sortedKeys: sortedKeys, to: &text)
        return text
    }

    /// The value as Falco's plain-text output would show it: `<NA>` for null, numbers as written.
    package var displayText: String {
        switch self {
        case .string(let value): value
        case .number(let number): number.text
        case .bool(let value): value ? "true" : "false"
        case .null: "<NA>"
        case .array, .object: jsonText()
        }
    }
}

/// One member of a JSON object: a name and its value, in the order the input had them.
package struct FieldMember: Sendable, Hashable {
    package var name: String
    package var value: FieldValue

    package init(name: String, value: FieldValue) {
        self.name = name
        self.value = value
    }
}

/// A JSON number kept exactly: never converted through `Double`.
///
/// Integers that fit in `Int64` are stored as such (their canonical decimal text is the source text, since JSON
/// forbids leading zeros); every other number (`-0`, fractions, exponents, integers past `Int64`) keeps its text.
package struct ExactNumber: Sendable, Hashable, CustomStringConvertible {
    private enum Storage: Sendable, Hashable {
        case int64(Int64)
        case text(String, isInteger: Bool)
    }

    private let storage: Storage

    /// A number from a 64-bit integer.
    package init(_ value: Int64) {
        storage = .int64(value)
    }

    /// A number from its JSON text; `nil` when `text` is not a JSON number.
    package init?(text: String) {
        var bytes = Array(text.utf8)
        let parsed: ExactNumber? = bytes.withUnsafeMutableBufferPointer { buffer in
            var scanner = JSONScanner(buffer: UnsafeBufferPointer(buffer))
            guard let number = try? scanner.parseNumber(), scanner.isAtEnd else { return nil }
            return number
        }
        guard let parsed else { return nil }
        self = parsed
    }

    /// Builds a number from validated JSON number text. `isInteger` says there is no fraction or exponent.
    init(validatedText text: String, isInteger: Bool, int64: Int64?) {
        if let int64, text != "-0" {
            storage = .int64(int64)
        } else {
            storage = .text(text, isInteger: isInteger)
        }
    }

    /// The number exactly as written in the input.
    package var text: String {
        switch storage {
        case .int64(let value): String(value)
        case .text(let text, _): text
        }
    }

    package var description: String { text }

    /// Whether the number is written without fraction or exponent.
    package var isInteger: Bool {
        switch storage {
        case .int64: true
        case .text(_, let isInteger): isInteger
        }
    }

    /// The value as `Int64`, when it is an integer that fits.
    package var int64Value: Int64? {
        switch storage {
        case .int64(let value): value
        case .text(let text, let isInteger): isInteger ? Int64(text) : nil
        }
    }

    /// The value as `UInt64`, when it is a non-negative integer that fits (Falco's `uint64` nanosecond values can
    /// exceed `Int64.max`, for example a wrapped `proc.exe_ino.ctime_duration_proc_start`).
    package var uint64Value: UInt64? {
        switch storage {
        case .int64(let value): value >= 0 ? UInt64(value) : nil
        case .text(let text, let isInteger): isInteger ? UInt64(text) : nil
        }
    }
}
