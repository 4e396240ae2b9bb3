import Foundation

extension TriageSummary {
    /// A regular file at least this large is read in two parts at once, one per core.
    static let partedReadThreshold = 4 << 20

    /// Summarises the alerts in `paths` (`-` for standard input), read in order.
    ///
    /// Every path is opened before any is read, so a missing file fails fast. A large regular file is read in
    /// two parts at once (split where one single-line JSON alert ends and the next begins), and the two
    /// summaries are merged: the result is the same as reading it in one pass.
    ///
    /// - Throws: ``AlertParseError`` (`.unreadable`) for a file that cannot be opened or read.
    package static func read(paths: [String]) throws(AlertParseError) -> TriageSummary {
        var inputs: [AlertInput] = []
        do {
            for path in paths { inputs.append(try AlertInput.open(path)) }
        } catch {
            inputs.forEach { $0.close() }
            throw error
        }
        var summary = TriageSummary()
        while !inputs.isEmpty {
            let input = inputs.removeFirst()
            do {
                try summary.read(input)
            } catch {
                inputs.forEach { $0.close() }
                throw error
            }
        }
        return summary
    }

    /// Reads one input, in two parts at once when it is a large regular file in UTF-8.
    mutating func read(_ input: AlertInput) throws(AlertParseError) {
        guard let size = input.regularFileSize, size >= Self.partedReadThreshold,
            let split = try Self.splitPoint(of: input, size: size)
        else {
            return try read(AlertStream(input: input, mode: .triage))
        }
        let second: AlertInput
        do {
            second = try input.reopened(at: split)
        } catch {
            input.close()
            throw error
        }
        let part = PartResult()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            part.result = Result { () throws(AlertParseError) in
                var summary = TriageSummary()
                try summary.read(AlertStream(part: second, range: split..<size, mode: .triage))
                return summary
            }
            done.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        let first = AlertStream(part: input, range: 0..<split, mode: .triage)
        let firstResult = Result { () throws(AlertParseError) in try read(first) }
        done.wait()
        try firstResult.get()
        // swift-format-ignore: NeverForceUnwrap
        // The thread sets the result before it signals.
        var secondSummary = try part.result.unsafelyUnwrapped.get()
        secondSummary.sources = []
        merge(secondSummary, lineOffset: first.linesRead)
    }

    /// Where a second part can start: just after a line that ends a single-line JSON alert (`}`) and before
    /// one that starts another (`{"`), near the middle; `nil` when there is none nearby or the file is not
    /// UTF-8 (its first bytes are a UTF-16 byte-order mark).
    static func splitPoint(of input: AlertInput, size: Int) throws(AlertParseError) -> Int? {
        let window = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: window, alignment: 8)
        defer { buffer.deallocate() }
        // swift-format-ignore: NeverForceUnwrap
        // A non-empty allocation always has an address.
        let base = buffer.baseAddress.unsafelyUnwrapped
        let head = try input.read(into: base, count: 4, at: 0)
        guard head >= 2, !(buffer[0] == 0xFF && buffer[1] == 0xFE), !(buffer[0] == 0xFE && buffer[1] == 0xFF) else {
            return nil
        }
        let middle = size / 2
        let count = try input.read(into: base, count: min(window, size - middle), at: middle)
        var index = 1
        while index + 2 < count {
            if buffer[index] == 0x0A, buffer[index + 1] == UInt8(ascii: "{"), buffer[index + 2] == UInt8(ascii: "\""),
                buffer[index - 1] == UInt8(ascii: "}")
                    || (buffer[index - 1] == 0x0D && index >= 2 && buffer[index - 2] == UInt8(ascii: "}"))
            {
                return middle + index + 1
            }
            index += 1
        }
        return nil
    }

    /// Adds the summary of the input's next part, whose line 1 is line `lineOffset + 1` of the input.
    mutating func merge(_ other: TriageSummary, lineOffset: Int) {
        alertCount += other.alertCount
        badLineCount += other.badLineCount
        for var error in other.badLines.prefix(Self.maximumBadLinesKept - badLines.count) {
            error.line = error.line.map { $0 + lineOffset }
            badLines.append(error)
        }
        sources += other.sources
        for theirs in other.groupList {
            let key = Key(rule: theirs.rule, containerID: theirs.containerID, exePath: theirs.exePath)
            guard let index = groupIndex.find(key) else {
                groupIndex.insert(key, group: groupList.count)
                groupList.append(theirs)
                continue
            }
            var group = groupList[index]
            group.lastFlagsText = nil
            group.count += theirs.count
            if let first = theirs.first, group.first.map({ first.isBefore($0) }) ?? true { group.first = first }
            if let last = theirs.last, group.last.map({ last.isAfter($0) }) ?? true { group.last = last }
            if theirs.priority > group.priority {
                group.priority = theirs.priority
                group.priorityName = theirs.priorityName
            }
            group.flags = group.flags.union(theirs.flags)
            if group.containerName == nil { group.containerName = theirs.containerName }
            groupList[index] = group
        }
    }
}

/// The second part's summary, handed from its thread once, before the semaphore is signalled.
private final class PartResult: @unchecked Sendable {
    var result: Result<TriageSummary, AlertParseError>?
}
