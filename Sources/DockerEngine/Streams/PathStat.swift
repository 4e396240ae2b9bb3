import Foundation

/// What the engine says about one path in a container: the `X-Docker-Container-Path-Stat` header
/// of `HEAD` (and `GET`) `/containers/{id}/archive`.
///
/// The header is base64 of JSON `{name, size, mode, mtime, linkTarget}`. Docker uses standard base64;
/// Podman uses the URL-safe alphabet and adds `isDir`, and sets `linkTarget` even for plain files, so
/// decoding tries both alphabets and `symlinkTarget` only trusts `linkTarget` for symlinks.
package struct PathStat: Sendable, Hashable, Codable {
    /// The base name of the path.
    package var name: String
    /// `lstat` size in bytes (the link itself for a symlink).
    package var size: Int64
    /// Go's `os.FileMode`, not a POSIX mode: use `mode.posix` or `mode.lsString`.
    package var mode: GoFileMode
    /// Modification time as the engine wrote it (RFC 3339, nanoseconds).
    package var mtime: String?
    /// Docker: for a symlink, its target resolved inside the container; empty otherwise.
    /// Podman: also set (to the path itself) for plain files.
    package var linkTarget: String?
    /// Podman only.
    package var isDir: Bool?

    /// The name of the response header that carries the stat.
    package static let headerName = "X-Docker-Container-Path-Stat"

    package init(
        name: String, size: Int64, mode: GoFileMode, mtime: String? = nil, linkTarget: String? = nil,
        isDir: Bool? = nil
    ) {
        self.name = name
        self.size = size
        self.mode = mode
        self.mtime = mtime
        self.linkTarget = linkTarget
        self.isDir = isDir
    }

    /// Decodes the header value.
    ///
    /// - Parameters:
    ///   - headerValue: the raw header value (standard or URL-safe base64, padded or not).
    ///   - request: names the request in error messages, e.g. `HEAD /containers/web/archive?path=/x`.
    /// - Throws: `DockerEngineError.malformedResponse` when the value is not base64 or not the JSON above.
    package init(headerValue: String, request: String = "the archive stat header") throws {
        let text = headerValue.trimmingCharacters(in: .whitespaces)
        guard let json = Base64.decode(text, urlSafe: false) ?? Base64.decode(text, urlSafe: true) else {
            throw DockerEngineError.malformedResponse(
                request: request,
                detail: "\(Self.headerName) is not base64: \(Self.excerpt(text))")
        }
        do {
            self = try JSONDecoder().decode(PathStat.self, from: Data(json))
        } catch {
            throw DockerEngineError.malformedResponse(
                request: request,
                detail: "\(Self.headerName) is not the expected JSON: \(Self.excerpt(String(decoding: json, as: UTF8.self)))")
        }
    }

    /// The file type from the Go mode bits.
    package var fileType: FileType { mode.fileType }

    /// Whether this is a directory: the mode says so, or Podman's `isDir` does.
    package var isDirectory: Bool { mode.fileType == .directory || isDir == true }

    /// The link target, only when the path is a symlink with a non-empty target.
    package var symlinkTarget: String? {
        guard mode.fileType == .symlink, let linkTarget, !linkTarget.isEmpty else { return nil }
        return linkTarget
    }

    /// The modification time parsed exactly; `nil` when absent, Go's zero time or unparseable.
    package var modificationTime: EngineTime? { EngineTime.parseEngineDate(mtime) }

    /// Keeps hostile or huge header values out of error messages.
    private static func excerpt(_ text: String) -> String {
        let visible = text.unicodeScalars.prefix(80).map { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F ? "?" : String(scalar)
        }.joined()
        return text.unicodeScalars.count > 80 ? "'\(visible)…'" : "'\(visible)'"
    }
}

/// Base64 in either alphabet, with or without `=` padding (Foundation insists on padding).
enum Base64 {
    /// Decodes `text`, or returns `nil` if it has a character outside the alphabet, a bad length
    /// or misplaced padding.
    static func decode(_ text: String, urlSafe: Bool) -> [UInt8]? {
        var output: [UInt8] = []
        output.reserveCapacity(text.utf8.count * 3 / 4)
        var accumulator: UInt32 = 0
        var count = 0
        var padding = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "=") {
                padding += 1
                continue
            }
            guard padding == 0, let value = sextet(byte, urlSafe: urlSafe) else { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            count += 1
            if count == 4 {
                output.append(UInt8(truncatingIfNeeded: accumulator >> 16))
                output.append(UInt8(truncatingIfNeeded: accumulator >> 8))
                output.append(UInt8(truncatingIfNeeded: accumulator))
                accumulator = 0
                count = 0
            }
        }
        switch count {
        case 0:
            guard padding == 0 else { return nil }
        case 2:
            guard padding == 0 || padding == 2 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            guard padding == 0 || padding == 1 else { return nil }
            output.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            output.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            return nil
        }
        return output
    }

    private static func sextet(_ byte: UInt8, urlSafe: Bool) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+") where !urlSafe, UInt8(ascii: "-") where urlSafe: return 62
        case UInt8(ascii: "/") where !urlSafe, UInt8(ascii: "_") where urlSafe: return 63
        default: return nil
        }
    }
}
