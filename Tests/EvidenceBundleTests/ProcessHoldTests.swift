import Foundation
import Testing

@testable import EvidenceBundle

#if canImport(Glibc)
    import Glibc
#endif

/// `/proc` recovery reads the process it matched, never one that got its pid later.
@Suite struct ProcessHoldTests {
    /// A fake `/proc` with one process: what `ProcessHold` reads through the folder it holds.
    private func fakeProc(pid: Int, start: UInt64, cgroup: String) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proc-" + UUID().uuidString.prefix(8))
        let folder = root.appendingPathComponent("\(pid)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try writeStat(folder, start: start)
        try Data(cgroup.utf8).write(to: folder.appendingPathComponent("cgroup"))
        try Data("ELF bytes".utf8).write(to: folder.appendingPathComponent("exe"))
        return root
    }

    private func writeStat(_ folder: URL, start: UInt64) throws {
        // The command name holds a ") " to show fields are counted after the last parenthesis.
        let fields = (3...52).map { $0 == 22 ? String(start) : "0" }.joined(separator: " ")
        try? FileManager.default.removeItem(at: folder.appendingPathComponent("stat"))
        try Data("4242 (evil) 1 2) \(fields)\n".utf8).write(to: folder.appendingPathComponent("stat"))
    }

    private let container = "0a8f2c69d33fce48dd81f9b1a8ef9b1513feb6bc7e78cfe357efa16ac8a1d01f"

    @Test func `a process is held only when its cgroup names the container`() throws {
        let proc = try fakeProc(pid: 4242, start: 777, cgroup: "0::/system.slice/docker-\(container).scope\n")
        defer { try? FileManager.default.removeItem(at: proc) }
        let hold = try ProcessHold(pid: 4242, containerID: String(container.prefix(12)), proc: proc.path)
        #expect(hold.startTime == 777)
        #expect(hold.isStill(containerID: container))
        #expect(throws: ProcessHold.Refusal.self) {
            _ = try ProcessHold(pid: 4242, containerID: "ffffffffffff", proc: proc.path)
        }
        #expect(throws: ProcessHold.Refusal.self) { _ = try ProcessHold(pid: 4242, containerID: "", proc: proc.path) }
    }

    @Test func `recovery takes the hold made when the process was matched, and refuses a pid reused since`() throws {
        let proc = try fakeProc(pid: 4242, start: 777, cgroup: "0::/docker/\(container)\n")
        defer { try? FileManager.default.removeItem(at: proc) }
        let journal = CollectionJournal(progress: nil)
        // Matched by the investigation: held now, through the fake /proc.
        journal.hold(pids: [4242, 4343], containerID: container, proc: proc.path)
        #expect(journal.heldProcess(4343) == nil)
        let held = try Collector.held(4242, containerID: container, journal: journal)
        #expect(held === journal.heldProcess(4242))
        // Never matched: nothing is opened by number later.
        #expect(throws: ProcessHold.Refusal.self) { _ = try Collector.held(4343, containerID: container, journal: journal) }
        // The pid now belongs to a process started later: the hold made at match time tells.
        try writeStat(proc.appendingPathComponent("4242"), start: 999)
        #expect(throws: ProcessHold.Refusal.self) { _ = try Collector.held(4242, containerID: container, journal: journal) }
    }

    @Test func `a pid reused by another process is noticed: another start time, another cgroup`() throws {
        let proc = try fakeProc(pid: 4242, start: 777, cgroup: "0::/docker/\(container)\n")
        defer { try? FileManager.default.removeItem(at: proc) }
        let hold = try ProcessHold(pid: 4242, containerID: container, proc: proc.path)
        let folder = proc.appendingPathComponent("4242")
        try writeStat(folder, start: 999)
        #expect(!hold.isStill(containerID: container))
        try writeStat(folder, start: 777)
        try Data("0::/user.slice\n".utf8).write(to: folder.appendingPathComponent("cgroup"))
        #expect(!hold.isStill(containerID: container))
    }

    @Test func `a real process that ended cannot be read through its hold, whatever has its pid now`() throws {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("30"), nil]
        defer { for pointer in argv { free(pointer) } }
        #expect(posix_spawn(&pid, "/bin/sleep", nil, nil, argv, environ) == 0)
        // Our own cgroup is the child's: hold it by the id-like part of it, or skip where there is none.
        let cgroup = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
        let word = cgroup.split(whereSeparator: { !$0.isHexDigit }).map(String.init).first { $0.count >= 12 }
        guard let word else {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            return
        }
        let hold = try ProcessHold(pid: Int(pid), containerID: word)
        let file = try hold.openExecutable()
        close(file)
        #expect(hold.isStill(containerID: word))
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        #expect(!hold.isStill(containerID: word))
        #expect(throws: ProcessHold.Refusal.self) { _ = try hold.openExecutable() }
    }
}
