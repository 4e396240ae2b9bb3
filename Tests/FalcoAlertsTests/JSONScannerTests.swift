import Testing

@testable import FalcoAlerts

/// The exact JSON reader: values, exactness, and errors with their byte offsets.
struct JSONScannerTests {
    private func parse(_ text: String) throws(JSONSyntaxError) -> FieldValue {
        let bytes = Array(text.utf8)
        return try bytes.withUnsafeBufferPointer { buffer throws(JSONSyntaxError) in
            var scanner = JSONScanner(buffer: buffer)
            let value = try scanner.parseValue()
            scanner.skipWhitespace()
            guard scanner.isAtEnd else { throw scanner.failure("trailing") }
            return value
        }
    }

    private func failure(_ text: String) -> JSONSyntaxError? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: [
        ("0", "0", Int64(0) as Int64?),
        ("-1", "-1", -1),
        ("1775489530317643960", "1775489530317643960", 1_775_489_530_317_643_960),
        ("3131117737353637036", "3131117737353637036", 3_131_117_737_353_637_036),
        ("9223372036854775807", "9223372036854775807", Int64.max),
        ("-9223372036854775808", "-9223372036854775808", Int64.min),
        ("9223372036854775808", "9223372036854775808", nil),
        ("18446744073670260079", "18446744073670260079", nil),
        ("123456789012345678901234567890", "123456789012345678901234567890", nil),
        ("-0", "-0", 0),
        ("1.5", "1.5", nil),
        ("1e400", "1e400", nil),
        ("-2.5E-3", "-2.5E-3", nil),
        ("0.000001", "0.000001", nil),
    ])
    func `numbers keep their exact text`(input: String, text: String, int64: Int64?) throws {
        let value = try parse(input)
        let number = try #require(value.numberValue)
        #expect(number.text == text)
        #expect(number.int64Value == int64)
        #expect(value.jsonText() == text)
    }

    @Test func `integers past Int64 are exact as UInt64 and never go through Double`() throws {
        let number = try #require(try parse("18446744073670260079").numberValue)
        #expect(number.uint64Value == 18_446_744_073_670_260_079)
        #expect(number.isInteger)
        // Through Double this would read 18446744073670260736.
        #expect(ExactNumber(text: "18446744073670260079") == number)
        #expect(try parse("-0").numberValue?.int64Value == 0)
        #expect(try parse("-0").numberValue?.isInteger == true)
        #expect(try parse("1.0").numberValue != (try parse("1").numberValue))
    }

    @Test func `null stays distinct from the empty string`() throws {
        #expect(try parse("null") == .null)
        #expect(try parse(#""""#) == .string(""))
        #expect(try parse("null") != (try parse(#""""#)))
        #expect(FieldValue.null.displayText == "<NA>")
    }

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""a\"b\\c\/d""#, "a\"b\\c/d"),
        (#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t"),
        (#""\u0041\u00e9\u20ac""#, "Aé€"),
        (#""\ud83d\ude00""#, "😀"),
        (#""\u0000 and \u001b[31m""#, "\u{0} and \u{1b}[31m"),
        ("\"é ß 日本 😀\"", "é ß 日本 😀"),
        ("\"0123456789abcdefghij\"", "0123456789abcdefghij"),
    ])
    func `strings decode escapes and UTF-8`(input: String, expected: String) throws {
        #expect(try parse(input) == .string(expected))
    }

    @Test func `objects keep member order, and arrays nest`() throws {
        let value = try parse(#" { "b" : [1, "x", null, true, false, {}], "a" : {"c": []} } "#)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.name) == ["b", "a"])
        #expect(value.jsonText() == #"{"b":[1,"x",null,true,false,{}],"a":{"c":[]}}"#)
        #expect(value.jsonText(sortedKeys: true) == #"{"a":{"c":[]},"b":[1,"x",null,true,false,{}]}"#)
    }

    @Test func `written JSON escapes every control character and reads back the same`() throws {
        let nasty = "q\"b\\s/\u{0}\u{7}\u{1b}[2J\n\r\t\u{7f}\u{9b}\u{2028}\u{202e}é😀"
        let text = FieldValue.string(nasty).jsonText()
        #expect(text == #""q\"b\\s/\u0000\u0007\u001b[2J\n\r\t\u007f\u009b\u2028\u202eé😀""#)
        #expect(try parse(text) == .string(nasty))
    }

    @Test(arguments: [
        ("", 0, "expected a JSON value, found end of input"),
        ("{", 1, "expected '\"' to start an object key, found end of input"),
        (#"{"a" 1}"#, 5, "expected ':' after an object key, found '1'"),
        (#"{"a":1 "b":2}"#, 7, "expected ',' or '}' after an object member, found '\"'"),
        (#"[1 2]"#, 3, "expected ',' or ']' after an array element, found '2'"),
        (#"{a:1}"#, 1, "expected '\"' to start an object key, found 'a'"),
        (#""abc"#, 0, "unterminated string"),
        ("\"a\u{1}b\"", 2, "expected no raw control character in a string (U+0001 must be escaped)"),
        ("\"a\u{0}b\"", 2, "expected no raw control character in a string (NUL must be escaped)"),
        ("[1,\u{0}]", 3, "expected a JSON value, found NUL byte"),
        (#""\x41""#, 2, "expected a valid escape after '\\', found 'x'"),
        (#""\u12G4""#, 5, "expected four hex digits after '\\u', found 'G'"),
        (#""\ud800""#, 1, "expected a low surrogate '\\u' escape after a high surrogate"),
        (#""\udc00""#, 1, "expected no unpaired low surrogate in a '\\u' escape"),
        ("01", 1, "expected no leading zero in a number, found '1'"),
        ("1.", 2, "expected a digit after '.' in a number, found end of input"),
        ("-", 1, "expected a digit in a number, found end of input"),
        ("1e+", 3, "expected a digit in a number's exponent, found end of input"),
        ("tru", 0, "expected a JSON value, found 't'"),
        ("nul", 0, "expected a JSON value, found 'n'"),
        ("+1", 0, "expected a JSON value, found '+'"),
    ])
    func `syntax errors say where and what was expected`(input: String, offset: Int, message: String) {
        let error = failure(input)
        #expect(error?.offset == offset)
        #expect(error?.message == message)
    }

    @Test func `invalid UTF-8 is rejected at the offending byte`() {
        func failure(_ bytes: [UInt8]) -> JSONSyntaxError? {
            bytes.withUnsafeBufferPointer { buffer -> JSONSyntaxError? in
                var scanner = JSONScanner(buffer: buffer)
                do throws(JSONSyntaxError) {
                    _ = try scanner.parseValue()
                    return nil
                } catch {
                    return error
                }
            }
        }
        let quote = UInt8(ascii: "\"")
        #expect(failure([quote, 0xFF, quote])?.offset == 1)
        #expect(failure([quote, 0xFF, quote])?.message == "expected valid UTF-8 in a string, found byte 0xff")
        #expect(failure([quote, 0xC0, 0xAF, quote])?.offset == 1)  // overlong '/'
        #expect(failure([quote, 0xED, 0xA0, 0x80, quote])?.offset == 2)  // a surrogate in UTF-8
        #expect(failure([quote, 0xF4, 0x90, 0x80, 0x80, quote])?.offset == 2)  // past U+10FFFF
        #expect(failure([quote, 0xE2, 0x82, quote])?.offset == 3)  // cut by the quote
        #expect(
            failure([quote, 0xE2, 0x82])?.message == "expected valid UTF-8 in a string, found a truncated sequence")
        #expect(failure([0xFF])?.message == "expected a JSON value, found byte 0xff")
    }

    @Test func `nesting is limited, so hostile depth cannot exhaust the stack`() {
        let limit = JSONScanner.maximumDepth
        #expect(failure(String(repeating: "[", count: limit) + String(repeating: "]", count: limit)) == nil)
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        let error = failure(deep)
        #expect(error?.offset == limit)
        #expect(error?.message == "expected at most \(limit) levels of nesting")
        let deepObjects = String(repeating: #"{"a":"#, count: 10_000)
        #expect(failure(deepObjects)?.message == "expected at most \(limit) levels of nesting")
    }

    @Test func `long strings are scanned in words without missing a special byte`() throws {
        for position in 0..<40 {
            var characters = Array(repeating: Character("a"), count: 40)
            characters[position] = "\u{1}"
            let text = "\"" + String(characters) + "\""
            #expect(failure(text)?.offset == position + 1, "control character at \(position)")
            characters[position] = "é"
            #expect(try parse("\"" + String(characters) + "\"") == .string(String(characters)))
        }
    }
}
