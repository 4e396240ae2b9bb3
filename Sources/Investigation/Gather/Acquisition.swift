import Crypto
import Runtime

/// How the alert's executable is taken from the container: an explicit step of the investigation,
/// whose digest the investigation then weighs. `inspect` hashes the bytes as they stream
/// (``HashingAcquisition``); `collect` keeps them in the evidence bundle and hands over the bundle's digest.
package protocol ExecutableAcquisition: Sendable {
    func acquire(_ path: String, of container: ContainerRecord, from runtime: any ContainerRuntime) async throws(RuntimeError)
        -> AcquiredFile
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
