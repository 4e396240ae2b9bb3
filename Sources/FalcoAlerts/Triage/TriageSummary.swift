/// A day of Falco alerts summarised by rule, container and executable.
///
/// Memory grows with the number of groups, not with the number of lines: each alert only updates its group, and
/// at most ``maximumBadLinesKept`` bad lines are kept in detail (all are counted).
package struct TriageSummary: Sendable, Hashable {
    /// All alerts with the same rule, container and executable.
    package struct Group: Sendable, Hashable {
        package var rule: String
        /// The container's short id, `host`, or `nil` when the alerts did not say.
        package var containerID: String?
        /// The first container name the alerts gave.
        package var containerName: String?
        package var exePath: String?
        package var count: Int
        /// The earliest and latest alert times. Times with a zone win over times without one (a plain-text
        /// time of day), which are compared only with each other.
        package var first: TriageTime?
        package var last: TriageTime?
        /// The highest priority, and its name as written.
        package var priority: FalcoPriority
        package var priorityName: String
        /// Every execve flag seen in the group.
        package var flags: ExecFlags
        /// The `evt.arg.flags` text of the group's last alert, already counted in ``flags``.
        var lastFlagsText: String?
    }

    /// One container's alerts, rolled up from its groups.
    package struct Container: Sendable, Hashable {
        package var id: String?
        package var name: String?
        package var alertCount: Int
        package var groupCount: Int
        package var ruleCount: Int
        package var priority: FalcoPriority
        package var first: TriageTime?
        package var last: TriageTime?
        /// Groups whose executable ran from the container's writable layer (`EXE_UPPER_LAYER`).
        package var upperLayerGroups: [Group]
        /// Groups whose executable ran from memory (`EXE_FROM_MEMFD`).
        package var memfdGroups: [Group]

        /// Whether the container ran a binary from its writable layer or from memory.
        package var ranUnusualBinaries: Bool { !upperLayerGroups.isEmpty || !memfdGroups.isEmpty }
    }

    struct Key: Hashable {
        var rule: String
        var containerID: String?
        var exePath: String?
    }

    /// Bad lines kept with their details; the rest are only counted.
    package static let maximumBadLinesKept = 1000

    /// How many alerts were read.
    package internal(set) var alertCount = 0
    /// How many lines were not good alerts.
    package internal(set) var badLineCount = 0
    /// The first ``maximumBadLinesKept`` bad lines.
    package internal(set) var badLines: [AlertParseError] = []
    /// The inputs read, in order.
    package internal(set) var sources: [String] = []
    /// How many alerts were counted from their bytes, without building the alert (for tests).
    var alertsCountedFromBytes = 0
    /// The groups, in the order they were first seen.
    var groupList: [Group] = []
    /// Indices in ``groupList``, by key (see ``GroupIndex``).
    var groupIndex = GroupIndex()
    /// ASCII strings that many groups hold (rules, container names, flags), stored once.
    var interned = Set<String>()

    package init() {}

    /// Counts `alert` in its group.
    package mutating func add(_ alert: FalcoAlert) {
        alertCount += 1
        let key = Key(rule: alert.rule, containerID: alert.containerID, exePath: alert.exePath)
        let time = alert.time.map(TriageTime.zoned) ?? alert.unzonedTime.map(TriageTime.unzoned)
        let flagsText = alert.flagsText
        guard let index = groupIndex.find(key) else {
            let flags = alert.execFlags
            groupIndex.insert(key, group: groupList.count)
            groupList.append(
                Group(
                    rule: key.rule, containerID: key.containerID, containerName: alert.containerName,
                    exePath: key.exePath, count: 1, first: time, last: time, priority: alert.priority,
                    priorityName: alert.priorityName, flags: flags.isExecFlags ? flags : ExecFlags(bits: []),
                    lastFlagsText: flagsText))
            return
        }
        // Updated in place: a group is never copied out and back per alert.
        groupList[index].count(
            time: time, priority: alert.priority, priorityName: alert.priorityName,
            isSameFlagsText: flagsText == groupList[index].lastFlagsText, flagsText: { flagsText },
            execFlags: { alert.execFlags }, containerName: { alert.containerName })
    }

    /// Summaries are equal when they say the same: the order groups were first seen in does not matter.
    package static func == (left: TriageSummary, right: TriageSummary) -> Bool {
        left.alertCount == right.alertCount && left.badLineCount == right.badLineCount
            && left.badLines == right.badLines && left.sources == right.sources && left.groups == right.groups
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(alertCount)
        hasher.combine(badLineCount)
        hasher.combine(badLines)
        hasher.combine(sources)
        hasher.combine(groups)
    }

    /// Counts a bad line, keeping its details while fewer than ``maximumBadLinesKept`` are kept.
    package mutating func addBadLine(_ error: AlertParseError) {
        badLineCount += 1
        if badLines.count < Self.maximumBadLinesKept { badLines.append(error) }
    }

    /// Reads every alert of `stream` into the summary.
    ///
    /// - Throws: ``AlertParseError`` (`.unreadable`) only when reading fails; bad lines are counted, not thrown.
    /// Lines that are single-line JSON alerts with a plain key are counted from their bytes (see
    /// ``add(_:scanner:)``) unless `byBytes` is off; the summary is the same either way.
    mutating func read(_ stream: AlertStream, byBytes: Bool = true) throws(AlertParseError) {
        sources.append(stream.source)
        var scanner = TriageLineScanner()
        while let item = try stream.next(taking: { line in
            guard byBytes else { return false }
            return add(line, scanner: &scanner)
        }) {
            switch item {
            case .alert(let alert, _): add(alert)
            case .badLine(let error): addBadLine(error)
            }
        }
    }

    /// The groups, highest priority first, then most alerts, then by rule, container and executable.
    package var groups: [Group] {
        // Sorted as indices: groups are large, and moving them about in the sort costs more than comparing.
        var order = Array(groupList.indices)
        groupList.withUnsafeBufferPointer { groups in
            order.sort { Self.precedes(groups[$0], groups[$1]) }
        }
        return order.map { index in
            var group = groupList[index]
            group.lastFlagsText = nil
            return group
        }
    }

    /// The containers, those that ran binaries from their writable layer or from memory first, then by highest
    /// priority and most alerts.
    package var containers: [Container] { containers(of: groups) }

    /// The containers of `groups` (already in ``groups`` order), ordered as ``containers``.
    func containers(of groups: [Group]) -> [Container] {
        var byID: [String?: Container] = [:]
        var rules: [String?: Set<String>] = [:]
        for group in groups {
            var container =
                byID[group.containerID]
                ?? Container(
                    id: group.containerID, name: nil, alertCount: 0, groupCount: 0, ruleCount: 0, priority: .unknown,
                    first: nil, last: nil, upperLayerGroups: [], memfdGroups: [])
            container.name = container.name ?? group.containerName
            container.alertCount += group.count
            container.groupCount += 1
            container.priority = max(container.priority, group.priority)
            if let first = group.first, container.first.map({ first.isBefore($0) }) ?? true { container.first = first }
            if let last = group.last, container.last.map({ last.isAfter($0) }) ?? true { container.last = last }
            if group.flags.contains(.upperLayer) { container.upperLayerGroups.append(group) }
            if group.flags.contains(.fromMemfd) { container.memfdGroups.append(group) }
            rules[group.containerID, default: []].insert(group.rule)
            container.ruleCount = rules[group.containerID]?.count ?? 0
            byID[group.containerID] = container
        }
        return byID.values.sorted { left, right in
            if left.ranUnusualBinaries != right.ranUnusualBinaries { return left.ranUnusualBinaries }
            if left.priority != right.priority { return left.priority > right.priority }
            if left.alertCount != right.alertCount { return left.alertCount > right.alertCount }
            return Self.bytesPrecede(left.id ?? "", right.id ?? "")
        }
    }

    private static func precedes(_ left: Group, _ right: Group) -> Bool {
        if left.priority != right.priority { return left.priority > right.priority }
        if left.count != right.count { return left.count > right.count }
        if left.rule != right.rule { return bytesPrecede(left.rule, right.rule) }
        if left.containerID != right.containerID {
            return bytesPrecede(left.containerID ?? "", right.containerID ?? "")
        }
        return bytesPrecede(left.exePath ?? "", right.exePath ?? "")
    }

    private static func bytesPrecede(_ left: String, _ right: String) -> Bool {
        left.utf8.lexicographicallyPrecedes(right.utf8)
    }
}

/// A triage time: an instant, or a plain-text time without a zone, kept as written.
package enum TriageTime: Sendable, Hashable {
    case zoned(AlertTime)
    // Boxed: a time of day is rare in a stream, and every group holds two of these.
    indirect case unzoned(UnzonedTime)

    /// The time exactly as the alert wrote it.
    package var text: String {
        switch self {
        case .zoned(let time): time.text
        case .unzoned(let time): time.text
        }
    }

    /// Whether the time names its zone; a time of day from Falco's plain text does not.
    package var isZoneKnown: Bool {
        if case .zoned = self { return true }
        return false
    }

    /// The text with `(zone unknown)` after a time without a zone, for people to read.
    package var labelled: String {
        switch self {
        case .zoned(let time): time.text
        case .unzoned(let time): time.description
        }
    }

    /// Whether this time should replace `other` as the earliest: a zoned time replaces an unzoned one; times of
    /// the same kind compare as written.
    func isBefore(_ other: TriageTime) -> Bool { replaces(other, asEarliest: true) }

    /// Whether this time should replace `other` as the latest, by the same rule.
    func isAfter(_ other: TriageTime) -> Bool { replaces(other, asEarliest: false) }

    private func replaces(_ other: TriageTime, asEarliest: Bool) -> Bool {
        switch (self, other) {
        case (.zoned(let left), .zoned(let right)): asEarliest ? left.isBefore(right) : right.isBefore(left)
        case (.unzoned(let left), .unzoned(let right)): asEarliest ? left.isBefore(right) : right.isBefore(left)
        case (.zoned, .unzoned): true
        case (.unzoned, .zoned): false
        }
    }

    /// Whether both are the same instant (zoned) or the same time as written (unzoned).
    func isSame(as other: TriageTime) -> Bool {
        switch (self, other) {
        case (.zoned(let left), .zoned(let right)): left.isSameInstant(as: right)
        case (.unzoned(let left), .unzoned(let right)): !left.isBefore(right) && !right.isBefore(left)
        default: false
        }
    }
}
