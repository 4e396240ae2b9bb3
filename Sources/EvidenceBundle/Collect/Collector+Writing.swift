import DockerEngine
import Foundation
import Investigation
import Reporting
import SafeText

extension Collector {
    func writeReports(_ report: InvestigationReport, staging: StagingFolder, journal: CollectionJournal) throws {
        let renderer = ReportRenderer(colored: false)
        let producer = "alert-inspect \(settings.toolVersion)"
        for (name, format) in [(BundleLayout.report, ReportFormat.json), (BundleLayout.reportMarkdown, .markdown)] {
            let digest = try staging.write(name, Data(try renderer.render(report, as: format).utf8))
            journal.add(
                .init(
                    path: name, digest: digest, kind: .report, producer: producer, acquiredAt: Date(),
                    detail: format == .json
                        ? "the investigation report (\(InvestigationReport.schemaName))" : "the same report for people")
            )
        }
    }

    /// `collection.log`: one tab-separated line per request and host read, in the order they started.
    static func collectionLog(_ journal: CollectionJournal, toolVersion: String) -> String {
        var lines = [
            "# alert-inspect \(toolVersion): every request to the engine and every read of its host, in start order",
            "# started (UTC)\tmethod\ttarget\tstatus\tbytes\tms\tconnection\tnote",
        ]
        func milliseconds(_ seconds: Double) -> String { String(format: "%.1f", seconds * 1000) }
        var rows: [(Date, String)] = journal.transfers.map { transfer in
            var note = transfer.error ?? ""
            if let cap = transfer.cappedAt { note = "cut at the \(cap)-byte cap" }
            let status = transfer.status.map(String.init) ?? "-"
            let fields = [
                Timestamp.iso8601(transfer.started), transfer.method, transfer.target, status, String(transfer.bytes),
                milliseconds(transfer.seconds), transfer.connection.rawValue, TerminalText.escaped(note, limit: 400),
            ]
            return (transfer.started, fields.joined(separator: "\t"))
        }
        rows += journal.hostReads.map { read in
            let fields = [
                Timestamp.iso8601(read.started), "READ", read.path, read.error == nil ? "ok" : "-", String(read.bytes),
                milliseconds(read.seconds), "host", read.error ?? "",
            ]
            return (read.started, fields.joined(separator: "\t"))
        }
        lines += rows.sorted { $0.0 < $1.0 }.map(\.1)
        return lines.joined(separator: "\n") + "\n"
    }

    /// Writes `collection.log`, `manifest.json` and `SHA256SUMS` (which covers every other file),
    /// then gives everything its final mode.
    func writeManifest(
        _ report: InvestigationReport, reference: String?, staging: StagingFolder, journal: CollectionJournal,
        started: Date
    ) throws -> BundleManifest {
        let logText = Self.collectionLog(journal, toolVersion: settings.toolVersion)
        let logDigest = try staging.write(BundleLayout.collectionLog, Data(logText.utf8))
        journal.add(
            .init(
                path: BundleLayout.collectionLog, digest: logDigest, kind: .collectionLog,
                producer: "alert-inspect \(settings.toolVersion)", acquiredAt: Date(),
                detail: "every request made and every host read, with time, status, bytes and duration"))

        // Every file on disk gets an entry: the recording's index (rewritten after each exchange,
        // so hashed now), and anything no step accounted for, named as such rather than left out.
        var entries = journal.entries
        for item in try staging.items() where item.isRegularFile {
            let path = item.relativePath
            guard entries[path] == nil, path != BundleLayout.manifest, path != BundleLayout.sums else { continue }
            let digest = try FileDigest.ofFile(atPath: try staging.path(path), isCancelled: isCancelled)
            let isIndex = path == "\(BundleLayout.recording)/\(Recording.indexName)"
            entries[path] = .init(
                path: path, digest: digest, kind: isIndex ? .recording : .other,
                producer: "alert-inspect \(settings.toolVersion)",
                acquiredAt: Date(),
                detail: isIndex
                    ? "the recording's index: every exchange, with the headers that matter"
                    : "not accounted for by any step")
        }

        var manifest = BundleManifest(
            tool: report.tool,
            engine: engineSummary(report, staging: staging, entries: entries),
            collector: .init(
                hostname: ProcessInfo.processInfo.hostName, uid: getuid(), startedAt: Timestamp.iso8601(started),
                finishedAt: Timestamp.iso8601(Date()), arguments: settings.arguments),
            clock: Self.clock(journal.transfers),
            containerId: report.container?.id,
            caps: .init(
                maxFileBytes: settings.maxFileBytes, maxLogBytes: settings.maxLogBytes, maxFiles: settings.maxFiles,
                reached: journal.capsReached),
            files: entries.values.sorted { $0.path < $1.path },
            notes: journal.notes,
            replay: "in the bundle folder: alert-inspect inspect --replay \(BundleLayout.recording)"
                + (entries[BundleLayout.alert] != nil ? " --alert \(BundleLayout.alert)" : "")
                + (reference.map { " " + Self.shellQuoted($0) } ?? ""))
        manifest.files.removeAll { $0.path == BundleLayout.manifest || $0.path == BundleLayout.sums }
        let manifestDigest = try staging.write(BundleLayout.manifest, try manifest.encoded())

        var sums = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, $0.digest) })
        sums[BundleLayout.manifest] = manifestDigest
        _ = try staging.write(BundleLayout.sums, Data(SHA256Sums.render(sums).utf8))
        try staging.seal(acquiredFolder: BundleLayout.files)
        return manifest
    }

    /// A container reference as one shell word (it may come from the alert).
    static func shellQuoted(_ text: String) -> String {
        let plain = text.unicodeScalars.allSatisfy {
            $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "._-:/".unicodeScalars.contains($0))
        }
        return plain && !text.isEmpty ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private func engineSummary(
        _ report: InvestigationReport, staging: StagingFolder, entries: [String: BundleManifest.Entry]
    ) -> BundleManifest.Engine {
        let infoName = "\(BundleLayout.engine)/info.json"
        let info: SystemInfo? =
            entries[infoName] == nil
            ? nil
            : (try? staging.path(infoName)).flatMap { path in
                (try? Data(contentsOf: URL(fileURLWithPath: path))).flatMap {
                    try? JSONDecoder().decode(SystemInfo.self, from: $0)
                }
            }
        return .init(
            endpoint: report.engine.endpoint, apiVersion: report.engine.apiVersion,
            serverVersion: report.engine.serverVersion ?? info?.serverVersion, hostname: info?.name,
            operatingSystem: info?.operatingSystem, kernelVersion: info?.kernelVersion, isPodman: report.engine.isPodman
        )
    }

    /// The engine's clock against ours, from the recorded `/_ping`: its `Date` header against the
    /// middle of the exchange on our clock.
    static func clock(_ transfers: [CollectionJournal.Transfer]) -> BundleManifest.Clock {
        let ping =
            transfers.first { $0.connection == .recorded && $0.target == "/_ping" && $0.engineDate != nil }
            ?? transfers.first { $0.engineDate != nil }
        guard let ping, let header = ping.engineDate, let engineDate = PingResponse.httpDate(header) else {
            return .init(engineDate: nil, localDate: nil, offsetSeconds: nil, resolutionSeconds: 1)
        }
        let local = ping.started.addingTimeInterval(ping.seconds / 2)
        // `Date` truncates to the second: its true instant is up to 1 s later, 0.5 s on average.
        let offset = (engineDate.timeIntervalSince(local) + 0.5) * 1000
        return .init(
            engineDate: Timestamp.iso8601(engineDate), localDate: Timestamp.iso8601(local),
            offsetSeconds: offset.rounded() / 1000, resolutionSeconds: 1)
    }
}
