/// The executable flags of an `execve`/`execveat` event, as Falco prints them in `evt.arg.flags`
/// (`EXE_WRITABLE|EXE_UPPER_LAYER`).
///
/// Known flags are a bit set; `EXE_`-prefixed names this version does not know are kept in ``unknownNames``.
/// The same field holds open flags on `open*` events (`O_CREAT|FD_UPPER_LAYER`); those are recognised and give
/// ``isExecFlags`` `false` with no bits set.
package struct ExecFlags: Sendable, Hashable {
    /// The execve flags libs defines (driver/ppm_events_public.h).
    package struct Bits: OptionSet, Sendable, Hashable {
        package let rawValue: UInt32
        package init(rawValue: UInt32) { self.rawValue = rawValue }

        /// The executable is writable by the user that ran it.
        package static let writable = Bits(rawValue: 1 << 0)
        /// The executable is in the overlayfs upper (writable, container) layer.
        package static let upperLayer = Bits(rawValue: 1 << 1)
        /// The executable is a `memfd_create` anonymous file.
        package static let fromMemfd = Bits(rawValue: 1 << 2)
        /// The executable is in an overlayfs lower (image) layer (Falco 0.39+).
        package static let lowerLayer = Bits(rawValue: 1 << 3)
    }

    /// The flags' names in Falco's table order.
    package static let table: [(name: String, bit: Bits)] = [
        ("EXE_WRITABLE", .writable), ("EXE_UPPER_LAYER", .upperLayer),
        ("EXE_FROM_MEMFD", .fromMemfd), ("EXE_LOWER_LAYER", .lowerLayer),
    ]

    /// The known flags that are set.
    package var bits: Bits
    /// `EXE_…` names, or unnamed bits (`0x10`), that are not in ``table``, in the order they came.
    package var unknownNames: [String]
    /// Whether the field held execve flags at all (false for open flags or other events' flags).
    package var isExecFlags: Bool

    /// No flags: what Falco's `"0"` means, and what an alert without `evt.arg.flags` has.
    package static let none = ExecFlags(bits: [], unknownNames: [], isExecFlags: true)

    package init(bits: Bits, unknownNames: [String] = [], isExecFlags: Bool = true) {
        self.bits = bits
        self.unknownNames = unknownNames
        self.isExecFlags = isExecFlags
    }

    /// Parses `evt.arg.flags` text: names joined by `|`, or a number (`"0"` when no flag is set).
    ///
    /// - Parameter eventType: `evt.type`, when known; flags of an event other than `execve`/`execveat` are not
    ///   execve flags whatever their names.
    package init(parsing text: String, eventType: String? = nil) {
        self = .none
        if let eventType, eventType != "execve", eventType != "execveat" {
            isExecFlags = false
            return
        }
        let trimmed = text.trimmingASCIIWhitespace()
        if let number = UInt32(trimmed) {
            bits = Bits(rawValue: number & 0xF)
            var rest = number & ~0xF
            while rest != 0 {
                let lowest = rest & (~rest &+ 1)
                unknownNames.append("0x" + String(lowest, radix: 16))
                rest &= ~lowest
            }
            return
        }
        for part in trimmed.split(separator: "|") {
            let name = part.trimmingASCIIWhitespace()
            guard !name.isEmpty else { continue }
            if let known = Self.table.first(where: { $0.name == name }) {
                bits.insert(known.bit)
            } else if name.hasPrefix("EXE_") {
                if !unknownNames.contains(name) { unknownNames.append(name) }
            } else {
                // O_CREAT, FD_UPPER_LAYER, AT_EMPTY_PATH…: another table's flags in the same field.
                self = ExecFlags(bits: [], unknownNames: [], isExecFlags: false)
                return
            }
        }
    }

    /// Whether `flag` is set.
    package func contains(_ flag: Bits) -> Bool { bits.contains(flag) }

    /// Whether no flag, known or unknown, is set.
    package var isEmpty: Bool { bits.isEmpty && unknownNames.isEmpty }

    /// Known names in table order, then unknown names.
    package var names: [String] {
        Self.table.filter { bits.contains($0.bit) }.map(\.name) + unknownNames
    }

    /// The flags in both sets; `isExecFlags` when either is.
    package func union(_ other: ExecFlags) -> ExecFlags {
        var merged = self
        merged.bits.formUnion(other.bits)
        for name in other.unknownNames where !merged.unknownNames.contains(name) {
            merged.unknownNames.append(name)
        }
        merged.isExecFlags = isExecFlags || other.isExecFlags
        return merged
    }

    /// Falco's rendering: names joined by `|`, `"0"` when empty.
    package var text: String { isEmpty ? "0" : names.joined(separator: "|") }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs, carriage returns and line feeds.
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
