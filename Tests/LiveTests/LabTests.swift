import Foundation
import Testing
import TestSupport

/// The lab itself: what `make lab` promises the other live tests. Checks the manifest and the alert
/// files only; the engines are examined by the tool's own live tests.
@Suite(.lab)
struct LabTests {
    static let dockerScenarios = ["dropped", "overwritten", "deleted", "false-claim", "memfd", "tty", "risky", "removed"]

    @Test(arguments: Lab.EngineName.dockers)
    func dockerHasEveryScenario(engine: Lab.EngineName) throws {
        guard Lab.isUp(engine) || Lab.isRequired else { return }
        let docker = try Lab.require(engine)
        #expect(docker.host == "unix://\(docker.socket)")
        if engine == .docker26Containerd {
            #expect(docker.storageDriver == "overlayfs")
            #expect(docker.imageStore == "containerd")
        } else {
            #expect(docker.storageDriver == "overlay2")
            #expect(docker.imageStore == "graphdriver")
        }
        #expect(docker.serverVersion.hasPrefix(engine == .docker ? "20.10." : "26.1."))
        #expect(Set(docker.scenarios.keys) == Set(Self.dockerScenarios))
        try checkScenarios(of: docker)
    }

    @Test(.lab(.podman)) func podmanHasTheDroppedScenario() throws {
        let podman = try Lab.require(.podman)
        #expect(podman.scenarios.keys.contains("dropped"))
        try checkScenarios(of: podman)
    }

    @Test func removedContainerIsRecordedAsGone() throws {
        let removed = try Lab.require(.docker).scenario("removed")
        #expect(!removed.containerExists)
        #expect(!removed.running)
        #expect(removed.hostPid == nil)
    }

    @Test func falseClaimIsAnUntouchedImageBinary() throws {
        let claim = try Lab.require(.docker).scenario("false-claim")
        #expect(claim.flags.contains("EXE_UPPER_LAYER"))
        #expect(claim.expectedChange == "unchanged")
        #expect(claim.sha256 == claim.imageSha256)
    }

    @Test func alertsFileHoldsEveryAlert() throws {
        let manifest = try Lab.manifest.get()
        let lines = try String(contentsOf: manifest.alertsURL, encoding: .utf8).split(separator: "\n")
        let count = manifest.engines.reduce(0) { $0 + $1.scenarios.count }
        #expect(lines.count == count)
    }

    private func checkScenarios(of engine: Lab.Engine) throws {
        for (name, scenario) in engine.scenarios {
            #expect(scenario.scenario == name)
            #expect(isHex(scenario.containerId, count: 64), "\(name): container id \(scenario.containerId)")
            #expect(isHex(scenario.sha256, count: 64), "\(name): sha256 \(scenario.sha256)")
            #expect(scenario.running == (scenario.hostPid != nil), "\(name): running without a pid, or the reverse")
            #expect(FileManager.default.fileExists(atPath: scenario.alert), "\(name): no alert at \(scenario.alert)")

            let alert = try #require(
                try JSONSerialization.jsonObject(with: scenario.alertData()) as? [String: Any],
                "\(name): the alert is not a JSON object"
            )
            let fields = try #require(alert["output_fields"] as? [String: Any], "\(name): no output_fields")
            #expect(fields["container.id"] as? String == scenario.shortId)
            #expect(fields["container.name"] as? String == scenario.name)
            #expect(fields["proc.exepath"] as? String == scenario.exePath)
            #expect(fields["evt.arg.flags"] as? String == scenario.flags)
            #expect(alert["rule"] as? String == scenario.rule)
            #expect(alert["time"] as? String == scenario.alertTime)
        }
    }

    private func isHex(_ text: String, count: Int) -> Bool {
        text.count == count && text.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }
}
