import DockerEngine
import Foundation
import SafeText

/// Re-checks a bundle against its `SHA256SUMS`: every listed file is re-hashed (streaming), and every
/// file present but not listed is reported, as is any symlink or special file (a bundle holds only
/// plain files and folders, so anything else was put there afterwards).
///
/// Only relative paths are read, each under the bundle folder, so a bundle copied elsewhere checks
/// the same; a `SHA256SUMS` line that would read outside it is itself a finding, never followed.
package enum BundleVerifier {
    /// One way the bundle differs from what it says it holds.
    package struct Finding: Sendable, Hashable, CustomStringConvertible {
        package enum Kind: String, Sendable, Hashable, CaseIterable {
            /// Listed, present, but the bytes differ.
            case changed
            /// Listed, not present.
            case missing
            /// Present, not listed.
            case extra
            /// A symlink, device, fifo or socket inside the bundle.
            case unexpected
            /// A `SHA256SUMS` line that is malformed or names a path outside the bundle.
            case badSum = "bad-sum"
            /// `manifest.json` and `SHA256SUMS` disagree about a file.
            case manifest
            /// Present but not readable.
            case unreadable
        }

        package var kind: Kind
        package var path: String
        package var detail: String?

        package var description: String {
            "\(kind.rawValue)\t\(TerminalText.escaped(path, limit: 200))" + (detail.map { "\t\($0)" } ?? "")
        }
    }

    package struct Result: Sendable, Hashable {
        /// Files whose hash was checked and held.
        package var intact: Int
        /// Sorted by path, then kind.
        package var findings: [Finding]
        package var isIntact: Bool { findings.isEmpty }
    }

    /// Verifies the bundle at `folder`.
    ///
    /// - Throws: `EvidenceBundleError.notABundle` when the folder or its `SHA256SUMS` cannot be read.
    package static func verify(_ folder: URL, isCancelled: () -> Bool = { false }) throws(EvidenceBundleError) -> Result
    {
        let root = folder.standardizedFileURL.path
        var info = stat()
        guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else {
            throw .notABundle(path: root, reason: "no such folder")
        }
        let sumsText: String
        do {
            let sumsPath = root + "/" + SHA256Sums.fileName
            guard lstat(sumsPath, &info) == 0 else {
                throw EvidenceBundleError.notABundle(path: root, reason: "it has no \(SHA256Sums.fileName)")
            }
            guard info.st_mode & S_IFMT == S_IFREG else {
                throw EvidenceBundleError.notABundle(
                    path: root, reason: "its \(SHA256Sums.fileName) is not a plain file")
            }
            sumsText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: sumsPath)), as: UTF8.self)
        } catch let error as EvidenceBundleError {
            throw error
        } catch {
            throw .notABundle(path: root, reason: "\(SHA256Sums.fileName) is unreadable: \(error.localizedDescription)")
        }

        let (sums, badLines) = SHA256Sums.parse(sumsText)
        var findings = badLines.map {
            Finding(kind: .badSum, path: SHA256Sums.fileName, detail: "line \($0.line): \($0.reason)")
        }

        let items = try StagingFolder.walk(root)
        var present: Set<String> = []
        for item in items where !item.isDirectory {
            guard item.isRegularFile else {
                findings.append(
                    Finding(
                        kind: .unexpected, path: item.relativePath,
                        detail: "not a plain file (a symlink or special file)"))
                continue
            }
            if item.relativePath != SHA256Sums.fileName { present.insert(item.relativePath) }
        }

        var intact = 0
        var actual: [String: String] = [:]
        for (path, expected) in sums.sorted(by: { $0.key < $1.key }) {
            guard present.contains(path) else {
                // A listed path that is a symlink was reported above; it is missing as a file too.
                findings.append(Finding(kind: .missing, path: path, detail: nil))
                continue
            }
            do {
                let digest = try FileDigest.ofFile(atPath: root + "/" + path, isCancelled: isCancelled)
                actual[path] = digest.sha256
                if digest.sha256 == expected {
                    intact += 1
                } else {
                    findings.append(
                        Finding(kind: .changed, path: path, detail: "sha256 \(digest.sha256), listed \(expected)"))
                }
            } catch {
                findings.append(Finding(kind: .unreadable, path: path, detail: error.description))
            }
        }
        for path in requiredFiles where path != SHA256Sums.fileName && sums[path] == nil {
            // A folder holding an empty SHA256SUMS is not an intact bundle of nothing.
            findings.append(
                Finding(
                    kind: .missing, path: path,
                    detail: present.contains(path)
                        ? "every bundle lists it in \(SHA256Sums.fileName)" : "every bundle has it"))
        }
        for path in present.subtracting(sums.keys).sorted() {
            findings.append(Finding(kind: .extra, path: path, detail: nil))
        }
        findings += manifestDisagreements(root: root, sums: sums)
        findings.sort { ($0.path, $0.kind.rawValue) < ($1.path, $1.kind.rawValue) }
        return Result(intact: intact, findings: findings)
    }

    /// What every bundle `collect` and `watch` make holds, whatever the container (SPEC: evidence bundles).
    package static let requiredFiles = [
        BundleLayout.report, BundleLayout.reportMarkdown, BundleLayout.collectionLog, BundleLayout.manifest,
        BundleLayout.recording + "/" + Recording.indexName,
    ]

    /// Someone who edits a file and its `SHA256SUMS` line but not `manifest.json` is caught here;
    /// without a signature nothing stronger is possible, and the manifest does not claim more.
    private static func manifestDisagreements(root: String, sums: [String: String]) -> [Finding] {
        let path = root + "/" + BundleLayout.manifest
        guard sums[BundleLayout.manifest] != nil,
            let data = try? Data(contentsOf: URL(fileURLWithPath: path)),
            let manifest = try? JSONDecoder().decode(BundleManifest.self, from: data)
        else { return [] }
        return manifest.files.compactMap { entry in
            guard let listed = sums[entry.path] else {
                return Finding(
                    kind: .manifest, path: entry.path, detail: "in manifest.json but not in \(SHA256Sums.fileName)")
            }
            guard listed == entry.sha256 else {
                return Finding(kind: .manifest, path: entry.path, detail: "manifest.json says sha256 \(entry.sha256)")
            }
            return nil
        }
    }
}
