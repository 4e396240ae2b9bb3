import Foundation

/// Writes one stderr line per exchange (start offset, duration, status, bytes): where a run spends
/// its time. Enabled with `ALERT_INSPECT_TRACE=1`.
package struct TracingTransport: EngineTransport {
    package var endpoint: EngineEndpoint { inner.endpoint }
    private let inner: any EngineTransport
    private let origin: Date

    package init(_ inner: any EngineTransport, origin: Date = Date()) {
        self.inner = inner
        self.origin = origin
    }

    package func send(
        _ request: EngineRequest, apiVersion: String?, head: (ResponseHead) throws -> Void,
        body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let started = Date()
        var status = 0
        var bytes = 0
        defer {
            let line = String(
                format: "trace: +%6.1f ms %6.1f ms %3d %9d %@ %@\n", started.timeIntervalSince(origin) * 1000,
                Date().timeIntervalSince(started) * 1000, status, bytes, request.method.rawValue,
                request.target(apiVersion: apiVersion))
            FileHandle.standardError.write(Data(line.utf8))
        }
        try inner.send(request, apiVersion: apiVersion, head: { status = $0.status; try head($0) }) { chunk in
            bytes += chunk.count
            try body(chunk)
        }
    }
}
