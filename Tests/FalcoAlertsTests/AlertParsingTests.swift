import Foundation
import TestSupport
import Testing

@testable import FalcoAlerts

/// The project's own fixtures, one per Falco era and shape.
struct AlertParsingTests {
    private func alert(_ fixture: String) throws -> FalcoAlert {
        try AlertReader.parseAlert(try Fixture.data("alerts/" + fixture), source: fixture)
    }

    @Test func `0.38 jsoncpp layout with evt.time and a Kubernetes docker-runtime name`() throws {
        let alert = try alert("falco-0.38_jsoncpp_drop-and-execute_k8s-docker.json")
        #expect(alert.rule == "Drop and execute new binary in container")
        #expect(alert.priority == .critical)
        #expect(alert.time?.text == "2024-06-03T09:11:30.123456789Z")
        #expect(alert.time?.nanoseconds == 123_456_789)
        #expect(alert.eventTimestamp?.int64Value == 1_717_405_890_123_456_789)
        #expect(alert.outputFields.members.last?.name == "user.uid")
        #expect(alert.containerID == "3f1c9a7d2b60")
        #expect(alert.exePath == "/var/tmp/xmrig")
        #expect(alert.string("proc.exe") == "./xmrig")
        #expect(alert.execFlags.bits == [.writable, .upperLayer])
        #expect(alert.field("proc.sname") == .string(""))
        #expect(alert.field("k8s.pod.name") == .null)
        let name = try #require(alert.kubernetesContainerName)
        #expect(name.container == "cart")
        #expect(name.pod == "cart-6d8f9b7c5d-x2kqp")
        #expect(name.namespace == "shop")
        #expect(name.podUID == "4b1f2e3a-9c8d-4e7f-a6b5-1d2c3e4f5a6b")
        #expect(name.attempt == 1)
        #expect(alert.k8sPodName == "cart-6d8f9b7c5d-x2kqp")
        #expect(alert.k8sNamespace == "shop")
        #expect(alert.message == nil)
        #expect(alert.hasOutputFields)
    }

    @Test func `0.39 sorted keys with message and EXE_LOWER_LAYER`() throws {
        let alert = try alert("falco-0.39_sorted-keys_terminal-shell_message.json")
        #expect(alert.rule == "Terminal shell in container")
        #expect(alert.priority == .notice)
        #expect(alert.message?.hasPrefix("A shell was spawned") == true)
        #expect(alert.output?.hasSuffix(alert.message ?? "?") == true)
        #expect(alert.execFlags.bits == [.writable, .lowerLayer])
        #expect(alert.number("proc.tty")?.int64Value == 34816)
        #expect(alert.parentName == "runc")
        #expect(alert.kubernetesContainerName == nil)
    }

    @Test func `0.41 container plugin fields and exact integers beyond Int64`() throws {
        let alert = try alert("falco-0.41_container-plugin_drop-and-execute_exact-integers.json")
        #expect(alert.containerID == "5b7e9d1c3a20")
        #expect(alert.containerName == "api-1")
        #expect(alert.imageRepository == "registry.example.com/team/api")
        #expect(alert.imageTag == "2.0.0")
        #expect(alert.image == "registry.example.com/team/api:2.0.0")
        #expect(alert.userName == "www-data")
        #expect(alert.cmdline == "kworkerd -o pool.example.net:3333")
        #expect(alert.eventTimestamp?.int64Value == 1_775_489_530_317_643_960)
        #expect(alert.exeInodeMtime?.int64Value == 3_131_117_737_353_637_036)
        #expect(alert.exeInodeCtime?.int64Value == 1_775_489_530_315_631_788)
        #expect(alert.containerStartTimestamp?.int64Value == 1_775_489_522_478_095_774)
        #expect(alert.containerStartTime?.text == "2026-04-06T15:32:02.478095774Z")
        let wrapped = try #require(alert.number("proc.exe_ino.ctime_duration_proc_start"))
        #expect(wrapped.text == "18446744073670260079")
        #expect(wrapped.int64Value == nil)
        #expect(wrapped.uint64Value == 18_446_744_073_670_260_079)
        #expect(alert.field("user.loginuid") == .number(ExactNumber(-1)))
    }

    @Test func `0.41 message without output_fields`() throws {
        let alert = try alert("falco-0.41_message-only_no-output-fields.json")
        #expect(!alert.hasOutputFields)
        #expect(alert.outputFields.isEmpty)
        #expect(alert.containerID == nil)
        #expect(alert.exePath == nil)
        #expect(!alert.execFlags.isExecFlags)
        #expect(alert.message?.hasPrefix("Executing binary not part of base image | ") == true)
        #expect(alert.time?.text == "2026-04-06T15:32:10.317643960Z")
    }

    @Test func `falcosidekick re-post with uuid, shortened time and its own fields`() throws {
        let alert = try alert("falcosidekick_webhook-repost_drop-and-execute.json")
        #expect(alert.uuid == "9f0c2b4e-7a1d-4c3b-8e5f-1a2b3c4d5e6f")
        #expect(alert.time?.text == "2026-04-06T15:32:10.31764396Z")
        #expect(alert.time?.nanoseconds == 317_643_960)
        #expect(alert.time?.iso8601 == "2026-04-06T15:32:10.317643960Z")
        #expect(alert.string("proc.aname_2") == "containerd-shim")
        #expect(alert.string("environment") == "production")
        #expect(alert.containerID == "5b7e9d1c3a20")
        #expect(alert.execFlags.contains(.upperLayer))
        #expect(alert.hostname == "0a1b2c3d4e5f")
    }

    @Test func `internal alert without tags, counters as decimal strings`() throws {
        let alert = try alert("falco-internal_syscall-event-drop.json")
        #expect(alert.source == "internal")
        #expect(alert.tags.isEmpty)
        #expect(alert.priority == .debug)
        #expect(alert.field("n_drops") == .string("1034"))
        #expect(alert.number("n_drops")?.int64Value == 1034)
        #expect(alert.containerID == nil)
    }

    @Test func `host event: host id, empty strings, nulls`() throws {
        let alert = try alert("falco-0.43_host-event_memfd-runc.json")
        #expect(alert.isHostEvent)
        #expect(alert.containerID == "host")
        #expect(alert.field("container.image.repository") == .string(""))
        #expect(alert.imageRepository == "")
        #expect(alert.image == nil)
        #expect(alert.field("proc.pname") == .null)
        #expect(alert.parentName == nil)
        #expect(alert.field("proc.pid") == nil)
        #expect(alert.execFlags.bits == [.writable, .fromMemfd])
    }

    @Test func `a pretty-printed alert reads as one document entry`() throws {
        let data = try Fixture.data("alerts/pretty-printed_terminal-shell.json")
        let single = try AlertReader.parseAlert(data, source: "pretty")
        let document = try AlertReader.parseDocument(data, source: "pretty")
        #expect(document.entries.count == 1)
        #expect(document.badLines.isEmpty)
        #expect(document.entries.first?.alert == single)
        #expect(document.entries.first?.byteRange == 0..<(data.count - 1))
        let compact = try alert("falco-0.39_sorted-keys_terminal-shell_message.json")
        #expect(single == compact)
    }

    @Test func `output fields are kept verbatim and re-emitted exactly`() throws {
        let data = try Fixture.data("alerts/falco-0.41_container-plugin_drop-and-execute_exact-integers.json")
        let alert = try AlertReader.parseAlert(data, source: "exact")
        let original = try #require(String(data: data, encoding: .utf8))
        let fieldsText = alert.outputFields.jsonText()
        #expect(original.contains("\"output_fields\":" + fieldsText + ","))
        #expect(fieldsText.contains("\"proc.exe_ino.ctime_duration_proc_start\":18446744073670260079"))
        #expect(fieldsText.contains("\"k8s.ns.name\":null"))
        let names = alert.outputFields.map(\.name)
        #expect(names == names.sorted())
        #expect(names.count == 25)
    }

    @Test func `plain-text lines of every era read as lossy alerts`() throws {
        let document = try AlertReader.parseDocument(
            try Fixture.data("alerts/falco-plain-text_mixed-eras.log"), source: "plain")
        #expect(document.badLines.isEmpty)
        let alerts = document.alerts
        try #require(alerts.count == 3)

        let modern = alerts[0]
        #expect(modern.isLossy)
        #expect(modern.format == .plainText)
        #expect(modern.rule == "Drop and execute new binary in container")
        #expect(modern.time?.text == "2026-04-06T15:32:10.317643960+0000")
        #expect(modern.time?.iso8601 == "2026-04-06T15:32:10.317643960Z")
        #expect(modern.containerID == "5b7e9d1c3a20")
        #expect(modern.exePath == "/usr/local/bin/kworkerd")
        #expect(modern.cmdline == "kworkerd -o pool.example.net:3333")
        #expect(modern.execFlags.bits == [.writable, .upperLayer])
        #expect(modern.field("proc.sname") == .string("bash"))
        #expect(modern.field("k8s.pod.name") == .null)
        #expect(modern.number("proc.exe_ino.ctime_duration_proc_start")?.uint64Value == 18_446_744_073_670_260_079)
        #expect(modern.field("user.loginuid") == .number(ExactNumber(-1)))
        #expect(modern.unreadableFields == ["hostname", "source", "tags"])

        let old = alerts[1]
        #expect(old.rule == "Fileless execution via memfd_create")
        #expect(old.time == nil)
        #expect(old.unzonedTime?.text == "09:11:30.123456789")
        #expect(old.unreadableFields.contains("time zone"))
        #expect(old.exePath == "memfd:stage2")
        #expect(old.field("proc.cwd") == .string(""))
        #expect(old.field("proc.aname[2]") == .null)
        #expect(old.containerName == nil)
        #expect(old.execFlags.bits == [.writable, .fromMemfd])

        let custom = alerts[2]
        #expect(custom.rule == "unknown")
        #expect(custom.message?.hasPrefix("Falco Custom: File write in /usr/local/bin (container=api-1 ") == true)
        #expect(custom.unreadableFields.contains("rule"))
        #expect(custom.flagsText == "O_LARGEFILE|O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED|FD_UPPER_LAYER")
        #expect(!custom.execFlags.isExecFlags)
        #expect(custom.containerID == "5b7e9d1c3a20")
        #expect(custom.string("fd.name") == "/usr/local/bin/kworkerd")
        #expect(custom.imageTag == "2.0.0")
    }

    @Test func `a document of lines keeps good alerts around bad ones`() throws {
        let document = try AlertReader.parseDocument(
            try Fixture.data("alerts/stream_with-bad-lines.jsonl"), source: "stream.jsonl")
        #expect(document.entries.map(\.line) == [2, 5, 7, 9, 12])
        #expect(document.badLines.map(\.line) == [1, 3, 6, 8, 10, 11])
        #expect(document.entries[2].alert.isLossy)
        #expect(
            document.badLines.map(\.kind) == [.notAnAlert, .malformed, .malformed, .malformed, .notAnAlert, .malformed])
    }

    @Test func `a document with no alert throws the first problem with its position`() throws {
        let error = #expect(throws: AlertParseError.self) {
            try AlertReader.parseDocument(Array("\n{\"rule\": \"x\", \"priority\" 1}\n".utf8), source: "in.json")
        }
        #expect(error?.line == 2)
        #expect(error?.column == 26)
        #expect(error?.description == "in.json: line 2, byte 26: expected ':' after an object key, found '1'")

        let empty = #expect(throws: AlertParseError.self) { try AlertReader.parseDocument([], source: "empty") }
        #expect(empty?.kind == .noAlert)
    }

    @Test func `a malformed pretty-printed alert reports the line and byte inside the object`() throws {
        let text =
            "{\n  \"rule\": \"x\",\n  \"priority\": \"Notice\",\n  \"time\": \"2026-04-06T15:32:10Z\"\n  \"tags\": []\n}\n"
        let error = #expect(throws: AlertParseError.self) {
            try AlertReader.parseDocument(Array(text.utf8), source: "pretty.json")
        }
        #expect(error?.line == 5)
        #expect(error?.column == 3)
        #expect(error?.byteOffset == 76)
        #expect(error?.reason == "expected ',' or '}' after an object member, found '\"'")
    }

    @Test(arguments: [
        (#"[1]"#, 1, "expected a JSON object (a Falco alert), found '['"),
        (#"{"priority":"Notice","time":"2026-04-06T15:32:10Z"}"#, 1, "expected a \"rule\" member in the alert"),
        (#"{"rule":"r","time":"2026-04-06T15:32:10Z"}"#, 1, "expected a \"priority\" member in the alert"),
        (#"{"rule":"r","priority":"Notice"}"#, 1, "expected a \"time\" member in the alert"),
        (
            #"{"rule":7,"priority":"Notice","time":"2026-04-06T15:32:10Z"}"#, 9,
            "expected a string for \"rule\", found '7'"
        ),
        (
            #"{"rule":"r","priority":"Notice","time":"2026-13-06T15:32:10Z"}"#, 40,
            "expected an RFC 3339 time in \"time\", found \"2026-13-06T15:32:10Z\""
        ),
        (
            #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z","tags":"x"}"#, 70,
            "expected an array of strings for \"tags\", found '\"'"
        ),
        (
            #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z","output_fields":[]}"#, 79,
            "expected an object for \"output_fields\", found '['"
        ),
        (
            #"{"rule":"r","priority":"Notice","rule":"s","time":"2026-04-06T15:32:10Z"}"#, 33,
            "expected each key once, found \"rule\" again"
        ),
        (
            #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z","output_fields":{"b":1,"a":2,"b":3}}"#,
            92, "expected each key once in \"output_fields\", found \"b\" again"
        ),
        (
            #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z","x":1,"x":2}"#, 69,
            "expected each key once, found \"x\" again"
        ),
        (
            #"{"rule":"r","priority":"Notice","time":"2026-04-06T15:32:10Z"} {}"#, 64,
            "expected nothing after the alert's closing '}', found '{'"
        ),
    ])
    func `malformed alerts name the byte and what was expected`(input: String, column: Int, reason: String) {
        let error = #expect(throws: AlertParseError.self) { try AlertReader.parseAlert(input, source: "x.json") }
        #expect(error?.kind == .malformed)
        #expect(error?.line == 1)
        #expect(error?.column == column)
        #expect(error?.reason == reason)
    }

    @Test func `one plain-text alert is one line`() throws {
        let line =
            "2026-04-06T15:32:10.5+0000: Notice A shell was spawned in a container with an attached terminal | container_id=abc"
        let alert = try AlertReader.parseAlert("\n\n" + line + "\n", source: "one.log")
        #expect(alert.rule == "Terminal shell in container")
        #expect(alert.containerID == "abc")
        let two = #expect(throws: AlertParseError.self) {
            try AlertReader.parseAlert(line + "\n" + line, source: "two.log")
        }
        #expect(two?.line == 2)
        #expect(two?.reason == "expected a single alert, found another one")
        let banner = #expect(throws: AlertParseError.self) {
            try AlertReader.parseAlert("\n2026-04-06T15:31:32+0000: Falco version: 0.43.0", source: "banner.log")
        }
        #expect(banner?.kind == .notAnAlert)
        #expect(banner?.line == 2)
    }

    @Test func `unknown top-level members are kept and escaped keys are understood`() throws {
        let alert = try AlertReader.parseAlert(
            #"{"\u0072ule":"r","priority":"Info","time":"2026-04-06T15:32:10Z","extra":{"a":[1,true]},"output_fields":{"z":1,"\u0061":2}}"#,
            source: "x")
        #expect(alert.rule == "r")
        #expect(alert.priority == .informational)
        #expect(alert.priorityName == "Informational")
        #expect(alert.originalPriority == "Info")
        #expect(
            alert.otherMembers == [
                FieldMember(
                    name: "extra",
                    value: .object([FieldMember(name: "a", value: .array([.number(ExactNumber(1)), .bool(true)]))]))
            ])
        #expect(alert.field("a") == .number(ExactNumber(2)))
    }

    @Test func `the triage decoder accepts and rejects exactly what the complete one does`() throws {
        let lines = try #require(String(data: try Fixture.data("alerts/stream_with-bad-lines.jsonl"), encoding: .utf8))
            .split(separator: "\n", omittingEmptySubsequences: false)
        for line in lines {
            let bytes = Array(line.utf8)
            let outcomes = [AlertDecodingMode.complete, .triage].map { mode in
                bytes.withUnsafeBufferPointer { buffer in
                    var decoder = LineDecoder(mode: mode)
                    return decoder.decode(buffer).result(source: "s", line: 1, lineStart: 0)
                }
            }
            switch (outcomes[0], outcomes[1]) {
            case (.success(let complete), .success(let triage)):
                #expect(complete.rule == triage.rule)
                #expect(complete.containerID == triage.containerID)
                #expect(complete.exePath == triage.exePath)
                #expect(complete.execFlags == triage.execFlags)
                #expect(complete.time == triage.time)
            case (.failure(let complete), .failure(let triage)):
                #expect(complete == triage)
            default:
                Issue.record("modes disagree on \(line)")
            }
        }
    }
}
