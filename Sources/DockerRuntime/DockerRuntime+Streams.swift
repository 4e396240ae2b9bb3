import DockerEngine
import Foundation
import Runtime

/// The engine's streamed answers (logs, events, a file's archive), decoded here so no caller speaks
/// the protocol: multiplexed or TTY log frames, newline-delimited JSON events, tar.
extension DockerRuntime {
    package func logs(of container: ContainerRecord, in window: TimeWindow, limit: Int, newest: Bool)
        async throws(RuntimeError) -> LogExcerpt
    {
        // The first lines of a window are read only as far as they are shown, unless the window is being
        // kept (an evidence bundle, --record): a chatty container's window (hundreds of MB) would be read to
        // the end for nothing. The newest lines need the whole window.
        let readsWholeWindow = connection.recorder != nil
        let client = self.client
        return try await call {
            let request = EngineClient.logsRequest(container.id, since: EngineTime(window.since), until: EngineTime(window.until))
            var decoder = LogDecoder(tty: container.tty, timestamps: true, request: request.description)
            var selection = LogSelection<LogExcerpt.Line>(limit: limit, keep: newest ? .newest : .oldest)
            var truncated = false
            struct Enough: Error {}
            func keep(_ line: LogLine) throws {
                let wanted = selection.offer(
                    .init(time: line.time, stream: line.stream.rawValue, text: line.text, bytes: line.isValidUTF8 ? nil : line.bytes))
                if !wanted && !readsWholeWindow { throw Enough() }
            }
            do {
                _ = try client.stream(request, about: container.id) { chunk in try decoder.feed(chunk, keep) }
                do { try decoder.finish(keep) } catch DockerEngineError.truncated { truncated = true }
            } catch is Enough {}
            return LogExcerpt(lines: selection.ordered, truncated: truncated || selection.truncated)
        }
    }

    /// Events about `reference` (an id, id prefix or name prefix: the engine's filter is fuzzy), at most 1,000.
    package func events(about reference: String, in window: TimeWindow) async throws(RuntimeError) -> [RuntimeEvent] {
        guard window.since < window.requestUntil else { return [] }
        let client = self.client
        return try await call {
            let request = EngineClient.eventsRequest(
                container: reference, since: EngineTime(window.since), until: EngineTime(window.requestUntil))
            var splitter = JSONLineSplitter()
            var events: [RuntimeEvent] = []
            func keep(_ line: UnsafeRawBufferPointer) throws {
                guard events.count < 1000, let event = try? EngineEvent(jsonLine: line, request: request.description) else { return }
                events.append(RuntimeEvent(event))
            }
            _ = try client.stream(request) { chunk in try splitter.feed(chunk, keep) }
            try splitter.finish(keep)
            return events
        }
    }

    /// One HEAD of the archive endpoint: the stat in its header, no body.
    package func stat(of container: ContainerRecord, path: String) async throws(RuntimeError) -> FileRead? {
        let client = self.client
        let source = "HEAD /containers/\(container.shortID)/archive"
        return try await call {
            try client.pathStat(container.id, path: path).map {
                FileRead(
                    size: $0.size, mode: $0.mode.lsString, isRegular: $0.fileType == .regular, complete: false,
                    bytesRead: 0, source: source)
            }
        }
    }

    /// One GET of the archive endpoint: the stat comes in the answer's header, so a directory or link is
    /// not streamed at all; of the tar, only the member named after the path's last component is the file.
    package func file(
        of container: ContainerRecord, path: String, into sink: @escaping @Sendable (UnsafeRawBufferPointer) throws -> Void
    ) async throws(RuntimeError) -> FileRead? {
        let client = self.client
        let source = "GET /containers/\(container.shortID)/archive"
        return try await call {
            struct NotARegularFile: Error {}
            var stat: PathStat?
            var reader = TarReader(request: "GET archive \(path)")
            var size: Int64 = 0
            var inFile = false
            var done = false
            let name = EngineClient.archiveMemberName(path)
            func read(complete: Bool) -> FileRead? {
                stat.map {
                    FileRead(
                        size: $0.size, mode: $0.mode.lsString, isRegular: $0.fileType == .regular, complete: complete,
                        bytesRead: size, source: source)
                }
            }
            do {
                _ = try client.stream(
                    EngineClient.archiveRequest(container.id, path: path), about: container.id,
                    head: { head in
                        stat = try head.header(PathStat.headerName).map {
                            try PathStat(headerValue: $0, request: "the \(PathStat.headerName) header of \(path)")
                        }
                        guard stat?.fileType == .regular else { throw NotARegularFile() }
                    }
                ) { chunk in
                    try reader.feed(chunk) { event in
                        switch event {
                        case .entry(let entry):
                            // Any other member (`../x`, `/etc/x`, a second file) is not the file asked for.
                            inFile = !done && entry.isRegularFile && entry.name.isSafe && entry.name.components == [name]
                        case .content(let bytes) where inFile:
                            try sink(bytes)
                            size += Int64(bytes.count)
                        case .entryEnd:
                            if inFile { done = true }
                            inFile = false
                        default:
                            break
                        }
                    }
                }
                try reader.finish()
            } catch is NotARegularFile {
                return read(complete: false)
            } catch DockerEngineError.engine(status: 404, _, _) {
                return nil
            }
            return read(complete: done)
        }
    }
}

extension EngineTime {
    init(_ instant: RuntimeInstant) { self.init(seconds: instant.seconds, nanoseconds: instant.nanoseconds) }
}

extension RuntimeEvent {
    /// The event as the report lists it: time, action, and what it names.
    init(_ event: EngineEvent) {
        var detail = event.execCommand.map { "command: \($0)" } ?? event.actionDetail ?? ""
        if let name = event.containerName { detail = detail.isEmpty ? "container \(name)" : "\(detail) (container \(name))" }
        if let exit = event.attribute("exitCode") { detail += detail.isEmpty ? "exit code \(exit)" : ", exit code \(exit)" }
        self.init(time: event.instant.map(\.description) ?? "", action: event.baseAction, detail: detail)
    }
}
