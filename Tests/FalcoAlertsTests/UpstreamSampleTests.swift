import Foundation
import TestSupport
import Testing

@testable import FalcoAlerts

/// What an investigation must read from one real alert.
struct SampleExpectation: Sendable, CustomTestStringConvertible {
    var rule: String
    var containerID: String?
    var exePath: String?
    /// `evt.arg.flags` as Falco wrote it; `nil` when the alert has none.
    var flags: String?

    init(_ rule: String, _ containerID: String?, _ exePath: String?, _ flags: String?) {
        self.rule = rule
        self.containerID = containerID
        self.exePath = exePath
        self.flags = flags
    }

    var testDescription: String { rule }

    /// Checks `alert` against the expectation, flags included: exec flags become the set they name, other flag
    /// kinds (open flags) are recognised as not exec flags.
    func check(_ alert: FalcoAlert, _ place: String) {
        #expect(alert.rule == rule, "\(place)")
        #expect(alert.containerID == containerID, "\(place)")
        #expect(alert.exePath == exePath, "\(place)")
        #expect(alert.flagsText == flags, "\(place)")
        let execFlags = alert.execFlags
        if let flags, flags.hasPrefix("EXE_") {
            #expect(execFlags.isExecFlags, "\(place)")
            #expect(execFlags.names.joined(separator: "|") == flags, "\(place)")
            #expect(execFlags.unknownNames.isEmpty, "\(place)")
        } else {
            #expect(!execFlags.isExecFlags, "\(place)")
            #expect(execFlags.isEmpty, "\(place)")
        }
    }
}

/// Every real sample in the shared upstream folder parses with the right rule, container, executable and flags.
/// The test walks the folder: a sample without an expectation here fails, so new samples get checked.
@Suite(.enabled(if: Fixture.upstreamFalcoSamples != nil, "the upstream Falco samples folder is not present"))
struct UpstreamSampleTests {
    static let upperLayer = "EXE_WRITABLE|EXE_UPPER_LAYER"
    static let lowerLayer = "EXE_WRITABLE|EXE_LOWER_LAYER"
    static let memfd = "EXE_WRITABLE|EXE_FROM_MEMFD"
    static let minikubeTmp = "/tmp/2d59ed5f6d796e23f73d443b0623144aa33b9174/"
    static let dropped = "/bin/falco-event-generator-syscall-DropAndExecuteNewBinaryInContainer-"
    static let drop = "Drop and execute new binary in container"

    /// One expectation per single-alert file.
    static let singleAlerts: [String: SampleExpectation] = [
        "falco-0.40_k8s-minikube-docker_drop-and-execute_busybox.json":
            .init(drop, "cb7b73084f99", minikubeTmp + "busybox-i686", upperLayer),
        "falco-0.40_k8s-minikube-docker_ptrace-anti-debug.json":
            .init("PTRACE anti-debug attempt", "cb7b73084f99", minikubeTmp + "ptrace", nil),
        "falco-0.40_k8s-minikube-docker_redirect-stdout-stdin.json":
            .init("Redirect STDOUT/STDIN to Network Connection in Container", "cb7b73084f99", "/bin/bash", nil),
        "falco-0.41-0.42_drop-and-execute_event-generator.json":
            .init(drop, "c57ba3de7462", dropped + "t1xEcF", upperLayer),
        "falco-0.41-0.42_terminal-shell-in-container_EXE_LOWER_LAYER.json":
            .init("Terminal shell in container", "4e8c9ece9d33", "/bin/busybox", lowerLayer),
        "falco-0.42.x_drop-and-execute_event-generator.json":
            .init(drop, "f66ca4123505", dropped + "urWKNW", upperLayer),
        "falco-0.43.0_custom-rule_write-usr-local-bin_FD_UPPER_LAYER.json":
            .init(
                "Write Binary Under UsrLocalBin", "6899e41403ad", nil,
                "O_LARGEFILE|O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED|FD_UPPER_LAYER"),
        "falco-0.43.0_drop-and-execute_event-generator.json":
            .init(drop, "c6abfad0e28d", dropped + "qrQF74", upperLayer),
        "falco-0.43.0_execution-from-dev-shm.json":
            .init("Execution from /dev/shm", "c6abfad0e28d", "/bin/busybox", lowerLayer),
        "falco-0.43.0_fileless-memfd_event-generator-container.json":
            .init("Fileless execution via memfd_create", "c6abfad0e28d", "memfd:program", memfd),
        "falco-0.43.0_netcat-rce-in-container.json":
            .init("Netcat Remote Code Execution in Container", "c6abfad0e28d", "/usr/bin/nc", lowerLayer),
        "falco-0.43.0_packet-socket-in-container.json":
            .init("Packet socket created in container", "c6abfad0e28d", "/bin/event-generator", nil),
        "falco-0.43.0_release-agent-container-escape.json":
            .init("Detect release_agent File Container Escapes", "c6abfad0e28d", "/bin/busybox", nil),
        "falco-0.43.x_drop-and-execute_event-generator_bogus-mtime.json":
            .init(drop, "920b85e0cae2", dropped + "LnK2vl", upperLayer),
        "falco-0.43.x_fileless-memfd_host-runc_container-id-host.json":
            .init("Fileless execution via memfd_create", "host", "memfd:runc", memfd),
        "falco-docs-2023_terminal-shell-in-container.json":
            .init("Terminal shell in container", "ee97d9c4186f", nil, nil),
        "falcosidekick-readme_input-example_write-below-binary-dir.json":
            .init("Write below binary dir", nil, nil, nil),
        "falcosidekick-test-fixture_client_test.json":
            .init("Test rule", nil, nil, nil),
    ]

    /// The 23 alerts of the event-generator run, in order.
    static let stream: [SampleExpectation] = [
        .init(
            "Write Binary Under UsrLocalBin", "6899e41403ad", nil,
            "O_LARGEFILE|O_TRUNC|O_CREAT|O_WRONLY|O_F_CREATED|FD_UPPER_LAYER"),
        .init("Find AWS Credentials", "c6abfad0e28d", "/bin/busybox", lowerLayer),
        .init("Directory traversal monitored file read", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Packet socket created in container", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Fileless execution via memfd_create", "c6abfad0e28d", "memfd:program", memfd),
        .init("Run shell untrusted", "c6abfad0e28d", "/bin/busybox", lowerLayer),
        .init("Read sensitive file trusted after startup", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Netcat Remote Code Execution in Container", "c6abfad0e28d", "/usr/bin/nc", lowerLayer),
        .init("Read sensitive file untrusted", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Remove Bulk Data from Disk", "c6abfad0e28d", "/bin/busybox", lowerLayer),
        .init("Create Hardlink Over Sensitive Files", "c6abfad0e28d", "/bin/busybox", nil),
        .init(drop, "c6abfad0e28d", dropped + "qrQF74", upperLayer),
        .init("Search Private Keys or Passwords", "c6abfad0e28d", "/bin/busybox", lowerLayer),
        .init("System user interactive", "c6abfad0e28d", "/bin/busybox", "EXE_LOWER_LAYER"),
        .init("PTRACE attached to process", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Detect release_agent File Container Escapes", "c6abfad0e28d", "/bin/busybox", nil),
        .init("PTRACE anti-debug attempt", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Debugfs Launched in Privileged Container", "c6abfad0e28d", "/usr/sbin/debugfs", lowerLayer),
        .init("Clear Log Activities", "c6abfad0e28d", "/bin/event-generator", nil),
        .init("Create Symlink Over Sensitive Files", "c6abfad0e28d", "/bin/busybox", nil),
        .init("Disallowed SSH Connection Non Standard Port", "c6abfad0e28d", "/usr/bin/ssh", nil),
        .init("Execution from /dev/shm", "c6abfad0e28d", "/bin/busybox", lowerLayer),
        .init("Execution from /dev/shm", "c6abfad0e28d", "/bin/busybox", lowerLayer),
    ]

    /// The 8 plain-text lines: an empty `container_id=` is unknown (nil), not the host.
    static let plainText: [SampleExpectation] = [
        .init("Fileless execution via memfd_create", nil, "memfd:runc", memfd),
        .init(drop, nil, "/usr/bin/mount", upperLayer),
        .init("Terminal shell in container", "54e351f8ca95", "/bin/busybox", lowerLayer),
        .init("Fileless execution via memfd_create", nil, "memfd:runc", memfd),
        .init(drop, nil, "/usr/bin/umount", upperLayer),
        .init("Fileless execution via memfd_create", nil, "memfd:runc", memfd),
        .init(drop, nil, "/usr/bin/mount", upperLayer),
        .init("Terminal shell in container", "3ab5329f27b1", "/bin/busybox", lowerLayer),
    ]

    static let multiAlertFiles: [String: [SampleExpectation]] = [
        "falco-0.43.0_event-generator-run_stream.jsonl": stream,
        "falco-0.40_plain-text-output_k8s-orbstack.log": plainText,
    ]

    private func sampleFiles() throws -> [URL] {
        let folder = try #require(Fixture.upstreamFalcoSamples)
        return try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { $0.lastPathComponent != "SOURCES.md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test func `every sample in the folder has an expectation and meets it`() throws {
        let files = try sampleFiles()
        #expect(files.count >= Self.singleAlerts.count + Self.multiAlertFiles.count)
        for file in files {
            let name = file.lastPathComponent
            let bytes = try Data(contentsOf: file)
            if let expected = Self.singleAlerts[name] {
                let alert = try AlertReader.parseAlert(bytes, source: name)
                expected.check(alert, name)
                #expect(!alert.isLossy, "\(name)")
            } else if let expected = Self.multiAlertFiles[name] {
                let document = try AlertReader.parseDocument(bytes, source: name)
                #expect(document.badLines.isEmpty, "\(name): \(document.badLines)")
                try #require(document.entries.count == expected.count, "\(name)")
                for (entry, expectation) in zip(document.entries, expected) {
                    expectation.check(entry.alert, "\(name): line \(entry.line)")
                }
            } else {
                Issue.record("no expectation for upstream sample \(name): add it to UpstreamSampleTests")
            }
        }
    }

    @Test func `the stream reads the same through the streaming reader and the triage decoder`() throws {
        let folder = try #require(Fixture.upstreamFalcoSamples)
        for (name, expected) in Self.multiAlertFiles {
            for mode in [AlertDecodingMode.complete, .triage] {
                let input = try AlertInput.open(folder.appendingPathComponent(name).path)
                let stream = AlertStream(input: input, mode: mode)
                var alerts: [FalcoAlert] = []
                while let item = try stream.next() {
                    guard case .alert(let alert, _) = item else {
                        Issue.record("\(name): unexpected bad line \(item)")
                        continue
                    }
                    alerts.append(alert)
                }
                try #require(alerts.count == expected.count)
                for (index, (alert, expectation)) in zip(alerts, expected).enumerated() {
                    expectation.check(alert, "\(name) (\(mode)): alert \(index + 1)")
                }
            }
        }
    }

    @Test func `real samples keep every output field and exact values`() throws {
        let folder = try #require(Fixture.upstreamFalcoSamples)
        let url = folder.appendingPathComponent("falco-0.43.0_drop-and-execute_event-generator.json")
        let alert = try AlertReader.parseAlert(try Data(contentsOf: url), source: "sample")
        #expect(alert.outputFields.count == 25)
        #expect(alert.exeInodeMtime?.int64Value == 3_131_117_737_353_637_036)
        #expect(alert.eventTimestamp?.int64Value == 1_775_489_530_317_643_960)
        #expect(alert.time?.nanosecondsSinceEpoch == 1_775_489_530_317_643_960)
        #expect(alert.containerStartTimestamp?.text == "1775489522478095774")
        #expect(alert.containerName == "eventgen")
        #expect(alert.imageRepository == "falcosecurity/event-generator")
        #expect(alert.image == "falcosecurity/event-generator:latest")
        #expect(alert.field("k8s.ns.name") == .null)
        #expect(alert.k8sNamespace == nil)
        #expect(alert.tags.first == "PCI_DSS_11.5.1")
        #expect(alert.hostname == "0537260329c3")
        #expect(alert.priority == .critical)

        let minikube = try AlertReader.parseAlert(
            try Data(
                contentsOf: folder.appendingPathComponent(
                    "falco-0.40_k8s-minikube-docker_drop-and-execute_busybox.json")),
            source: "minikube")
        let kubernetes = try #require(minikube.kubernetesContainerName)
        #expect(kubernetes.container == "zipapp")
        #expect(kubernetes.pod == "zipapp-5485c4dc48-cv67x")
        #expect(kubernetes.namespace == "default")
        #expect(minikube.k8sPodName == "zipapp-5485c4dc48-cv67x")
        #expect(minikube.k8sNamespace == "default")
        #expect(minikube.string("proc.exe") == "./busybox-i686")

        let host = try AlertReader.parseAlert(
            try Data(
                contentsOf: folder.appendingPathComponent(
                    "falco-0.43.x_fileless-memfd_host-runc_container-id-host.json")),
            source: "host")
        #expect(host.isHostEvent)
        #expect(host.imageRepository == "")
        #expect(host.field("proc.pname") == .null)
        #expect(host.parentName == nil)
    }
}
