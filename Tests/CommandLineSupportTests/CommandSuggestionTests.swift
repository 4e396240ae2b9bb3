import Testing

@testable import CommandLineSupport

@Suite struct CommandSuggestionTests {
    private let commands = ["inspect", "triage", "doctor", "collect", "verify", "watch"]

    @Test(arguments: [
        ("colect", "collect"), ("collcet", "collect"), ("insepct", "inspect"), ("doctr", "doctor"),
        ("wacth", "watch"), ("verfy", "verify"), ("Triag", "triage"), ("version", "--version"), ("doctor", "doctor"),
    ])
    func `typos of a command are suggested`(word: String, expected: String) {
        #expect(CommandSuggestion.suggestion(for: word, among: commands) == expected)
    }

    @Test(arguments: ["web", "nginx", "lab-dropped", "4e142d4d1738", "db", "watcher-7", "collector-api"])
    func `container-like words are left alone`(word: String) {
        #expect(CommandSuggestion.suggestion(for: word, among: commands) == nil)
    }

    @Test func `distance counts a swap of neighbours as one edit`() {
        #expect(CommandSuggestion.distance("collect", "collect") == 0)
        #expect(CommandSuggestion.distance("colect", "collect") == 1)
        #expect(CommandSuggestion.distance("collcet", "collect") == 1)
        #expect(CommandSuggestion.distance("", "abc") == 3)
        #expect(CommandSuggestion.distance("kitten", "sitting") == 3)
    }

    @Test func `the message names the word, the engine and the command`() {
        let text = CommandSuggestion.message(
            for: "colect", suggestion: "collect", lookup: "no container of that name at unix:///var/run/docker.sock")
        #expect(text.contains("unknown command 'colect'"))
        #expect(text.contains("did you mean `collect`?"))
        #expect(text.contains("unix:///var/run/docker.sock"))
        let misplaced = CommandSuggestion.message(for: "doctor", suggestion: "doctor", lookup: "no container")
        #expect(misplaced.contains("options go after the command"))
    }
}
