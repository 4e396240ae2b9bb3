import DockerEngine
import DockerRuntime
import EvidenceBundle
import Foundation

/// Asks the engine once, on a thread of its own (libcurl blocks, and the listener must be up at once): one that
/// does not answer is only said, since a watcher outlives engine restarts and each investigation that meets an
/// outage fails with the reason. ``finish()`` ends it before the process does: libcurl must not be mid-call
/// while the process exits.
package final class EngineCheck: @unchecked Sendable {
    // @unchecked: set once in `init`; the flag and the semaphore are thread-safe.
    private let cancellation = CancellationFlag()
    private let done = DispatchSemaphore(value: 0)

    /// - Parameter warn: told, in one line, why the engine does not answer.
    package init(_ engine: EngineConnection.Options, warn: @escaping @Sendable (String) -> Void) {
        var options = engine
        options.timeout = min(options.timeout, 10)
        options.isCancelled = { [cancellation] in cancellation.isCancelled }
        Thread.detachNewThread { [options, done] in
            do {
                _ = try EngineConnection.open(options)
            } catch let error as DockerEngineError where error.isUnreachable {
                warn("\(error); alerts are marked failed while it does not answer")
            } catch DockerEngineError.cancelled {
                // The run ended first.
            } catch {
                warn("the engine: \(error)")
            }
            done.signal()
        }
    }

    /// Stops the check (libcurl sees it within a second) and waits for it, at most a few seconds.
    package func finish() {
        cancellation.cancel()
        _ = done.wait(timeout: .now() + 3)
    }
}
