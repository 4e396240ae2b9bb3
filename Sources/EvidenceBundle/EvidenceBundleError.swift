import DockerEngine

/// What can stop a bundle from being written or verified; each case says what was (not) left behind.
package enum EvidenceBundleError: Error, Sendable, CustomStringConvertible {
    /// `collect --out DIR` where DIR already exists: refused, DIR untouched (exit 73).
    case bundleExists(path: String)
    /// The bundle or its staging sibling cannot be created there (exit 73).
    case cannotCreate(path: String, reason: String)
    /// Writing a file of the bundle failed (disk full, permissions changed under us).
    case writeFailed(path: String, reason: String)
    /// A file of the bundle cannot be read back (hashing, verifying).
    case cannotRead(path: String, reason: String)
    /// SIGINT or SIGTERM arrived: the staging folder was removed.
    case interrupted(destination: String)
    /// The collection failed part way (the engine went away mid-stream, a write failed...): the
    /// staging folder was removed. `cause` decides the exit code.
    case notWritten(destination: String, cause: any Error & Sendable)
    /// `verify` was pointed at something that is not a readable bundle.
    case notABundle(path: String, reason: String)
    /// `verify` found changed, missing or extra files (they are listed on stdout).
    case verificationFailed(path: String, problems: Int)

    package var description: String {
        switch self {
        case .bundleExists(let path):
            return "\(path) already exists: refusing to collect into it (choose a new folder; nothing was written)"
        case .cannotCreate(let path, let reason):
            return "cannot create \(path): \(reason)"
        case .writeFailed(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .interrupted(let destination):
            return "interrupted: no bundle written at \(destination)"
        case .notWritten(let destination, let cause):
            return "\(cause); no bundle written at \(destination)"
        case .notABundle(let path, let reason):
            return "\(path) is not an evidence bundle: \(reason)"
        case .verificationFailed(let path, let problems):
            return "\(path) does not match its SHA256SUMS: \(problems) problem(s)"
        }
    }
}
