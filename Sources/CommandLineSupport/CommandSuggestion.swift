/// "Did you mean `collect`?" for a word the command line took as a container name.
///
/// `inspect` is the default subcommand, so `alert-inspect colect` reads as "inspect the container colect".
/// A word within ``maximumDistance`` edits of a subcommand name (or a word docker users type, such as
/// `version`) is probably a mistyped command: the command line asks the engine first and only when no
/// container has that name says "unknown command" (exit 64) instead of a "no such container" report.
package enum CommandSuggestion {
    /// Edits (insert, delete, substitute, swap two neighbours) still counted as a typo.
    package static let maximumDistance = 2

    /// Words that are no subcommand but that people type for one, and what they mean.
    package static let habits: [String: String] = [
        "version": "--version", "help": "--help", "ps": "doctor", "info": "doctor", "check": "verify", "logs": "inspect",
    ]

    /// What `word` most likely meant among `commands`, or nil when it is not close to any.
    /// Words of one or two letters are never suggested for (too many container names are that short).
    package static func suggestion(for word: String, among commands: [String]) -> String? {
        let lowered = word.lowercased()
        if let habit = habits[lowered] { return habit }
        // The command itself, read as a container because an option came first (`alert-inspect -H … doctor`).
        if commands.contains(lowered) { return lowered }
        guard lowered.count >= 3 else { return nil }
        let scored = commands.map { (command: $0, distance: distance(lowered, $0.lowercased())) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        // Short words must be closer: "top" is two edits from "tip" but is no typo of it.
        let allowed = min(maximumDistance, max(1, lowered.count / 3))
        return best.distance <= allowed ? best.command : nil
    }

    /// Optimal string alignment distance: Levenshtein plus the transposition of two neighbours ("clolect").
    package static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, table[i - 2][j - 2] + 1)
                }
                table[i][j] = best
            }
        }
        return table[a.count][b.count]
    }

    /// The message for a word that is neither a container nor a command. `lookup` says what the engine
    /// answered: "no container of that name at unix:///…", or why it could not be asked.
    package static func message(for word: String, suggestion: String, lookup: String) -> String {
        if suggestion == word.lowercased() {
            return "'\(word)' was read as a container because an option came before it: options go after the "
                + "command, as in `alert-inspect \(suggestion) --host …` (\(lookup))"
        }
        let hint = suggestion.hasPrefix("-") ? "`alert-inspect \(suggestion)`" : "`\(suggestion)`"
        return "unknown command '\(word)': did you mean \(hint)? (\(lookup); "
            + "`alert-inspect inspect \(word)` always means a container)"
    }
}
