import Testing

import SafeText
import TestSupport

@Suite struct EscapingTests {
    // MARK: Terminal

    @Test(arguments: [
        ("plain /bin/ls", "plain /bin/ls"),
        ("red \u{1b}[31mX\u{1b}[0m", "red \\x1b[31mX\\x1b[0m"),
        ("title \u{1b}]0;pwned\u{7}", "title \\x1b]0;pwned\\x07"),
        ("a\nb\rc\td\u{0}e\u{7f}", "a\\nb\\rc\\td\\x00e\\x7f"),
        ("csi \u{9b}2J", "csi \\u{9b}2J"),
        ("file \u{202e}gpj.exe", "file \\u{202e}gpj.exe"),
        ("back\\slash", "back\\slash"),
        ("é 日本 😀", "é 日本 😀"),
    ])
    func `text for terminals shows control characters visibly`(input: String, expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test func `Markdown text escapes active characters after making controls visible`() {
        #expect(
            MarkdownText.escaped("a|b *c* _d_ [e](f) <g> `h` ~i~ &amp;")
                == #"a\|b \*c\* \_d\_ \[e\](f) \<g\> \`h\` \~i\~ \&amp;"#)
        #expect(
            MarkdownText.escaped("api-1 2026-04-06T15:32:10.5Z #3 +x !y") == ##"api-1 2026-04-06T15:32:10.5Z \#3 +x \!y"##)
        #expect(MarkdownText.escaped("x\u{1b}[1m") == #"x\\x1b\[1m"#)
        #expect(MarkdownText.escaped("plain") == "plain")
    }


    @Test(arguments: [
        ("\u{1B}]0;pwned\u{07}", #"\x1b]0;pwned\x07"#),
        ("\u{1B}[2J\u{1B}[H", #"\x1b[2J\x1b[H"#),
        ("ok\u{08}\u{08}no", #"ok\x08\x08no"#),
        ("a\u{00}b", #"a\x00b"#),
        ("fake\rline", #"fake\rline"#),
        ("one\ntwo", #"one\ntwo"#),
        ("crlf\r\n", #"crlf\r\n"#),
        ("\tat Main.java", #"\tat Main.java"#),
        ("del\u{7F}", #"del\x7f"#),
        ("nel\u{85}csi\u{9B}31m", #"nel\u{85}csi\u{9b}31m"#),
        ("/tmp/\u{202E}hs.exe", #"/tmp/\u{202e}hs.exe"#),
        ("\u{202A}\u{202B}\u{202C}\u{202D}", #"\u{202a}\u{202b}\u{202c}\u{202d}"#),
        ("\u{2066}\u{2067}\u{2068}\u{2069}", #"\u{2066}\u{2067}\u{2068}\u{2069}"#),
        ("zero\u{200B}width\u{FEFF}", #"zero\u{200b}width\u{feff}"#),
        ("line\u{2028}para\u{2029}", #"line\u{2028}para\u{2029}"#),
        ("tag\u{E0041}\u{E007F}", #"tag\u{e0041}\u{e007f}"#),
    ])
    func `control and invisible characters are shown as escapes`(input: String, expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test(arguments: [
        "/usr/local/bin/nginx -g daemon off;",
        "héllo wörld, Привет, 日本語, עברית, 🙂",
        #"{"msg":"say \"hi\""}"#,
        #"grep -E '\d+' C:\dir"#,
        "trailing backslash \\",
        "spaces   kept  ",
    ])
    func `printable text is kept as it is`(input: String) {
        #expect(TerminalText.escaped(input) == input)
    }

    @Test(arguments: [
        (#"literal \x1b"#, #"literal \\x1b"#),
        (#"\u{202e}"#, #"\\u{202e}"#),
        (#"a\nb"#, #"a\\nb"#),
        (#"\\"#, #"\\\"#),
        ("\\\u{1B}", #"\\\x1b"#),
    ])
    func `a backslash that would read as an escape is doubled`(input: String, expected: String) {
        #expect(TerminalText.escaped(input) == expected)
    }

    @Test func `no character that needs escaping survives, and every string can be read back exactly`() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [Unicode.Scalar] = Array("\\xuntr{}01bf ".unicodeScalars)
            + (0...0xA0).compactMap(Unicode.Scalar.init) + [
                "\u{AD}", "\u{61C}", "\u{200E}", "\u{200F}", "\u{202E}", "\u{2069}", "\u{2028}", "\u{FEFF}",
                "\u{E0001}", "é", "日", "🙂",
            ]
        for _ in 0..<2000 {
            let length = Int.random(in: 0...12, using: &generator)
            var scalars = String.UnicodeScalarView()
            for _ in 0..<length { scalars.append(alphabet.randomElement(using: &generator) ?? "a") }
            let original = String(scalars)
            let escaped = TerminalText.escaped(original)
            #expect(HostileText.raw(in: escaped).isEmpty, "\(escaped)")
            #expect(!escaped.contains("\n"), "\(escaped)")
            #expect(unescape(escaped) == original, "\(escaped)")
        }
    }

    @Test(arguments: HostileText.characters)
    func `each listed character is escaped for a terminal and for Markdown`(character: Unicode.Scalar) {
        let text = "a" + String(character) + "b"
        #expect(HostileText.raw(in: TerminalText.escaped(text)).isEmpty)
        #expect(HostileText.raw(in: MarkdownText.escaped(text)).isEmpty)
        #expect(HostileText.raw(in: MarkdownText.codeSpan(text)).isEmpty)
        #expect(!TerminalText.escaped(text).contains("\n") && !MarkdownText.escaped(text).contains("\n"))
    }

    @Test(arguments: HostileText.sequences)
    func `attack sequences come out as visible escapes`(sequence: String) {
        #expect(HostileText.raw(in: TerminalText.escaped(sequence)).isEmpty)
        #expect(HostileText.raw(in: TerminalText.escaped(sequence, limit: 3)).isEmpty)
        #expect(TerminalText.escaped(sequence).count > sequence.count)
    }

    @Test func `every control, format and separator character in Unicode needs escaping`() {
        for value in UInt32(0)...0x10FFFF {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let category = scalar.properties.generalCategory
            let invisible = [.control, .format, .lineSeparator, .paragraphSeparator].contains(category)
            if invisible != TerminalText.needsEscaping(scalar) {
                Issue.record("U+\(String(value, radix: 16)) is \(category)")
                return
            }
        }
        #expect(!TerminalText.needsEscaping(" "))
        #expect(!TerminalText.needsEscaping("\u{A0}"))
    }

    /// The reading a responder (or a script) would apply: the inverse of `TerminalText.escaped`.
    private func unescape(_ text: String) -> String? {
        var result = String.UnicodeScalarView()
        var scalars = Substring(text).unicodeScalars[...]
        while let scalar = scalars.popFirst() {
            guard scalar == "\\", let next = scalars.first else {
                result.append(scalar)
                continue
            }
            switch next {
            case "\\": scalars.removeFirst(); result.append("\\")
            case "n": scalars.removeFirst(); result.append("\n")
            case "r": scalars.removeFirst(); result.append("\r")
            case "t": scalars.removeFirst(); result.append("\t")
            case "x":
                let hex = String(String.UnicodeScalarView(scalars.dropFirst().prefix(2)))
                guard let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) else { return nil }
                scalars.removeFirst(3)
                result.append(decoded)
            case "u":
                let body = scalars.dropFirst()
                guard body.first == "{", let close = body.firstIndex(of: "}") else {
                    result.append("\\")
                    continue
                }
                let hex = String(String.UnicodeScalarView(body[body.index(after: body.startIndex)..<close]))
                guard let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) else { return nil }
                scalars = scalars[scalars.index(after: close)...]
                result.append(decoded)
            default:
                result.append("\\")
            }
        }
        return String(result)
    }

    // MARK: Markdown

    @Test(arguments: [
        ("a|b", #"a\|b"#),
        ("*bold* _it_", #"\*bold\* \_it\_"#),
        ("[click](https://evil.example)", #"\[click\](https\://evil.example)"#),
        ("see www.evil.example/fix", #"see www\.evil.example/fix"#),
        ("![img](x)", #"\!\[img\](x)"#),
        ("<script>alert(1)</script>", #"\<script\>alert(1)\</script\>"#),
        ("&#x202e;&amp;", ##"\&\#x202e;\&amp;"##),
        ("# heading", ##"\# heading"##),
        ("~~gone~~ $x^2$", #"\~\~gone\~\~ \$x^2\$"#),
        ("`code`", #"\`code\`"#),
        (#"back\slash"#, #"back\\slash"#),
        ("- item", #"\- item"#),
        ("+ item", #"\+ item"#),
        ("=====", #"\====="#),
        ("12. item", #"12\. item"#),
        ("3) item", #"3\) item"#),
        ("2026-04-06 12.5", "2026-04-06 12.5"),
        ("\u{1B}[2J", #"\\x1b\[2J"#),
        ("a\nb", #"a\\nb"#),
        ("    indented", "&#32;&#32;&#32;&#32;indented"),
        ("trailing  ", "trailing&#32;&#32;"),
        ("/tmp/\u{202E}x", #"/tmp/\\u{202e}x"#),
    ])
    func `markdown text escapes every metacharacter and shows controls`(input: String, expected: String) {
        #expect(MarkdownText.escaped(input) == expected)
    }

    @Test(arguments: [
        ("/tmp/x", "`/tmp/x`"),
        ("sh -c `id`", "`` sh -c `id` ``"),
        ("a``b", "```a``b```"),
        ("`x", "`` `x ``"),
        (" padded ", "`  padded  `"),
        ("   ", "`   `"),
        ("", "` `"),
        ("\u{1B}]0;t\u{07}", #"`\x1b]0;t\x07`"#),
        ("a|b", "`a|b`"),
    ])
    func `code spans use a fence longer than any backtick run`(input: String, expected: String) {
        #expect(MarkdownText.codeSpan(input) == expected)
    }

    @Test func `a code span in a table cell escapes its pipes, or falls back to exact text`() {
        #expect(MarkdownText.tableCode("EXE_WRITABLE|EXE_UPPER_LAYER") == #"`EXE_WRITABLE\|EXE_UPPER_LAYER`"#)
        // `\\|` would close the cell in GitHub's table parser, so this one is written as text.
        #expect(MarkdownText.tableCode(#"a\|b"#) == #"a\\\|b"#)
    }

    @Test func `a code block cannot be closed by its content`() {
        let block = MarkdownText.codeBlock(["echo ```", "````", "ok\u{1B}[1m"], language: "sh")
        #expect(block == ["`````sh", "echo ```", "````", #"ok\x1b[1m"#, "`````"])
        #expect(MarkdownText.codeBlock(["plain"]) == ["```", "plain", "```"])
    }
}
