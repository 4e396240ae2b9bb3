import Foundation
import Investigation

/// `manifest.json`: what is in a bundle, where each file came from and when, and the conditions
/// of the collection (tool, engine, host, clock, caps). Schema `alert-inspect/bundle/v1`.
package struct BundleManifest: Sendable, Hashable, Codable {
    package static let schemaName = "alert-inspect/bundle/v1"

    package var schema: String = Self.schemaName
    /// The tool that collected, as the report names it.
    package var tool: InvestigationReport.Tool
    package var engine: Engine
    package var collector: Collector
    package var clock: Clock
    /// The container's full id, when it was found.
    package var containerId: String?
    package var caps: Caps
    /// Every file of the bundle except `manifest.json` and `SHA256SUMS`, sorted by path.
    package var files: [Entry]
    /// What was cut, refused or skipped, in plain words.
    package var notes: [String]
    /// How to reproduce the report offline from this bundle.
    package var replay: String

    package struct Engine: Sendable, Hashable, Codable {
        package var endpoint: String
        package var apiVersion: String
        package var serverVersion: String?
        /// The engine host's name (`/info` `Name`).
        package var hostname: String?
        package var operatingSystem: String?
        package var kernelVersion: String?
        package var isPodman: Bool
    }

    /// Who collected, where.
    package struct Collector: Sendable, Hashable, Codable {
        package var hostname: String
        package var uid: UInt32
        package var startedAt: String
        package var finishedAt: String
        /// The command line, so a reader knows the caps and window asked for.
        package var arguments: [String]
    }

    /// The engine's clock against ours, from the `Date` header of the recorded `GET /_ping`.
    package struct Clock: Sendable, Hashable, Codable {
        package var engineDate: String?
        /// Our clock at the middle of that exchange.
        package var localDate: String?
        /// Engine minus local, in seconds; positive when the engine is ahead.
        package var offsetSeconds: Double?
        /// `Date` has whole seconds: the offset is known to about this much.
        package var resolutionSeconds: Double
    }

    package struct Caps: Sendable, Hashable, Codable {
        package var maxFileBytes: Int64
        package var maxLogBytes: Int64
        package var maxFiles: Int
        /// Answers or files the caps cut, e.g. `logs/window.raw`.
        package var reached: [String]
    }

    /// One file of the bundle.
    package struct Entry: Sendable, Hashable, Codable {
        package var path: String
        package var sha256: String
        package var size: Int64
        package var kind: Kind
        /// The request that produced it (`GET /v1.41/containers/…/json`), the host path it was read
        /// from (`host /proc/4242/exe`), or the tool itself.
        package var producer: String
        /// When the last byte was received or written (ISO 8601, UTC).
        package var acquiredAt: String
        /// What else a reader should know: the tar entry it came from, the file it is a link of...
        package var detail: String?
        /// Set when a cap or a broken stream cut the file short.
        package var truncated: Bool?
        /// Another path of the bundle that is the same file (a hard link): its bytes are stored once.
        package var sameFileAs: String?

        package init(
            path: String, digest: FileDigest, kind: Kind, producer: String, acquiredAt: Date, detail: String? = nil,
            truncated: Bool = false, sameFileAs: String? = nil
        ) {
            self.path = path
            self.sha256 = digest.sha256
            self.size = digest.size
            self.kind = kind
            self.producer = producer
            self.acquiredAt = Timestamp.iso8601(acquiredAt)
            self.detail = detail
            self.truncated = truncated ? true : nil
            self.sameFileAs = sameFileAs
        }

        package var digest: FileDigest { FileDigest(sha256: sha256, size: size) }
    }

    package enum Kind: String, Sendable, Hashable, Codable {
        /// `alert.json`: the alert as received.
        case alert
        /// `report.json`, `report.md`.
        case report
        /// `engine/*.json`: an engine answer under its docs/bundle.md name.
        case engineResponse = "engine-response"
        /// `engine/recording/**`: the replayable recording.
        case recording
        /// `logs/*`.
        case log
        /// A tar stream from the archive endpoint, as received.
        case archive
        /// A file extracted from an archive stream.
        case extracted
        /// A file read from the engine's host (`/proc/<pid>/exe`).
        case hostRecovery = "host-recovery"
        /// `collection.log`.
        case collectionLog = "collection-log"
        /// A file no step of the collection accounts for (never expected; listed rather than hidden).
        case other
    }

    /// Pretty-printed, keys sorted: a manifest diffs well and reads well.
    package func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(self)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}

/// Times as the bundle writes them: UTC, milliseconds.
enum Timestamp {
    static func iso8601(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
