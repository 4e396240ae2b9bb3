import FalcoAlerts
import Testing

@testable import AlertWatch

/// `--rule`, `--min-priority` and `--flag`.
struct AlertFilterTests {
    static func alert(
        rule: String = "Drop and execute new binary in container", priority: String = "Critical",
        flags: String? = "EXE_WRITABLE|EXE_UPPER_LAYER"
    ) -> FalcoAlert {
        var fields = [FieldMember(name: "container.id", value: .string("0a8f2c69d33f"))]
        if let flags {
            fields.append(FieldMember(name: "evt.type", value: .string("execve")))
            fields.append(FieldMember(name: "evt.arg.flags", value: .string(flags)))
        }
        return FalcoAlert(
            rule: rule, priorityName: priority, time: AlertTime("2026-11-29T11:24:13.352372868Z"),
            outputFields: OutputFields(fields))
    }

    @Test(arguments: [
        ("Drop and execute new binary in container", "Drop and execute new binary in container", true),
        ("Drop and execute new binary in container", "Drop and execute*", true),
        ("Drop and execute new binary in container", "*binary in container", true),
        ("Drop and execute new binary in container", "Drop and execute", false),
        ("Drop and execute new binary in container", "drop and execute*", false),
        ("Fileless execution via memfd_create", "Fileless execution via memfd_?reate", true),
        ("Fileless execution via memfd_create", "Fileless execution via [mn]emfd_create", true),
        // A bracket in a rule name is matched literally first, whatever glob it would also be.
        ("Read sensitive file [untrusted]", "Read sensitive file [untrusted]", true),
        ("Path /etc/x written", "Path * written", true),
    ])
    func `rule patterns match a whole name, exactly or as a glob`(rule: String, pattern: String, matches: Bool) {
        #expect(RulePattern(pattern).matches(rule) == matches)
    }

    @Test func `an empty filter keeps every alert`() {
        #expect(AlertFilter().rejection(of: Self.alert()) == nil)
    }

    @Test func `any one --rule is enough`() {
        let filter = AlertFilter(rules: [RulePattern("Terminal shell*"), RulePattern("Drop and execute*")])
        #expect(filter.rejection(of: Self.alert()) == nil)
        #expect(filter.rejection(of: Self.alert(rule: "Netcat Remote Code Execution in Container")) != nil)
    }

    @Test func `--min-priority keeps that priority and above`() {
        let filter = AlertFilter(minimumPriority: .critical)
        #expect(filter.rejection(of: Self.alert(priority: "Critical")) == nil)
        #expect(filter.rejection(of: Self.alert(priority: "Emergency")) == nil)
        #expect(
            filter.rejection(of: Self.alert(priority: "Warning"))?.contains("below --min-priority Critical") == true)
        #expect(filter.rejection(of: Self.alert(priority: "nonsense")) != nil)
    }

    @Test func `every --flag must be set, in any case`() {
        let upper = AlertFilter(flags: ["exe_upper_layer"])
        #expect(upper.rejection(of: Self.alert()) == nil)
        #expect(
            upper.rejection(of: Self.alert(flags: "EXE_WRITABLE|EXE_FROM_MEMFD"))?.contains("EXE_UPPER_LAYER") == true)
        #expect(upper.rejection(of: Self.alert(flags: nil)) != nil)
        let both = AlertFilter(flags: ["EXE_UPPER_LAYER", "EXE_FROM_MEMFD"])
        #expect(both.rejection(of: Self.alert())?.contains("EXE_FROM_MEMFD") == true)
    }
}
