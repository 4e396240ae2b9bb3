import Foundation

/// Runs blocking engine calls off Swift's cooperative thread pool.
///
/// libcurl's easy interface blocks its thread for the whole transfer; on the cooperative pool (two
/// threads on a two-core machine) that would serialise every request. A thread per call lets the
/// engine's slow answers (archive, top) overlap.
package enum BlockingWork {
    package static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.start()
        }
    }
}
