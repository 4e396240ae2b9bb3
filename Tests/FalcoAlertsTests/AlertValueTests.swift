import Foundation
import Testing

@testable import FalcoAlerts

/// Times, priorities, flags, Kubernetes names and visible text.
struct AlertValueTests {
    @Test(arguments: [
        ("2026-04-06T15:32:10.317643960Z", Int64(1_775_489_530), Int32(317_643_960)),
        ("2026-04-06T15:32:10.31764396Z", 1_775_489_530, 317_643_960),
        ("2026-04-06T15:32:10Z", 1_775_489_530, 0),
        ("2026-04-06T15:32:10.317643960+0000", 1_775_489_530, 317_643_960),
        ("2026-04-06T17:32:10.5+02:00", 1_775_489_530, 500_000_000),
        ("2026-04-06T10:02:10.000000001-05:30", 1_775_489_530, 1),
        ("2026-04-06 15:32:10z", 1_775_489_530, 0),
        ("1970-01-01T00:00:00Z", 0, 0),
        ("1969-12-31T23:59:59.999999999Z", -1, 999_999_999),
        ("2024-02-29T00:00:00Z", 1_709_164_800, 0),
        ("2001-01-01T01:10:00Z", 978_311_400, 0),
    ])
    func `RFC 3339 times parse to the nanosecond`(text: String, seconds: Int64, nanoseconds: Int32) throws {
        let time = try #require(AlertTime(text))
        #expect(time.text == text)
        #expect(time.secondsSinceEpoch == seconds)
        #expect(time.nanoseconds == nanoseconds)
    }

    @Test(arguments: [
        "", "2026-04-06", "2026-04-06T15:32:10", "2026-04-06T15:32:10.Z", "2026-04-06T15:32:10.1234567890Z",
        "2026-02-29T00:00:00Z", "2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-04-06T24:00:00Z",
        "2026-04-06T15:60:00Z", "2026-04-06T15:32:10+25:00", "2026-04-06T15:32:10Zjunk", "08:44:05.522989177",
        "２０２６-04-06T15:32:10Z",
    ])
    func `impossible or partial times are refused`(text: String) {
        #expect(AlertTime(text) == nil)
    }

    @Test func `times order by instant and convert both ways`() throws {
        let falco = try #require(AlertTime("2026-04-06T15:32:10.317643960Z"))
        let sidekick = try #require(AlertTime("2026-04-06T15:32:10.31764396Z"))
        let text = try #require(AlertTime("2026-04-06T15:32:10.317643960+0000"))
        #expect(falco.isSameInstant(as: sidekick))
        #expect(falco.isSameInstant(as: text))
        #expect(falco != sidekick)
        #expect(falco.iso8601 == sidekick.iso8601)
        let later = try #require(AlertTime("2026-04-06T15:32:10.317643961Z"))
        #expect(falco < later)
        #expect(!(later < falco))
        let fromNanoseconds = AlertTime(nanosecondsSinceEpoch: 1_775_489_530_317_643_960)
        #expect(fromNanoseconds.text == "2026-04-06T15:32:10.317643960Z")
        #expect(fromNanoseconds == falco)
        #expect(falco.nanosecondsSinceEpoch == 1_775_489_530_317_643_960)
        #expect(AlertTime(nanosecondsSinceEpoch: -1).text == "1969-12-31T23:59:59.999999999Z")
        #expect(abs(falco.date.timeIntervalSince1970 - 1_775_489_530.317_643_960) < 1e-6)
    }

    @Test func `priorities order from Emergency down to Debug, unknown below`() {
        let ordered: [FalcoPriority] = [
            .unknown, .debug, .informational, .notice, .warning, .error, .critical, .alert, .emergency,
        ]
        #expect(ordered == ordered.sorted())
        #expect(FalcoPriority(name: "Critical") == .critical)
        #expect(FalcoPriority(name: "CRITICAL") == .critical)
        #expect(FalcoPriority(name: "info") == .informational)
        #expect(FalcoPriority(name: "Informational").name == "Informational")
        #expect(FalcoPriority(name: "Severe") == .unknown)
        #expect(FalcoPriority.known.first == .emergency)
        #expect(FalcoPriority.known.count == 8)
    }

    static let flagCases: [(String, String?, ExecFlags.Bits, [String], Bool)] = [
        ("EXE_WRITABLE|EXE_UPPER_LAYER", nil, [.writable, .upperLayer], [], true),
        ("EXE_WRITABLE|EXE_LOWER_LAYER", "execve", [.writable, .lowerLayer], [], true),
        ("EXE_WRITABLE|EXE_FROM_MEMFD", "execveat", [.writable, .fromMemfd], [], true),
        ("EXE_LOWER_LAYER", nil, [.lowerLayer], [], true),
        ("0", "execve", [], [], true),
        ("EXE_WRITABLE|EXE_SIGNED|EXE_SIGNED", nil, [.writable], ["EXE_SIGNED"], true),
        ("10", nil, [.upperLayer, .lowerLayer], [], true),
        ("O_LARGEFILE|O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED|FD_UPPER_LAYER", nil, [], [], false),
        ("EXE_WRITABLE|EXE_UPPER_LAYER", "openat", [], [], false),
        ("AT_EMPTY_PATH", nil, [], [], false),
    ]

    @Test(arguments: flagCases)
    func `exec flags read as a set, other flag kinds recognised`(
        text: String, eventType: String?, bits: ExecFlags.Bits, unknown: [String], isExec: Bool
    ) {
        let flags = ExecFlags(parsing: text, eventType: eventType)
        #expect(flags.bits == bits)
        #expect(flags.unknownNames == unknown)
        #expect(flags.isExecFlags == isExec)
    }

    @Test func `exec flags name themselves in Falco's order and merge`() {
        let lower = ExecFlags(parsing: "EXE_LOWER_LAYER|EXE_WRITABLE")
        #expect(lower.names == ["EXE_WRITABLE", "EXE_LOWER_LAYER"])
        #expect(lower.text == "EXE_WRITABLE|EXE_LOWER_LAYER")
        #expect(ExecFlags(parsing: "0").text == "0")
        #expect(ExecFlags(parsing: "0").isEmpty)
        let merged = lower.union(ExecFlags(parsing: "EXE_UPPER_LAYER|EXE_NEW"))
        #expect(merged.names == ["EXE_WRITABLE", "EXE_UPPER_LAYER", "EXE_LOWER_LAYER", "EXE_NEW"])
        #expect(ExecFlags(parsing: "48").unknownNames == ["0x10", "0x20"])
    }

    @Test(arguments: [
        (
            "k8s_zipapp_zipapp-5485c4dc48-cv67x_default_9305548e-a115-4db7-80b6-5419ade24ff0_0", "zipapp",
            "zipapp-5485c4dc48-cv67x", "default", 0
        ),
        ("/k8s_POD_web-0_prod_1f2e3d4c-0000-4000-8000-000000000000_3", "POD", "web-0", "prod", 3),
    ])
    func `Kubernetes docker-runtime container names are understood`(
        name: String, container: String, pod: String, namespace: String, attempt: Int
    ) throws {
        let parsed = try #require(KubernetesContainerName(name))
        #expect(parsed.container == container)
        #expect(parsed.pod == pod)
        #expect(parsed.namespace == namespace)
        #expect(parsed.attempt == attempt)
        #expect(parsed.isSandbox == (container == "POD"))
    }

    @Test(arguments: [
        "eventgen", "k8s_a_b_c_d", "k8s_a_b_c_d_e", "k8s__b_c_d_0", "k8s_a_b_c_d_0_extra", "K8S_a_b_c_d_0",
        "k8s_a_b_c_d_-1",
    ])
    func `other container names are not Kubernetes names`(name: String) {
        #expect(KubernetesContainerName(name) == nil)
    }
}
