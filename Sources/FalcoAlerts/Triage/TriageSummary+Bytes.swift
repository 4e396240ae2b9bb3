import Foundation

extension TriageSummary.Group {
    /// Counts one more alert; the flags text, flags and container name are asked for only when needed.
    mutating func count(
        time: TriageTime?, priority: FalcoPriority, priorityName: @autoclosure () -> String, isSameFlagsText: Bool,
        flagsText: () -> String?, execFlags: () -> ExecFlags, containerName: () -> String?
    ) {
        count += 1
        if let time {
            // Same instant, other text (falcosidekick, plain text): the first one seen stays.
            if first.map({ time.isBefore($0) }) ?? true { first = time }
            if last.map({ time.isAfter($0) }) ?? true { last = time }
        }
        if priority > self.priority {
            self.priority = priority
            self.priorityName = priorityName()
        }
        // Most groups carry the same flags text alert after alert: it is parsed only when it changes.
        if !isSameFlagsText {
            lastFlagsText = flagsText()
            let flags = execFlags()
            if flags.isExecFlags, !flags.isEmpty { self.flags = self.flags.union(flags) }
        }
        if self.containerName == nil { self.containerName = containerName() }
    }
}

extension TriageSummary {
    /// Counts the line when it is one whole single-line JSON alert whose group key is plain ASCII, straight from
    /// its bytes: strings are built only for a new group. Returns `false`, having counted nothing, for any other
    /// line (the full reader reads it then), so the summary is the same as from ``add(_:)-(FalcoAlert)``.
    mutating func add(_ line: UnsafeBufferPointer<UInt8>, scanner: inout TriageLineScanner) -> Bool {
        guard let tokens = scanner.scan(line), !tokens.hasOtherValue, let ruleToken = tokens.rule,
            let priorityToken = tokens.priority, let timeToken = tokens.time
        else { return false }
        let fields = tokens.fields
        // Escaped values and non-ASCII keys are left to the full reader (their strings, not their bytes, decide).
        guard !ruleToken.hasEscapes, !priorityToken.hasEscapes, !timeToken.hasEscapes,
            !fields.contains(where: { $0?.hasEscapes == true })
        else { return false }
        func bytes(_ token: StringToken) -> UnsafeBufferPointer<UInt8> {
            UnsafeBufferPointer(rebasing: line[token.start..<token.end])
        }
        func nonEmpty(_ field: Int) -> UnsafeBufferPointer<UInt8>? {
            guard let token = fields[field], token.end > token.start else { return nil }
            return bytes(token)
        }
        let rule = bytes(ruleToken)
        var containerID = nonEmpty(0)
        if containerID == nil, let full = nonEmpty(2) {
            // The short id is the first 12 characters: 12 bytes of ASCII.
            containerID = Self.isHost(full) ? full : UnsafeBufferPointer(rebasing: full.prefix(12))
            guard full.allSatisfy({ $0 < 0x80 }) else { return false }
        }
        let exePath = nonEmpty(3) ?? nonEmpty(4)
        guard GroupIndex.isASCII(rule), containerID.map(GroupIndex.isASCII) ?? true,
            exePath.map(GroupIndex.isASCII) ?? true,
            let zoned = AlertTime(String(decoding: bytes(timeToken), as: UTF8.self))
        else { return false }
        let time = TriageTime.zoned(zoned)
        let priorityText = String(decoding: bytes(priorityToken), as: UTF8.self)
        let priority = FalcoPriority(name: priorityText)
        let priorityName = priority == .unknown ? priorityText : priority.name
        func string(_ field: Int) -> String? { fields[field].map { String(decoding: bytes($0), as: UTF8.self) } }
        // Moved out while groups are updated, so the closures below can intern without holding `self`.
        var interned = Set<String>()
        swap(&interned, &self.interned)
        defer { swap(&interned, &self.interned) }
        func kept(_ field: Int) -> String? { string(field).map { Self.intern($0, in: &interned) } }
        let flagsBytes = fields[5].map(bytes)
        func execFlags() -> ExecFlags {
            guard let text = string(5) else { return ExecFlags(bits: [], isExecFlags: false) }
            return ExecFlags(parsing: text, eventType: string(6))
        }
        alertCount += 1
        alertsCountedFromBytes += 1
        guard let index = groupIndex.find(rule: rule, containerID: containerID, exePath: exePath) else {
            func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }
            let key = Key(rule: Self.intern(text(rule), in: &interned), containerID: containerID.map(text), exePath: exePath.map(text))
            let flags = execFlags()
            groupIndex.insert(key, group: groupList.count)
            groupList.append(
                Group(
                    rule: key.rule, containerID: key.containerID, containerName: kept(1), exePath: key.exePath,
                    count: 1, first: time, last: time, priority: priority, priorityName: priorityName,
                    flags: flags.isExecFlags ? flags : ExecFlags(bits: []), lastFlagsText: kept(5)))
            return true
        }
        let last = groupList[index].lastFlagsText
        let isSameFlagsText =
            switch (flagsBytes, last) {
            case (nil, nil): true
            case (let bytes?, let text?): text.utf8.elementsEqual(bytes)
            default: false
            }
        groupList[index].count(
            time: time, priority: priority, priorityName: priorityName, isSameFlagsText: isSameFlagsText,
            flagsText: { kept(5) }, execFlags: execFlags, containerName: { kept(1) })
        return true
    }

    /// `text` stored once per summary when it is ASCII (a non-ASCII string could stand for a different but
    /// canonically equivalent one, and must keep its own bytes).
    private static func intern(_ text: String, in interned: inout Set<String>) -> String {
        guard text.utf8.count > 15, text.utf8.allSatisfy({ $0 < 0x80 }) else { return text }
        return interned.insert(text).memberAfterInsert
    }

    private static func isHost(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.elementsEqual("host".utf8)
    }
}

/// Finds a group by its key. Keys whose canonical form is ASCII (nearly all) are found by their bytes, with no
/// string built; the others by their strings, which compare by canonical equivalence as Swift strings do. An
/// ASCII key and a non-ASCII key that are canonically equivalent (`K`, KELVIN SIGN) find the same group.
struct GroupIndex {
    private struct Entry {
        var hash: Int
        var start: Int
        var length: Int
        var group: Int
    }

    private var slots = [Int32](repeating: -1, count: 1024)
    private var entries: [Entry] = []
    /// Every entry's encoded key bytes, one after another.
    private var arena: [UInt8] = []
    private var scratch: [UInt8] = []
    private var others: [TriageSummary.Key: Int] = [:]

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.allSatisfy { $0 < 0x80 }
    }

    /// The group with the key whose parts are these bytes (ASCII only).
    mutating func find(
        rule: UnsafeBufferPointer<UInt8>, containerID: UnsafeBufferPointer<UInt8>?,
        exePath: UnsafeBufferPointer<UInt8>?
    ) -> Int? {
        encode(rule, containerID, exePath)
        return findEncoded().group
    }

    /// The group with `key`.
    mutating func find(_ key: TriageSummary.Key) -> Int? {
        guard let ascii = Self.canonicalASCII(key) else { return others[key] }
        encode(ascii)
        return findEncoded().group
    }

    /// Records that `key`'s group is `group` (the key is not in the index yet).
    mutating func insert(_ key: TriageSummary.Key, group: Int) {
        guard let ascii = Self.canonicalASCII(key) else {
            others[key] = group
            return
        }
        encode(ascii)
        let (hash, _) = findEncoded()
        if (entries.count + 1) * 2 > slots.count { grow() }
        entries.append(Entry(hash: hash, start: arena.count, length: scratch.count, group: group))
        arena.append(contentsOf: scratch)
        place(entries.count - 1)
    }

    /// `key` in its canonical (NFC) form when that is ASCII; `nil` otherwise.
    private static func canonicalASCII(_ key: TriageSummary.Key) -> TriageSummary.Key? {
        func ascii(_ text: String) -> String? {
            if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
            let canonical = text.precomposedStringWithCanonicalMapping
            return canonical.utf8.allSatisfy({ $0 < 0x80 }) ? canonical : nil
        }
        guard let rule = ascii(key.rule) else { return nil }
        var result = TriageSummary.Key(rule: rule, containerID: nil, exePath: nil)
        if let id = key.containerID {
            guard let id = ascii(id) else { return nil }
            result.containerID = id
        }
        if let path = key.exePath {
            guard let path = ascii(path) else { return nil }
            result.exePath = path
        }
        return result
    }

    private mutating func encode(_ key: TriageSummary.Key) {
        var key = key
        key.rule.withUTF8 { rule in
            func part(_ text: inout String?, _ body: (UnsafeBufferPointer<UInt8>?) -> Void) {
                guard var value = text else { return body(nil) }
                value.withUTF8 { body($0) }
                text = value
            }
            part(&key.containerID) { id in
                part(&key.exePath) { path in encode(rule, id, path) }
            }
        }
    }

    /// Writes the key into ``scratch``: each part as a presence byte, its length and its bytes.
    private mutating func encode(
        _ rule: UnsafeBufferPointer<UInt8>, _ containerID: UnsafeBufferPointer<UInt8>?,
        _ exePath: UnsafeBufferPointer<UInt8>?
    ) {
        func append(_ part: UnsafeBufferPointer<UInt8>?) {
            guard let part else { return scratch.append(0) }
            scratch.append(1)
            withUnsafeBytes(of: UInt32(part.count).littleEndian) { scratch.append(contentsOf: $0) }
            scratch.append(contentsOf: part)
        }
        scratch.removeAll(keepingCapacity: true)
        append(rule)
        append(containerID)
        append(exePath)
    }

    /// The hash of ``scratch``, and the group of the entry with those bytes, if any.
    private func findEncoded() -> (hash: Int, group: Int?) {
        var hasher = Hasher()
        scratch.withUnsafeBytes { hasher.combine(bytes: $0) }
        let hash = hasher.finalize()
        let mask = slots.count - 1
        var slot = hash & mask
        while true {
            let index = Int(slots[slot])
            if index < 0 { return (hash, nil) }
            let entry = entries[index]
            if entry.hash == hash, entry.length == scratch.count,
                arena[entry.start..<entry.start + entry.length].elementsEqual(scratch)
            {
                return (hash, entry.group)
            }
            slot = (slot + 1) & mask
        }
    }

    private mutating func place(_ index: Int) {
        let mask = slots.count - 1
        var slot = entries[index].hash & mask
        while slots[slot] >= 0 { slot = (slot + 1) & mask }
        slots[slot] = Int32(index)
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        for index in entries.indices { place(index) }
    }
}
