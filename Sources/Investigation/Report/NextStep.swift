/// One thing to do next: a sentence, and the command or YAML that does it, if any.
///
/// The JSON report writes a step as one string (docs/report.md: `mitigations` is an array of strings): the
/// sentence, then the code after a newline. Renderers take the typed parts and never split strings.
package struct NextStep: Sendable, Hashable, Codable, ExpressibleByStringLiteral {
    package enum Language: String, Sendable, Hashable {
        /// Commands for a shell.
        case shell = "sh"
        /// A Falco rules file or `falco.yaml` fragment.
        case yaml
    }

    package var sentence: String
    /// Lines to run or paste, without a trailing newline.
    package var code: String?
    package var language: Language?

    package init(sentence: String, code: String? = nil, language: Language? = nil) {
        self.sentence = sentence
        self.code = code
        self.language = code == nil ? nil : language ?? .shell
    }

    /// The step as the JSON report writes it.
    package var text: String { sentence + (code.map { "\n" + $0 } ?? "") }

    /// A step read back from its JSON form: the first line is the sentence, the rest code. The language
    /// is not in the JSON; a block whose first line is a YAML key or list item reads as YAML.
    package init(text: String) {
        guard let newline = text.firstIndex(of: "\n") else {
            self.init(sentence: text)
            return
        }
        let code = String(text[text.index(after: newline)...])
        let first = code.prefix { $0 != "\n" }.drop { $0 == " " }
        let key = first.hasPrefix("- ") ? first.dropFirst(2) : first[...]
        let name = key.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-" }
        let isYAML = first.hasPrefix("- ") || (!name.isEmpty && key.dropFirst(name.count).first == ":")
        self.init(sentence: String(text[..<newline]), code: code, language: isYAML ? .yaml : .shell)
    }

    package init(stringLiteral value: String) { self.init(text: value) }

    package init(from decoder: any Decoder) throws {
        self.init(text: try decoder.singleValueContainer().decode(String.self))
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}

/// How a path in the container's writable layer differs from the image.
package enum DriftKind: Sendable, Hashable, Codable, CustomStringConvertible {
    case added, modified, deleted
    /// A kind number the engine sent that this tool does not know.
    case unknown(Int)

    package var description: String {
        switch self {
        case .added: return "added"
        case .modified: return "modified"
        case .deleted: return "deleted"
        case .unknown(let value): return "unknown(\(value))"
        }
    }

    package init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        switch text {
        case "added": self = .added
        case "modified": self = .modified
        case "deleted": self = .deleted
        default: self = .unknown(Int(text.dropFirst("unknown(".count).dropLast()) ?? -1)
        }
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
