import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one signal handling of every command (collect, watch): turns SIGINT and SIGTERM into calls of `handler` (with how many have arrived), instead of the default
/// action that would end the process with work in flight and outcomes unwritten.
package final class SignalTrap: @unchecked Sendable {
    // @unchecked: `sources` is set once in `init`; `count` is only touched under `lock`.
    private let sources: [any DispatchSourceSignal]
    private let lock = NSLock()
    private var count = 0

    package init(signals: [Int32] = [SIGINT, SIGTERM], handler: @escaping @Sendable (Int32, Int) -> Void) {
        var made: [any DispatchSourceSignal] = []
        for number in signals {
            // A dispatch source only sees a signal whose default action is off.
            signal(number, SIG_IGN)
            made.append(DispatchSource.makeSignalSource(signal: number, queue: .global()))
        }
        sources = made
        for source in sources {
            let number = Int32(source.handle)
            source.setEventHandler { [self] in handler(number, arrived()) }
            source.resume()
        }
    }

    /// Stops listening; the signals stay ignored until the process ends, so a late one cannot cut the final
    /// flush short.
    package func cancel() {
        for source in sources { source.cancel() }
    }

    private func arrived() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
