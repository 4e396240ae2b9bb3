import Crypto
import DockerEngine
import Foundation
import Runtime

/// The real filesystem of this machine, which is the engine's host when the endpoint is a local socket.
/// With a recorder attached, everything read is kept so a replay can answer the same way.
package struct LocalHostView: HostView {
    private let recorder: RecordingTransport?

    package init(recordingInto recorder: RecordingTransport? = nil) {
        self.recorder = recorder
    }

    package func fileInfo(_ path: String) -> HostFileInfo? {
        var info = stat()
        let result: HostFileInfo?
        if lstat(path, &info) == 0 {
            let type = info.st_mode & S_IFMT
            let kind: HostFileInfo.Kind =
                type == S_IFREG ? .file : type == S_IFDIR ? .directory : type == S_IFLNK ? .symlink : .other
            result = HostFileInfo(
                kind: kind, permissions: UInt32(info.st_mode & 0o7777), size: Int64(info.st_size),
                inode: UInt64(info.st_ino),
                changeTimeNanoseconds: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec),
                modificationTimeNanoseconds: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
                isWhiteout: type == S_IFCHR && info.st_rdev == 0)
        } else {
            result = nil
        }
        record("stat", path, result)
        return result
    }

    package func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4097)
        let count = readlink(path, &buffer, 4096)
        let result = count >= 0 ? String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : nil
        record("readlink", path, result)
        return result
    }

    package func digest(_ path: String) -> HostDigest? {
        // O_NOFOLLOW would refuse /proc/<pid>/exe (a magic link we do want to open); callers only pass
        // /proc links or paths HostPath has checked component by component.
        let result: HostDigest?
        if let handle = FileHandle(forReadingAtPath: path) {
            defer { try? handle.close() }
            var hasher = SHA256()
            var size: Int64 = 0
            var failed = false
            do {
                // `read(upToCount:)` answers nil, not empty data, at the end of the file.
                while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                    hasher.update(data: chunk)
                    size += Int64(chunk.count)
                }
            } catch {
                failed = true
            }
            result = failed ? nil : HostDigest(sha256: hasher.finalize().hexString, size: size)
        } else {
            result = nil
        }
        record("sha256", path, result)
        return result
    }

    package func text(_ path: String, limit: Int) -> String? {
        let result = FileHandle(forReadingAtPath: path).flatMap { handle -> String? in
            defer { try? handle.close() }
            // At the end of the file `read` answers nil: an empty file is empty text.
            guard let data = try? handle.read(upToCount: limit) else { return "" }
            return String(decoding: data, as: UTF8.self)
        }
        record("read", path, result)
        return result
    }

    package func entries(_ path: String) -> [String]? {
        let result = (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted()
        record("list", path, result)
        return result
    }

    private func record<Value: Encodable>(_ operation: String, _ path: String, _ value: Value?) {
        guard let recorder else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text: String?
        if let value {
            text = (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) }
        } else {
            text = nil
        }
        try? recorder.record(.init(operation: operation, path: path, result: text, error: value == nil ? "unreadable" : nil))
    }
}

/// Answers host questions from a recording, exactly as the recorded run saw its host.
package struct ReplayedHostView: HostView {
    private let replay: ReplayTransport

    package init(_ replay: ReplayTransport) {
        self.replay = replay
    }

    package func fileInfo(_ path: String) -> HostFileInfo? { answer("stat", path) }
    package func linkTarget(_ path: String) -> String? { answer("readlink", path) }
    package func digest(_ path: String) -> HostDigest? { answer("sha256", path) }
    package func text(_ path: String, limit: Int) -> String? { answer("read", path) }
    package func entries(_ path: String) -> [String]? { answer("list", path) }

    private func answer<Value: Decodable>(_ operation: String, _ path: String) -> Value? {
        guard let text = replay.observation(operation, path: path)?.result else { return nil }
        return try? JSONDecoder().decode(Value.self, from: Data(text.utf8))
    }
}
