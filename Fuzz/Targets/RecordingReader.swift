// Fuzz target: the recording reader (`ReplayTransport`) and every decoder a replay feeds.
//
// `--replay DIR` reads a folder someone else may have made. The input is `recording.json`, then the
// body files, separated by `\0BODY\0`; the bodies are written as `bodies/0`, `bodies/1`... Each
// exchange of the recording is then requested through `EngineClient` and its body decoded the way an
// investigation would (models, log frames, tar, stat header, event lines). Beyond not crashing: a
// method other than GET or HEAD is refused, and every failure is a `DockerEngineError`.

import DockerEngine
import Foundation

private let folder = URL(fileURLWithPath: NSTemporaryDirectory())
    .appendingPathComponent("fuzz-recording-\(getpid())")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRecordingReader(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let parts = split(Array(UnsafeBufferPointer(start: start, count: count)))
    let files = FileManager.default
    try? files.removeItem(at: folder)
    let bodies = folder.appendingPathComponent(Recording.bodiesFolder)
    guard (try? files.createDirectory(at: bodies, withIntermediateDirectories: true)) != nil else { return 0 }
    defer { try? files.removeItem(at: folder) }
    for (index, part) in parts.enumerated() {
        let url =
            index == 0
            ? folder.appendingPathComponent(Recording.indexName) : bodies.appendingPathComponent("\(index - 1)")
        guard (try? Data(part).write(to: url)) != nil else { return 0 }
    }

    let replay: ReplayTransport
    do { replay = try ReplayTransport(folder: folder) } catch { return 0 }
    let client: EngineClient
    do { client = try EngineClient.connect(replay) } catch { return expectEngineError(error) }
    for exchange in replay.recording.exchanges {
        guard let request = request(for: exchange) else { continue }
        do {
            try exercise(client, request)
            guard request.method.isReadOnly else { fatalError("\(request.method) was not refused") }
        } catch {
            _ = expectEngineError(error)
        }
    }
    return 0
}

private func expectEngineError(_ error: any Error) -> CInt {
    guard error is DockerEngineError else { fatalError("a replay failed with \(type(of: error)): \(error)") }
    _ = String(describing: error)
    return 0
}

private func split(_ bytes: [UInt8]) -> [[UInt8]] {
    let separator = Array("\u{0}BODY\u{0}".utf8)
    var parts: [[UInt8]] = []
    var current: [UInt8] = []
    var index = 0
    while index < bytes.count {
        if bytes[index] == 0, index + separator.count <= bytes.count,
            bytes[index..<index + separator.count].elementsEqual(separator)
        {
            parts.append(current)
            current = []
            index += separator.count
        } else {
            current.append(bytes[index])
            index += 1
        }
    }
    parts.append(current)
    return parts
}

/// The request that produces `exchange`'s target, when it is one the client can form.
private func request(for exchange: Recording.Exchange) -> EngineRequest? {
    let halves = exchange.target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    var segments: [String] = []
    for part in halves[0].split(separator: "/") {
        guard let decoded = String(part).removingPercentEncoding else { return nil }
        segments.append(decoded)
    }
    let isVersioned = segments.first?.hasPrefix("v1.") ?? false
    if isVersioned { segments.removeFirst() }
    var query: [QueryItem] = []
    if halves.count == 2 {
        for item in halves[1].split(separator: "&") {
            let pair = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, let name = String(pair[0]).removingPercentEncoding,
                let value = String(pair[1]).removingPercentEncoding
            else { return nil }
            query.append(QueryItem(name, value))
        }
    }
    let last = segments.last ?? ""
    return EngineRequest(
        HTTPMethod(rawValue: exchange.method), segments, query: query, isVersioned: isVersioned,
        isStream: ["logs", "archive", "events"].contains(last) && exchange.method == "GET")
}

/// Reads the answer the way the investigation reads that endpoint.
private func exercise(_ client: EngineClient, _ request: EngineRequest) throws {
    let segments = request.segments
    let description = request.description
    switch (segments.first ?? "", segments.last ?? "") {
    case ("containers", "logs"):
        for tty in [false, true] {
            var decoder = LogDecoder(tty: tty, timestamps: true, request: description)
            _ = try client.stream(request) { chunk in try decoder.feed(chunk) { _ = $0.text } }
            try? decoder.finish { _ = $0.text }
        }
    case ("containers", "archive") where request.method == .head:
        let answer = try client.fetch(request)
        if let header = answer.head.header(PathStat.headerName) {
            let stat = try PathStat(headerValue: header, request: description)
            _ = (stat.mode.lsString, stat.symlinkTarget, stat.modificationTime)
        }
    case ("containers", "archive"):
        var reader = TarReader(request: description)
        _ = try client.stream(request) { chunk in try reader.feed(chunk) { _ in } }
        try reader.finish()
    case ("events", _):
        var splitter = JSONLineSplitter()
        func line(_ bytes: UnsafeRawBufferPointer) {
            if let event = try? EngineEvent(jsonLine: bytes, request: description) {
                _ = (event.baseAction, event.execCommand, event.instant?.description, event.containerName)
            }
        }
        _ = try client.stream(request) { chunk in splitter.feed(chunk, line) }
        splitter.finish(line)
    case ("containers", "json"):
        let inspect = try client.decode(ContainerInspect.self, request).value
        _ = (inspect.name, inspect.upperDir, inspect.lowerDirs, inspect.state?.startedTime, inspect.storageDriverName)
    case ("containers", "changes"):
        _ = try ContainerChange.decodeList(from: client.fetch(request).body, request: description).map(
            \.kind.description)
    case ("containers", "top"):
        _ = try client.decode(ProcessList.self, request).value.rows.map(\.command)
    case ("images", "json"):
        _ = try client.decode(ImageInspect.self, request).value.createdTime
    case ("images", "history"):
        _ = try client.decode([ImageHistoryItem].self, request).value.map(\.createdTime)
    case ("version", _):
        _ = try client.decode(SystemVersion.self, request).value.isPodman
    case ("info", _):
        _ = try client.decode(SystemInfo.self, request).value.usesContainerdImageStore
    default:
        _ = try client.fetch(request)
    }
}
