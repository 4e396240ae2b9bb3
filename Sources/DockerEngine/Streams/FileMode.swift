/// The kind of a file system object, as `ls -l` shows it in the first column.
package enum FileType: String, Sendable, Hashable, Codable, CaseIterable {
    case regular, directory, symlink, blockDevice, characterDevice, namedPipe, socket
    /// Go's `ModeIrregular` or a type this code does not know: never to be read as a regular file.
    case irregular

    /// The `ls -l` type character.
    package var lsCharacter: Character {
        switch self {
        case .regular: return "-"
        case .directory: return "d"
        case .symlink: return "l"
        case .blockDevice: return "b"
        case .characterDevice: return "c"
        case .namedPipe: return "p"
        case .socket: return "s"
        case .irregular: return "?"
        }
    }

    /// The `S_IFMT` bits of `st_mode` (0 for `irregular`, which POSIX has no value for).
    package var posixTypeBits: UInt32 {
        switch self {
        case .regular: return 0o100000
        case .directory: return 0o040000
        case .symlink: return 0o120000
        case .blockDevice: return 0o060000
        case .characterDevice: return 0o020000
        case .namedPipe: return 0o010000
        case .socket: return 0o140000
        case .irregular: return 0
        }
    }
}

/// A POSIX `st_mode`: file type in the `S_IFMT` bits, then setuid, setgid, sticky and `rwx` bits.
///
/// This is the form people and other tools read (`stat -c %f`, `ls -l`), so the engine's Go mode
/// and tar headers are both converted to it.
package struct POSIXFileMode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    package var rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Builds a mode from a file type and the low 12 bits (`0o7777`) of permissions.
    package init(type: FileType, permissions: UInt32) {
        rawValue = type.posixTypeBits | (permissions & 0o7777)
    }

    /// The file type from the `S_IFMT` bits; unknown bits give `irregular`.
    package var fileType: FileType {
        switch rawValue & 0o170000 {
        case 0o100000: return .regular
        case 0o040000: return .directory
        case 0o120000: return .symlink
        case 0o060000: return .blockDevice
        case 0o020000: return .characterDevice
        case 0o010000: return .namedPipe
        case 0o140000: return .socket
        default: return .irregular
        }
    }

    /// Permission and special bits, `0o7777` at most.
    package var permissions: UInt32 { rawValue & 0o7777 }
    package var isSetuid: Bool { rawValue & 0o4000 != 0 }
    package var isSetgid: Bool { rawValue & 0o2000 != 0 }
    package var isSticky: Bool { rawValue & 0o1000 != 0 }

    /// Whether anyone may execute it (any `x` bit).
    package var isExecutable: Bool { rawValue & 0o111 != 0 }

    /// The mode as `ls -l` prints it, e.g. `-rwsr-xr-x`, `drwxrwxrwt`, `lrwxrwxrwx`.
    package var lsString: String {
        var text = String(fileType.lsCharacter)
        let bits = rawValue
        func triad(_ shift: UInt32, special: Bool, setChar: Character, unsetChar: Character) {
            text.append(bits & (0o4 << shift) != 0 ? "r" : "-")
            text.append(bits & (0o2 << shift) != 0 ? "w" : "-")
            let executable = bits & (0o1 << shift) != 0
            if special {
                text.append(executable ? setChar : unsetChar)
            } else {
                text.append(executable ? "x" : "-")
            }
        }
        triad(6, special: isSetuid, setChar: "s", unsetChar: "S")
        triad(3, special: isSetgid, setChar: "s", unsetChar: "S")
        triad(0, special: isSticky, setChar: "t", unsetChar: "T")
        return text
    }

    /// Octal, as `stat -c %a` prints permissions but with the type bits too, e.g. `104755`.
    package var octal: String { String(rawValue, radix: 8) }

    package var description: String { lsString }
}

/// A Go `os.FileMode`, the `mode` the engine puts in the archive stat header.
///
/// It is not a POSIX `st_mode`: the permission bits are the low 9 bits, but the type and the special
/// bits are single high bits (`ModeDir` is `1 << 31`, `ModeSetuid` is `1 << 23`), so a setuid binary
/// is `mode & (1 << 23)`, never `mode & 0o4000` (see Go's `io/fs` `FileMode`).
package struct GoFileMode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    package var rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package static let directory: UInt32 = 1 << 31
    package static let append: UInt32 = 1 << 30
    package static let exclusive: UInt32 = 1 << 29
    package static let temporary: UInt32 = 1 << 28
    package static let symlink: UInt32 = 1 << 27
    package static let device: UInt32 = 1 << 26
    package static let namedPipe: UInt32 = 1 << 25
    package static let socket: UInt32 = 1 << 24
    package static let setuid: UInt32 = 1 << 23
    package static let setgid: UInt32 = 1 << 22
    package static let characterDevice: UInt32 = 1 << 21
    package static let sticky: UInt32 = 1 << 20
    package static let irregular: UInt32 = 1 << 19

    /// The file type, read the way Go's `FileMode.Type()` and `String()` do.
    package var fileType: FileType {
        let bits = rawValue
        if bits & Self.directory != 0 { return .directory }
        if bits & Self.symlink != 0 { return .symlink }
        if bits & Self.namedPipe != 0 { return .namedPipe }
        if bits & Self.socket != 0 { return .socket }
        // Go sets ModeDevice together with ModeCharDevice for character devices.
        if bits & Self.characterDevice != 0 { return .characterDevice }
        if bits & Self.device != 0 { return .blockDevice }
        if bits & Self.irregular != 0 { return .irregular }
        return .regular
    }

    package var isSetuid: Bool { rawValue & Self.setuid != 0 }
    package var isSetgid: Bool { rawValue & Self.setgid != 0 }
    package var isSticky: Bool { rawValue & Self.sticky != 0 }

    /// The `rwx` bits, `0o777` at most.
    package var permissionBits: UInt32 { rawValue & 0o777 }

    /// The same mode as a POSIX `st_mode`, special bits moved to `0o4000`/`0o2000`/`0o1000`.
    package var posix: POSIXFileMode {
        var permissions = permissionBits
        if isSetuid { permissions |= 0o4000 }
        if isSetgid { permissions |= 0o2000 }
        if isSticky { permissions |= 0o1000 }
        return POSIXFileMode(type: fileType, permissions: permissions)
    }

    /// The mode as `ls -l` prints it, e.g. `-rwsr-xr-x`.
    package var lsString: String { posix.lsString }

    package var description: String { lsString }
}
