import ArgumentParser
import Foundation
import EvidenceBundle
import Investigation
import Reporting
import DockerRuntime

/// How to reach the engine: shared by every command that talks to one.
struct EngineOptions: ParsableArguments {
    @Option(
        name: [.customLong("host"), .customShort("H")],
        help: "Engine endpoint: unix:///path, tcp://host:port or tcp+tls://host:port (default: DOCKER_HOST, the docker context, then /var/run/docker.sock).")
    var host: String?

    @Option(help: "A docker context, as `docker --context` (over DOCKER_HOST and DOCKER_CONTEXT).")
    var context: String?

    @Option(help: "Seconds allowed for one request; for streams, the longest stall (under 1 KiB/s).")
    var timeout: Double = 30

    @Option(help: "Also write every engine exchange into this folder (see Fixtures/recordings/README.md).")
    var record: String?

    @Option(help: "Answer every engine request from this recording instead of an engine.")
    var replay: String?

    func validate() throws {
        guard timeout > 0 else { throw ValidationError("--timeout must be more than 0 seconds") }
        if record != nil && replay != nil { throw ValidationError("--record and --replay cannot be used together") }
        if host != nil && context != nil { throw ValidationError("give either --host or --context, not both") }
    }

    func connectionOptions(isCancelled: @escaping @Sendable () -> Bool = { false }) -> EngineConnection.Options {
        var options = EngineConnection.Options(
            hostFlag: host, timeout: timeout, record: record.map { URL(fileURLWithPath: $0) },
            replay: replay.map { URL(fileURLWithPath: $0) }, userAgent: "alert-inspect/\(ToolVersion.current)",
            isCancelled: isCancelled)
        options.context = context
        return options
    }
}

/// How to print results.
struct OutputOptions: ParsableArguments {
    @Option(help: "Report format.")
    var format: ReportFormat = .text

    @Option(help: "Colour the text report: auto (only on a terminal, honours NO_COLOR), always or never.")
    var color: ColorMode = .auto

    /// Colour only where a person is looking and has not opted out.
    var isColored: Bool {
        switch color {
        case .always: return format == .text
        case .never: return false
        case .auto:
            let environment = ProcessInfo.processInfo.environment
            return format == .text && isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil
                && environment["TERM"] != "dumb"
        }
    }
}

enum ColorMode: String, CaseIterable, ExpressibleByArgument {
    case auto, always, never
}

extension ReportFormat: ExpressibleByArgument {}

/// A duration such as `2m`, `90s`, `1h` or plain seconds.
struct Duration: ExpressibleByArgument {
    var seconds: Double

    init?(argument: String) {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var text = argument
        var scale = 1.0
        if let last = text.last, let unit = units[last] {
            scale = unit
            text.removeLast()
        }
        guard let value = Double(text), value >= 0, value.isFinite else { return nil }
        seconds = value * scale
    }
}

/// Writes a result to stdout in one piece, so a pipe never sees it interleaved with diagnostics.
enum Output {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// What each bundle takes in: shared by `collect` (one bundle) and `watch` (one per investigation).
struct CollectionOptions: ParsableArguments {
    @Option(help: "Logs and events are taken this long either side of the alert time (e.g. 90s, 2m, 1h).")
    var window: Duration = Duration(argument: "2m") ?? Duration(seconds: 120)

    @Option(help: "The most log lines shown in a report (the bundle keeps the whole window up to --max-log-bytes).")
    var maxLogLines: Int = 200

    @Option(help: "The most bytes kept of one acquired file (K, M, G suffixes: powers of 1024).")
    var maxFileBytes: ByteCount = ByteCount(1 << 30)

    @Option(help: "The most bytes of the log window kept.")
    var maxLogBytes: ByteCount = ByteCount(256 << 20)

    @Option(help: "How many executables among the container's changes are acquired besides the alert's.")
    var maxFiles: Int = 20

    func validate() throws {
        guard maxLogLines >= 0 else { throw ValidationError("--max-log-lines cannot be negative") }
        guard maxFiles >= 0 else { throw ValidationError("--max-files cannot be negative") }
    }

    var collectorSettings: Collector.Settings {
        Collector.Settings(
            toolVersion: ToolVersion.current, maxFileBytes: maxFileBytes.bytes, maxLogBytes: maxLogBytes.bytes,
            maxFiles: maxFiles, arguments: CommandLine.arguments, investigation: investigatorSettings)
    }

    var investigatorSettings: Investigator.Settings {
        Investigator.Settings(window: window.seconds, maxLogLines: maxLogLines, toolVersion: ToolVersion.current)
    }
}
