import Foundation

/// A flag set from a signal handler and read by transfers (libcurl polls it about once a second)
/// and by the collector between steps.
package final class CancellationFlag: @unchecked Sendable {
    // @unchecked: `value` is only touched under `lock`.
    private let lock = NSLock()
    private var value = false

    package init() {}

    package func cancel() {
        lock.lock()
        value = true
        lock.unlock()
    }

    package var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}
