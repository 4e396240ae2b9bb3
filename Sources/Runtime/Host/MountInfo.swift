/// `/proc/<pid>/mountinfo`, read without touching anything: the mount a container process sees at
/// `/` is the overlay its engine built, and its options name the writable (upper) dir and the image's
/// (lower) dirs on the host, whatever the image store (overlay2, containerd's snapshotter, Podman).
///
/// A line (proc(5)): `36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue`:
/// mount id, parent id, major:minor, root, mount point, mount options, optional fields up to `-`,
/// file system type, source, super options. The kernel writes space, tab, newline and backslash in
/// paths as octal escapes (`\040`, `\011`, `\012`, `\134`), and in overlay option values also `,` and
/// `=` (`seq_show_option`).
package enum MountInfo {
    /// One mount.
    package struct Entry: Sendable, Hashable {
        package var mountID: Int
        package var parentID: Int
        /// The mounted part of the source file system (`/` for a whole one).
        package var root: String
        package var mountPoint: String
        package var fileSystemType: String
        package var source: String
        /// Super options, unescaped, in order (`["rw", "lowerdir=/a:/b", "upperdir=/c", ...]`).
        package var superOptions: [String]
    }

    /// All mounts of a mountinfo text, in the kernel's order; lines that do not parse are skipped.
    package static func parse(_ text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { entry(Substring($0)) }
    }

    /// One line, or nil when it is not a mountinfo line.
    package static func entry(_ line: Substring) -> Entry? {
        let fields = line.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 10, let separator = fields.firstIndex(of: "-"), separator >= 6,
            fields.count >= separator + 3, let mountID = Int(fields[0]), let parentID = Int(fields[1])
        else { return nil }
        let superOptions = fields.count > separator + 3 ? splitOptions(fields[separator + 3]) : []
        return Entry(
            mountID: mountID, parentID: parentID, root: unescape(fields[3]), mountPoint: unescape(fields[4]),
            fileSystemType: unescape(fields[separator + 1]), source: unescape(fields[separator + 2]),
            superOptions: superOptions)
    }

    /// The container's root file system: the first mount listed at `/`, the one the runtime set up
    /// before the container's first process ran. A process in the container with `CAP_SYS_ADMIN` can
    /// stack a mount of its own on `/`, with option text of its choosing; that one comes later in the
    /// table, and is not taken.
    package static func rootMount(_ entries: [Entry]) -> Entry? {
        entries.first { $0.mountPoint == "/" }
    }

    /// The overlay at `/` in a mountinfo text, or nil when `/` is no overlay (or the text has no `/`).
    package static func rootOverlay(_ text: String) -> OverlayMount? {
        rootMount(parse(text)).flatMap(OverlayMount.init)
    }

    /// `\ooo` octal escapes made bytes again; a backslash not followed by three octal digits is kept.
    package static func unescape<S: StringProtocol>(_ text: S) -> String {
        let bytes = Array(text.utf8)
        guard bytes.contains(UInt8(ascii: "\\")) else { return String(text) }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        func octal(_ byte: UInt8) -> UInt8? { (0x30...0x37).contains(byte) ? byte - 0x30 : nil }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count, let a = octal(bytes[index + 1]), a <= 3,
                let b = octal(bytes[index + 2]), let c = octal(bytes[index + 3])
            {
                out.append(a << 6 | b << 3 | c)
                index += 4
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Super options split at the commas the kernel left unescaped, each then unescaped.
    static func splitOptions(_ field: Substring) -> [String] {
        field.split(separator: ",", omittingEmptySubsequences: true).map { unescape($0) }
    }
}

/// The overlay options of a mount: where its layers are on the host, and how it was mounted.
package struct OverlayMount: Sendable, Hashable {
    /// The writable layer (`upperdir=`); nil for a read-only overlay.
    package var upperDir: String?
    /// The layers below, uppermost first (`lowerdir=` split at unescaped `:`, or `lowerdir+=` options).
    package var lowerDirs: [String]
    /// Data-only layers (after `::` in `lowerdir=`, or `datadir+=`): reached only through metacopy redirects.
    package var dataDirs: [String]
    package var workDir: String?
    /// `index=on|off`, when given.
    package var index: Bool?
    /// `metacopy=on|off`, when given: with it on, an upper file may hold only metadata, its data below.
    package var metacopy: Bool?
    /// `volatile`: the upper dir is not synced, and is unusable after a crash.
    package var volatile: Bool
    /// `xino=on|off|auto`, when given.
    package var xino: String?
    /// `redirect_dir=on|off|follow|nofollow`, when given.
    package var redirectDir: String?
    /// Every other option (`rw`, `userxattr`, `uuid=on`...), as written.
    package var otherOptions: [String]

    /// The overlay options of `entry`, or nil when it is no overlay.
    package init?(_ entry: MountInfo.Entry) {
        guard entry.fileSystemType == "overlay" || entry.fileSystemType.hasPrefix("overlay.") else { return nil }
        self.init(options: entry.superOptions)
    }

    /// From unescaped super options.
    package init(options: [String]) {
        lowerDirs = []
        dataDirs = []
        volatile = false
        otherOptions = []
        for option in options {
            let key: Substring
            let value: String?
            if let equals = option.firstIndex(of: "=") {
                key = option[..<equals]
                value = String(option[option.index(after: equals)...])
            } else {
                key = Substring(option)
                value = nil
            }
            switch (key, value) {
            case ("upperdir", let value?): upperDir = value
            case ("workdir", let value?): workDir = value
            case ("lowerdir", let value?):
                let (lower, data) = Self.splitLowerDir(value)
                lowerDirs += lower
                dataDirs += data
            case ("lowerdir+", let value?): lowerDirs.append(value)
            case ("datadir+", let value?): dataDirs.append(value)
            case ("index", let value?): index = Self.onOff(value)
            case ("metacopy", let value?): metacopy = Self.onOff(value)
            case ("volatile", nil): volatile = true
            case ("xino", let value?): xino = value
            case ("redirect_dir", let value?): redirectDir = value
            default: otherOptions.append(option)
            }
        }
    }

    /// `lowerdir=`'s entries: separated by `:` not preceded by a backslash (`\:` is a colon in a path,
    /// `\\` a backslash); the entries after an empty one (`::`) are data-only layers.
    package static func splitLowerDir(_ value: String) -> (lower: [String], data: [String]) {
        var lower: [String] = []
        var data: [String] = []
        var current = ""
        var inData = false
        var escaped = false
        var previousWasSeparator = false
        func finish() {
            if !current.isEmpty { inData ? data.append(current) : lower.append(current) }
            current = ""
        }
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
                previousWasSeparator = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" {
                if previousWasSeparator { inData = true }
                finish()
                previousWasSeparator = true
            } else {
                current.append(character)
                previousWasSeparator = false
            }
        }
        if escaped { current.append("\\") }
        finish()
        return (lower, data)
    }

    private static func onOff(_ value: String) -> Bool? {
        switch value {
        case "on": return true
        case "off": return false
        default: return nil
        }
    }
}
