import AlertWatch
import ArgumentParser
import CommandLineSupport
import DockerEngine
import EvidenceBundle
import FalcoAlerts
import Foundation
import Investigation
import Runtime

/// Exit codes (docs/exit-codes.md), and the single place errors are mapped to them.
enum ExitStatus {
    static let done: Int32 = 0
    static let failure: Int32 = 1
    static let verdictMatched: Int32 = 2
    static let noSuchContainer: Int32 = 3
    static let usage: Int32 = 64
    static let malformedAlert: Int32 = 65
    static let inputUnreadable: Int32 = 66
    static let engineUnreachable: Int32 = 69
    static let cannotCreateOutput: Int32 = 73

    static let table = """
        Exit codes: 0 done, 1 unexpected failure (verify: bundle does not match), 2 --fail-on matched, \
        3 no such container, 64 usage, 65 malformed alert, 66 input unreadable, 69 engine unreachable, \
        73 output cannot be created.
        """

    /// Prints `error` to stderr and returns the exit code it stands for.
    static func report(_ error: any Error) -> ExitCode {
        if let exit = error as? ExitCode { return exit }
        Diagnostics.error(String(describing: error))
        return ExitCode(code(for: error))
    }

    /// A container reference that named nothing: exit 3, with the engine asked and why on stderr.
    static func containerNotFound(_ reference: String?, engine: String) -> ExitCode {
        Diagnostics.error("no such container: \(reference ?? "(none named)") at \(engine): the engine knows no container by that name, id or id prefix")
        return ExitCode(noSuchContainer)
    }

    /// `word` was taken as a container but is no container, and looks like a mistyped command: exit 64.
    /// Only said after the engine was asked (or could not be), so a container named like a typo still works.
    /// `lookup` says what the engine answered, or why it could not be asked.
    static func unknownCommand(_ word: String?, hasAlert: Bool, lookup: String) -> ExitCode? {
        guard let word, !hasAlert,
            let suggestion = CommandSuggestion.suggestion(for: word, among: AlertInspect.commandNames)
        else { return nil }
        Diagnostics.error(CommandSuggestion.message(for: word, suggestion: suggestion, lookup: lookup))
        return ExitCode(usage)
    }

    static func code(for error: any Error) -> Int32 {
        switch error {
        case is ValidationError:
            return usage
        case let error as InvestigationError:
            if case .noContainer = error { return usage }
            return failure
        case let error as DockerEngineError:
            if error.isUnreachable { return engineUnreachable }
            switch error {
            case .noSuchContainer: return noSuchContainer
            // A --host, --context, DOCKER_HOST, DOCKER_CONTEXT or DOCKER_API_VERSION that names no engine is a
            // setting to correct, not an engine that failed to answer.
            case .invalidEndpoint: return usage
            default: return failure
            }
        case let error as RuntimeError:
            switch error {
            case .unreachable: return engineUnreachable
            case .notFound: return noSuchContainer
            case .denied, .unsupported, .malformed, .cancelled: return failure
            }
        case let error as EvidenceBundleError:
            switch error {
            case .bundleExists, .cannotCreate, .writeFailed: return cannotCreateOutput
            case .notWritten(_, let cause): return code(for: cause)
            case .notABundle, .cannotRead: return inputUnreadable
            case .interrupted, .verificationFailed: return failure
            }
        case let error as AlertParseError:
            return error.isUnreadable ? inputUnreadable : malformedAlert
        case let error as WatchError:
            switch error {
            case .inputUnreadable: return inputUnreadable
            case .outputUnusable: return cannotCreateOutput
            case .journalUnusable(_, _, let isWrite): return isWrite ? cannotCreateOutput : inputUnreadable
            case .badListenAddress: return usage
            case .cannotListen, .listenerFailed: return failure
            case .badToken: return inputUnreadable
            }
        default:
            return failure
        }
    }
}

/// Diagnostics go to stderr, results to stdout.
enum Diagnostics {
    static func error(_ message: String) { write("error: " + message) }
    static func warning(_ message: String) { write("warning: " + message) }
    static func note(_ message: String) { write(message) }

    private static func write(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
