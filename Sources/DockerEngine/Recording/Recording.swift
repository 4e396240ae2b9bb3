import Crypto
import Foundation

/// The on-disk recording of an engine conversation (format `alert-inspect/recording/v1`).
///
/// A folder holding `recording.json` (this index, pretty-printed with sorted keys so it diffs well)
/// and `bodies/`, one file per response body with the bytes exactly as received. Besides engine
/// exchanges it keeps what was read from the engine's host (`observations`: a file's stat in an
/// overlay dir, a `/proc/<pid>/exe` link) so a replay reaches the same conclusions without that host.
/// The format is documented in `Fixtures/recordings/README.md`.
package struct Recording: Sendable, Hashable, Codable {
    package static let format = "alert-inspect/recording/v1"
    package static let indexName = "recording.json"
    package static let bodiesFolder = "bodies"

    /// Always `alert-inspect/recording/v1` for this layout.
    package var format: String
    /// Made by hand from documented shapes rather than recorded from a real engine.
    package var synthetic: Bool
    /// What this recording shows, for people browsing Fixtures.
    package var note: String?
    /// The endpoint the conversation was held with, e.g. `unix:///var/run/docker.sock`.
    package var endpoint: String
    /// The tool that recorded it, e.g. `alert-inspect 0.1.0`.
    package var recordedBy: String
    package var exchanges: [Exchange]
    package var observations: [HostObservation]

    package init(endpoint: String, recordedBy: String, synthetic: Bool = false, note: String? = nil) {
        self.format = Self.format
        self.synthetic = synthetic
        self.note = note
        self.endpoint = endpoint
        self.recordedBy = recordedBy
        self.exchanges = []
        self.observations = []
    }

    /// One request and its answer.
    package struct Exchange: Sendable, Hashable, Codable {
        package var method: String
        /// Path and query exactly as sent, version prefix included: `/v1.41/containers/x/json`.
        package var target: String
        /// 1 for the first answer to this method and target, 2 for the second...
        package var occurrence: Int
        package var status: Int
        /// The headers the client reads (see `keptHeaders`), names lowercased.
        package var headers: [String: String]
        /// The body file under `bodies/`, or nil for an empty body.
        package var body: String?
        package var bytes: Int

        package init(
            method: String, target: String, occurrence: Int, status: Int, headers: [String: String], body: String?,
            bytes: Int
        ) {
            self.method = method
            self.target = target
            self.occurrence = occurrence
            self.status = status
            self.headers = headers
            self.body = body
            self.bytes = bytes
        }
    }

    /// Headers worth keeping: what the client and the investigation read. Others (length, chunking) are transport detail.
    package static let keptHeaders: Set<String> = [
        "api-version", "content-type", "x-docker-container-path-stat", "date", "server",
        "libpod-api-version", "ostype", "docker-experimental",
    ]

    /// Something read from the engine's host rather than asked of the engine.
    package struct HostObservation: Sendable, Hashable, Codable {
        /// What was looked at: `stat`, `readlink`, `sha256`, `listdir`...
        package var operation: String
        package var path: String
        /// The answer, as the host view encodes it; nil when the path could not be read.
        package var result: String?
        /// Why it could not be read (`ENOENT`, `EACCES`...).
        package var error: String?

        package init(operation: String, path: String, result: String?, error: String?) {
            self.operation = operation
            self.path = path
            self.result = result
            self.error = error
        }
    }

    /// A stable, readable file name for a body: method, target and an occurrence number.
    package static func bodyName(method: String, target: String, occurrence: Int, contentType: String?) -> String {
        var slug = ""
        for scalar in target.unicodeScalars {
            if CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "." || scalar == "-" {
                slug.unicodeScalars.append(scalar)
            } else if !slug.hasSuffix("_") {
                slug += "_"
            }
        }
        slug = slug.trimmingCharacters(in: CharacterSet(charactersIn: "_"))
        if slug.count > 96 {
            // Long targets differ at the end (archive paths, event windows): keep them apart with a hash.
            let digest = SHA256.hash(data: Data(target.utf8)).prefix(6).hexString
            slug = slug.prefix(80) + "_" + digest
        }
        let type = contentType?.lowercased() ?? ""
        let ext =
            type.contains("json") ? "json"
            : type.contains("tar") ? "tar"
            : type.contains("multiplexed") || type.contains("raw-stream") ? "stream" : "bin"
        let suffix = occurrence > 1 ? ".\(occurrence)" : ""
        return "\(method.lowercased())_\(slug)\(suffix).\(ext)"
    }
}
