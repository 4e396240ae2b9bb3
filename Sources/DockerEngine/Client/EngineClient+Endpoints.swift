import Foundation

/// One typed call per Engine API endpoint the tool reads. Each returns the raw answer too: evidence
/// keeps engine responses byte for byte.
extension EngineClient {
    package func version() throws -> (value: SystemVersion, raw: Fetched) {
        try decode(SystemVersion.self, EngineRequest(.get, ["version"]))
    }

    package func info() throws -> (value: SystemInfo, raw: Fetched) {
        try decode(SystemInfo.self, EngineRequest(.get, ["info"]))
    }

    /// `GET /containers/{ref}/json`; `ref` is a name, full id or unique id prefix.
    ///
    /// A reference with a `/` inside, or `.`/`..`, names no container; it is not sent, because the
    /// engine's router would clean the path and answer a redirect to another endpoint.
    package func inspectContainer(_ reference: String) throws -> (value: ContainerInspect, raw: Fetched) {
        let name = reference.hasPrefix("/") ? String(reference.dropFirst()) : reference
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
            throw DockerEngineError.noSuchContainer(reference)
        }
        return try decode(ContainerInspect.self, EngineRequest(.get, ["containers", reference, "json"]), about: reference)
    }

    /// `GET /containers/json?limit=N`: the ids of up to `limit` running containers, newest first.
    package func runningContainerIDs(limit: Int) throws -> [String] {
        struct Summary: Decodable { var Id: String }
        let request = EngineRequest(.get, ["containers", "json"], query: [QueryItem("limit", String(limit))])
        return try decode([Summary].self, request).value.map(\.Id)
    }

    /// `GET /containers/{id}/changes`; the engine's `null` (no changes) is an empty list.
    package func changes(_ id: String) throws -> (value: [ContainerChange], raw: Fetched) {
        let request = EngineRequest(.get, ["containers", id, "changes"])
        let raw = try fetch(request, about: id)
        return (try ContainerChange.decodeList(from: raw.body, request: request.description), raw)
    }

    /// `GET /containers/{id}/top`: the engine runs `ps` on its host, so pids are host pids.
    package func top(_ id: String) throws -> (value: ProcessList, raw: Fetched) {
        try decode(ProcessList.self, EngineRequest(.get, ["containers", id, "top"]), about: id)
    }

    package func inspectImage(_ reference: String) throws -> (value: ImageInspect, raw: Fetched) {
        try decode(ImageInspect.self, EngineRequest(.get, ["images", reference, "json"]))
    }

    package func imageHistory(_ reference: String) throws -> (value: [ImageHistoryItem], raw: Fetched) {
        try decode([ImageHistoryItem].self, EngineRequest(.get, ["images", reference, "history"]))
    }

    package func inspectExec(_ id: String) throws -> (value: ExecInspect, raw: Fetched) {
        try decode(ExecInspect.self, EngineRequest(.get, ["exec", id, "json"]))
    }

    /// `HEAD /containers/{id}/archive?path=`: the file's stat without its content; nil when the path does not exist.
    package func pathStat(_ id: String, path: String) throws -> PathStat? {
        let request = EngineRequest(.head, ["containers", id, "archive"], query: [QueryItem("path", path)])
        do {
            let answer = try fetch(request, about: id)
            guard let header = answer.head.header(PathStat.headerName) else {
                throw DockerEngineError.malformedResponse(request: request.description, detail: "no \(PathStat.headerName) header")
            }
            return try PathStat(headerValue: header, request: request.description)
        } catch DockerEngineError.engine(status: 404, _, _) {
            return nil
        }
    }

    /// The request for `GET /containers/{id}/archive?path=`: a tar stream of the path, read with `TarReader`.
    package static func archiveRequest(_ id: String, path: String) -> EngineRequest {
        EngineRequest(.get, ["containers", id, "archive"], query: [QueryItem("path", path)], isStream: true)
    }

    /// The name the engine gives the archive's member for `path`: its last component.
    package static func archiveMemberName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The request for a container's logs between two instants, with timestamps, both streams.
    package static func logsRequest(_ id: String, since: EngineTime, until: EngineTime?) -> EngineRequest {
        var query = [QueryItem("stdout", "1"), QueryItem("stderr", "1"), QueryItem("timestamps", "1"),
                     QueryItem("since", since.unixTimestamp)]
        if let until { query.append(QueryItem("until", until.unixTimestamp)) }
        return EngineRequest(.get, ["containers", id, "logs"], query: query, isStream: true)
    }

    /// The request for engine events about one container (id or name prefix) in a closed window.
    /// `until` must not be in the engine's future, or the engine holds the stream open until then.
    package static func eventsRequest(container: String, since: EngineTime, until: EngineTime) -> EngineRequest {
        let encoded = (try? JSONEncoder().encode(["container": [container]])) ?? Data("{}".utf8)
        let filters = String(decoding: encoded, as: UTF8.self)
        return EngineRequest(
            .get, ["events"],
            query: [QueryItem("since", since.unixTimestamp), QueryItem("until", until.unixTimestamp), QueryItem("filters", filters)],
            isStream: true)
    }
}

extension EngineTime {
    /// `seconds.nanoseconds`, the form the engine's `since`/`until` parameters take.
    package var unixTimestamp: String {
        "\(seconds)." + Self.padded(Int64(nanoseconds), 9)
    }
}
