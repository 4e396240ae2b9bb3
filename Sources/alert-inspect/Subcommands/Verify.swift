import ArgumentParser
import EvidenceBundle
import Foundation

extension AlertInspect {
    /// `alert-inspect verify DIR`: re-hash a bundle against its SHA256SUMS.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-check an evidence bundle: every file against SHA256SUMS, nothing missing, nothing added.",
            discussion: """
                Exits 0 when the bundle is intact, 1 listing each problem on stdout as \
                '<kind><TAB><path>[<TAB><detail>]', kind one of changed, missing, extra, unexpected \
                (a symlink or special file), bad-sum, manifest, unreadable. Only relative paths are read, \
                so a bundle copied elsewhere verifies the same.
                """
        )

        @Argument(help: "The bundle folder.")
        var bundle: String

        func run() throws {
            do {
                let result = try BundleVerifier.verify(URL(fileURLWithPath: bundle))
                guard result.isIntact else {
                    Output.write(result.findings.map(\.description).joined(separator: "\n"))
                    throw EvidenceBundleError.verificationFailed(path: bundle, problems: result.findings.count)
                }
                Output.write("intact: \(result.intact) files match \(bundle)/SHA256SUMS")
            } catch {
                throw ExitStatus.report(error)
            }
        }
    }
}
