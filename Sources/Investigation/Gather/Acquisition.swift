import Crypto
import Runtime

/// How the alert's executable is taken from the container: an explicit step of the investigation,
/// whose digest the investigation then weighs. `inspect` hashes the bytes as they stream
/// (``HashingAcquisition``); `collect` keeps them in the evidence bundle and hands over the bundle's digest.
package protocol ExecutableAcquisition: Sendable {
    func acquire(_ path: String, of container: ContainerRecord, from runtime: any ContainerRuntime) async throws(RuntimeError)
        -> AcquiredFile
}

/// What makes the investigation stand behind acquiring the alert's executable: the container's own
/// evidence, never the alert alone. The path is added or modified in the writable layer, or a process of
/// the container runs it (its host `/proc` exe link, or the runtime's process list).
enum Grounds {
    static func support(_ path: String, changes: [LayerChange]?, processes: [RuntimeProcess]) -> Bool {
        let changed = changes?.contains { change in
            guard change.path == path else { return false }
            if case .added = change.kind { return true }
            if case .modified = change.kind { return true }
            return false
        }
        return changed == true || processes.contains {
            runs(path, ProcessFacts(pid: $0.pid, user: $0.user, command: $0.command, exeLink: $0.exeLink))
        }
    }

    /// Whether `process` runs `path`: its exe link when there is one, else its command's first word.
    static func runs(_ path: String, _ process: ProcessFacts) -> Bool {
        if let exe = process.exePath { return exe == path }
        return process.command.split(separator: " ").first.map(String.init) == path
    }

    static func declined(_ path: String) -> String {
        "the container's changes do not list \(path) as added or modified and none of its processes runs it, so only its stat was taken"
    }
}

/// Reads the file through the runtime and hashes it as it streams; nothing is kept.
package struct HashingAcquisition: ExecutableAcquisition {
    package init() {}

    package func acquire(_ path: String, of container: ContainerRecord, from runtime: any ContainerRuntime)
        async throws(RuntimeError) -> AcquiredFile
    {
        let hasher = StreamHasher()
        guard let file = try await runtime.file(of: container, path: path, into: { hasher.update($0) }) else {
            return AcquiredFile(file: nil)
        }
        guard file.complete else { return AcquiredFile(file: file) }
        return AcquiredFile(file: file, sha256: hasher.finalize(), size: file.bytesRead)
    }
}

/// SHA-256 over chunks handed in from the runtime's reading thread, one at a time.
final class StreamHasher: @unchecked Sendable {
    // @unchecked: the runtime calls the sink sequentially, and `finalize` only after the read returned.
    private var hasher = SHA256()

    func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bufferPointer: bytes) }

    func finalize() -> String { hasher.finalize().map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined() }
}
