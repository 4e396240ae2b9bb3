import Foundation

/// One self-rewriting line on stderr while a collection runs (only when stderr is a terminal).
package final class ProgressLine: @unchecked Sendable {
    // @unchecked: `shown` is only touched under `lock`.
    private let lock = NSLock()
    private var shown = false

    /// A progress line, or nil when stderr is not a terminal (a log file gets no carriage returns).
    package static func onTerminal() -> ProgressLine? { isatty(STDERR_FILENO) == 1 ? ProgressLine() : nil }

    package func show(_ progress: CollectionProgress) {
        lock.lock()
        defer { lock.unlock() }
        shown = true
        FileHandle.standardError.write(
            Data("\r\u{1B}[2Kcollect: \(progress.step) · \(ByteSize.text(progress.bytes)) received".utf8))
    }

    package func clear() {
        lock.lock()
        defer { lock.unlock() }
        guard shown else { return }
        shown = false
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
