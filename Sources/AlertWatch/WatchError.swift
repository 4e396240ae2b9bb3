import FalcoAlerts
import SafeText

/// Why `watch` cannot start or go on; each case names what and where. Per-alert problems are never errors of
/// the run: they are outcome lines.
package enum WatchError: Error, Sendable, CustomStringConvertible {
    /// `--input FILE` cannot be opened or read (exit 66).
    case inputUnreadable(path: String, reason: String)
    /// `--out DIR` cannot be created or written (exit 73).
    case outputUnusable(path: String, reason: String)
    /// `--journal FILE` cannot be opened, locked or read (exit 66), or written (exit 73).
    case journalUnusable(path: String, reason: String, isWrite: Bool)
    /// `--listen` is not `HOST:PORT` with a numeric address (exit 64).
    case badListenAddress(String, reason: String)
    /// The HTTP listener could not start (address in use, permission) (exit 1).
    case cannotListen(address: String, reason: String)
    /// The HTTP listener stopped while the run was taking alerts (exit 1): what was taken is accounted for.
    case listenerFailed(address: String, reason: String)
    /// `--token-file` cannot be read or holds no usable token (exit 66).
    case badToken(path: String, reason: String)

    /// The message, paths and addresses shown with control characters escaped (they come from the command line).
    package var description: String {
        let visible: (String) -> String = TerminalText.escaped
        switch self {
        case .inputUnreadable(let path, let reason):
            return "cannot read \(visible(path)): \(reason)"
        case .outputUnusable(let path, let reason):
            return "cannot write bundles under \(visible(path)): \(reason)"
        case .journalUnusable(let path, let reason, _):
            return "cannot use the journal \(visible(path)): \(reason)"
        case .badListenAddress(let text, let reason):
            return "--listen \(visible(text)): \(reason) (expected HOST:PORT, e.g. 127.0.0.1:2801)"
        case .cannotListen(let address, let reason):
            return "cannot listen on \(visible(address)): \(reason)"
        case .listenerFailed(let address, let reason):
            return "the listener on \(visible(address)) stopped: \(reason); alerts sent since were refused"
        case .badToken(let path, let reason):
            return "--token-file \(visible(path)): \(reason)"
        }
    }
}
