import DockerEngine
import DockerRuntime
import Foundation
import Investigation
import Runtime
import Testing
import TestSupport

/// The mount table of a container process: its root overlay's upper, lower and work dirs for every store.
@Suite struct MountInfoTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var line: String
        var upper: String?
        var lowers: [String]
        var work: String?
        var data: [String] = []
        var index: Bool? = nil
        var metacopy: Bool? = nil
        var volatile = false
        var xino: String? = nil
        var redirectDir: String? = nil
        var others: [String] = ["rw"]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        // Real root mounts from the lab's engines (the lab folder replaced by each engine's default data root).
        Case(
            name: "Docker 20.10, overlay2",
            line: "906 744 0:283 / / rw,relatime master:26 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/SNOXC52NUHPAOYQFJ2722AZGWA:/var/lib/docker/overlay2/l/G4FSKES62TXIGTTYZCJMUC5ILT,upperdir=/var/lib/docker/overlay2/e03049803db9046fb1041c2763cae2213d25f073e7d6f0e1e53d8e38854923e2/diff,workdir=/var/lib/docker/overlay2/e03049803db9046fb1041c2763cae2213d25f073e7d6f0e1e53d8e38854923e2/work",
            upper: "/var/lib/docker/overlay2/e03049803db9046fb1041c2763cae2213d25f073e7d6f0e1e53d8e38854923e2/diff",
            lowers: ["/var/lib/docker/overlay2/l/SNOXC52NUHPAOYQFJ2722AZGWA", "/var/lib/docker/overlay2/l/G4FSKES62TXIGTTYZCJMUC5ILT"],
            work: "/var/lib/docker/overlay2/e03049803db9046fb1041c2763cae2213d25f073e7d6f0e1e53d8e38854923e2/work"),
        Case(
            name: "Docker 26.1, containerd snapshotter",
            line: "378 291 0:129 / / rw,relatime master:10 - overlay overlay rw,lowerdir=/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/2/fs:/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs,upperdir=/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/3/fs,workdir=/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/3/work",
            upper: "/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/3/fs",
            lowers: [
                "/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/2/fs",
                "/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/1/fs",
            ],
            work: "/var/lib/docker/containerd/daemon/io.containerd.snapshotter.v1.overlayfs/snapshots/3/work"),
        Case(
            name: "Podman 4.3, overlay with uuid=on",
            line: "1171 971 0:361 / / rw,relatime - overlay overlay rw,lowerdir=/var/lib/containers/storage/overlay/l/ZBJ4EYT7BGYIKCQFQ75JGB2V24,upperdir=/var/lib/containers/storage/overlay/1390bad17cd70c8fae71b15e18dd7795ec8930f3b04eeb62aa007ff4d311b82e/diff,workdir=/var/lib/containers/storage/overlay/1390bad17cd70c8fae71b15e18dd7795ec8930f3b04eeb62aa007ff4d311b82e/work,uuid=on",
            upper: "/var/lib/containers/storage/overlay/1390bad17cd70c8fae71b15e18dd7795ec8930f3b04eeb62aa007ff4d311b82e/diff",
            lowers: ["/var/lib/containers/storage/overlay/l/ZBJ4EYT7BGYIKCQFQ75JGB2V24"],
            work: "/var/lib/containers/storage/overlay/1390bad17cd70c8fae71b15e18dd7795ec8930f3b04eeb62aa007ff4d311b82e/work",
            others: ["rw", "uuid=on"]),
        // The kernel's escapes: space, tab, newline and backslash in paths; ',' and '=' in option values.
        Case(
            name: "octal escapes in every dir",
            line: #"40 30 0:50 / / rw - overlay overlay rw,lowerdir=/l/with\040space:/l/tab\011here,upperdir=/u/new\012line,workdir=/w/back\134slash\054comma\075equals"#,
            upper: "/u/new\nline", lowers: ["/l/with space", "/l/tab\there"], work: "/w/back\\slash,comma=equals"),
        Case(
            name: "an escaped colon inside a lower dir",
            line: #"40 30 0:50 / / rw - overlay overlay rw,lowerdir=/l/a\134:b:/l/c,upperdir=/u,workdir=/w"#,
            upper: "/u", lowers: ["/l/a:b", "/l/c"], work: "/w"),
        Case(
            name: "index, metacopy, volatile, xino, redirect_dir",
            line: "40 30 0:50 / / rw - overlay overlay rw,lowerdir=/l1:/l2:/l3,upperdir=/u,workdir=/w,index=on,metacopy=on,volatile,xino=auto,redirect_dir=follow,userxattr",
            upper: "/u", lowers: ["/l1", "/l2", "/l3"], work: "/w", index: true, metacopy: true, volatile: true,
            xino: "auto", redirectDir: "follow", others: ["rw", "userxattr"]),
        Case(
            name: "index=off, metacopy=off",
            line: "40 30 0:50 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w,index=off,metacopy=off,xino=off,redirect_dir=nofollow",
            upper: "/u", lowers: ["/l"], work: "/w", index: false, metacopy: false, xino: "off", redirectDir: "nofollow"),
        Case(
            name: "data-only lower layers after ::",
            line: "40 30 0:50 / / rw - overlay overlay rw,lowerdir=/l1:/l2::/d1,upperdir=/u,workdir=/w",
            upper: "/u", lowers: ["/l1", "/l2"], work: "/w", data: ["/d1"]),
        Case(
            name: "lowerdir+ and datadir+ (new mount API)",
            line: "40 30 0:50 / / rw - overlay overlay rw,lowerdir+=/l1,lowerdir+=/l2,datadir+=/d,upperdir=/u,workdir=/w",
            upper: "/u", lowers: ["/l1", "/l2"], work: "/w", data: ["/d"]),
        Case(
            name: "read-only overlay: no upper dir",
            line: "40 30 0:50 / / ro - overlay overlay ro,lowerdir=/l1:/l2",
            upper: nil, lowers: ["/l1", "/l2"], work: nil, others: ["ro"]),
    ]

    @Test(arguments: cases)
    func `the root overlay's dirs and options`(_ c: Case) throws {
        let overlay = try #require(MountInfo.rootOverlay(c.line + "\n"))
        #expect(overlay.upperDir == c.upper)
        #expect(overlay.lowerDirs == c.lowers)
        #expect(overlay.workDir == c.work)
        #expect(overlay.dataDirs == c.data)
        #expect(overlay.index == c.index)
        #expect(overlay.metacopy == c.metacopy)
        #expect(overlay.volatile == c.volatile)
        #expect(overlay.xino == c.xino)
        #expect(overlay.redirectDir == c.redirectDir)
        #expect(overlay.otherOptions == c.others)
    }

    @Test(arguments: ["docker-dropped", "docker26-dropped", "docker26-containerd-dropped", "podman-dropped"])
    func `a whole mount table from the lab: the root is the overlay, nothing else is`(_ name: String) throws {
        let text = try String(contentsOf: Fixture.url("mountinfo/\(name).txt"), encoding: .utf8)
        let entries = MountInfo.parse(text)
        #expect(entries.count == text.split(separator: "\n").count, "every line parses")
        let root = try #require(MountInfo.rootMount(entries))
        #expect(root.mountPoint == "/" && root.fileSystemType == "overlay")
        let overlay = try #require(OverlayMount(root))
        #expect(overlay.upperDir?.hasSuffix(name.contains("containerd") ? "/fs" : "/diff") == true)
        #expect(!overlay.lowerDirs.isEmpty)
        #expect(entries.filter { $0.mountPoint != "/" }.allSatisfy { OverlayMount($0) == nil })
        #expect(entries.contains { $0.mountPoint == "/etc/hosts" && $0.fileSystemType == "ext4" })
    }

    /// What the kernel writes for an overlay option value (`seq_show_option`: `,= \t\n\\` as octal),
    /// after overlayfs kept a lower dir's `:` and `\` escaped with a backslash.
    static func kernelEscaped(_ value: String) -> String {
        var out: [UInt8] = []
        for byte in value.utf8 {
            if ",= \t\n\\".utf8.contains(byte) {
                out += Array(("\\" + String(byte, radix: 8).leftPadded(to: 3)).utf8)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func `any dir names survive the kernel's escaping and overlayfs's colons`() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab/ :\t\n\\,=é.")
        func randomDir() -> String {
            "/" + String((0..<Int.random(in: 1...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! })
        }
        for _ in 0..<500 {
            let upper = randomDir()
            let lowers = (0..<Int.random(in: 1...4, using: &generator)).map { _ in randomDir() }
            // overlayfs's own escaping of a lower dir: a backslash before ':' and '\'.
            let lowerOption = lowers.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ":", with: "\\:") }
                .joined(separator: ":")
            let line = "40 30 0:50 / / rw - overlay overlay rw,lowerdir=\(Self.kernelEscaped(lowerOption)),upperdir=\(Self.kernelEscaped(upper)),workdir=/w"
            let overlay = try #require(MountInfo.rootOverlay(line), "\(line.debugDescription)")
            #expect(overlay.upperDir == upper, "\(line.debugDescription)")
            #expect(overlay.lowerDirs == lowers, "\(line.debugDescription)")
        }
    }

    @Test func `the runtime's root mount is taken, not one a process in the container stacked on it`() throws {
        let text = """
            20 10 0:2 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
            30 20 0:3 / / rw - overlay overlay rw,lowerdir=/fake/l,upperdir=/fake/u,workdir=/fake/w
            """
        #expect(MountInfo.rootOverlay(text)?.upperDir == "/u")
        #expect(MountInfo.rootOverlay("10 1 0:1 / / rw - ext4 /dev/sda rw\n20 10 0:2 / / rw - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w") == nil)
    }

    @Test(arguments: [
        "", "garbage", "1 2 3 4 5 6 7 8 9 10", "x 1 0:1 / / rw - overlay overlay rw,upperdir=/u",
        "1 1 0:1 / / rw - overlay",
    ])
    func `lines that are not mountinfo give no overlay`(_ line: String) {
        #expect(MountInfo.rootOverlay(line) == nil)
    }

    @Test(arguments: [
        (#"plain"#, "plain"), (#"a\040b"#, "a b"), (#"\134"#, "\\"), (#"tail\"#, "tail\\"), (#"\08"#, "\\08"),
        (#"\400"#, "\\400"), (#"\12"#, "\\12"), (#"\303\251"#, "é"),
    ])
    func `octal escapes`(_ escaped: String, _ plain: String) {
        #expect(MountInfo.unescape(escaped) == plain)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Where a container's layers are found: its process's mount table first, the engine's GraphDriver as a check.
@Suite struct ContainerLayersTests {
    /// A host that answers from tables.
    struct TableHost: HostView {
        var texts: [String: String] = [:]
        var infos: [String: HostFileInfo] = [:]
        var links: [String: String] = [:]
        func fileInfo(_ path: String) -> HostFileInfo? { infos[path] }
        func linkTarget(_ path: String) -> String? { links[path] }
        func digest(_ path: String) -> HostDigest? { nil }
        func text(_ path: String, limit: Int) -> String? { texts[path] }
        func entries(_ path: String) -> [String]? { nil }
    }

    static func container(pid: Int?, upper: String?, lower: String? = nil, snapshotter: Bool = false) throws -> ContainerInspect {
        var json: [String: Any] = ["Id": String(repeating: "a", count: 64), "State": ["Pid": pid ?? 0, "Running": pid != nil]]
        if let upper {
            json["GraphDriver"] = ["Name": "overlay2", "Data": ["UpperDir": upper, "LowerDir": lower ?? "/l/1-init/diff:/l/2/diff"]]
        } else if snapshotter {
            json["GraphDriver"] = ["Name": "overlayfs", "Data": NSNull()]
        }
        return try JSONDecoder().decode(ContainerInspect.self, from: JSONSerialization.data(withJSONObject: json))
    }

    static let table = "20 10 0:2 / / rw - overlay overlay rw,lowerdir=/s/2/fs:/s/1/fs,upperdir=/s/3/fs,workdir=/s/3/work\n"

    @Test func `containerd's store: the mount table names what inspect does not`() throws {
        let host = TableHost(texts: ["/proc/42/mountinfo": Self.table])
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: nil, snapshotter: true), host: host)
        #expect(layers.source == .mountTable)
        #expect(layers.upperDir == "/s/3/fs")
        #expect(layers.lowerDirs == ["/s/2/fs", "/s/1/fs"])
        #expect(layers.how.contains("/proc/42/mountinfo") && layers.how.contains("engine names no overlay dirs"))
        #expect(layers.notes.isEmpty)
    }

    @Test func `overlay2: the mount table and GraphDriver agree, and the engine's resolved lower dirs are kept`() throws {
        let table = "20 10 0:2 / / rw - overlay overlay rw,lowerdir=/l/A:/l/B,upperdir=/o/3/diff,workdir=/o/3/work\n"
        let host = TableHost(texts: ["/proc/42/mountinfo": table])
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: "/o/3/diff", lower: "/o/1-init/diff:/o/2/diff"), host: host)
        #expect(layers.source == .mountTable)
        #expect(layers.upperDir == "/o/3/diff")
        #expect(layers.lowerDirs == ["/o/1-init/diff", "/o/2/diff"])
        #expect(layers.how.contains("agreeing with the engine's GraphDriver"))
        #expect(layers.notes.isEmpty)
    }

    @Test func `a disagreement with GraphDriver is reported, and the engine's upper dir is used`() throws {
        let host = TableHost(texts: ["/proc/42/mountinfo": Self.table])
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: "/elsewhere/diff", lower: "/x"), host: host)
        #expect(layers.upperDir == "/elsewhere/diff")
        #expect(layers.lowerDirs == ["/x"])
        #expect(layers.how.contains("disagrees with the engine's GraphDriver"))
        #expect(layers.notes.contains { $0.contains("/elsewhere/diff") && $0.contains("/s/3/fs") })
        #expect(layers.notes.contains { $0.contains("lists 1 lower dirs") && $0.contains(" 2") })
    }

    @Test func `overlay2's short links are followed when the engine names no lower dirs`() throws {
        let table = "20 10 0:2 / / rw - overlay overlay rw,lowerdir=/o/l/A:rel/B,upperdir=/o/3/diff,workdir=/o/3/work\n"
        let symlink = try JSONDecoder().decode(HostFileInfo.self, from: Data(#"""
            {"kind":"symlink","permissions":511,"size":0,"inode":1,"changeTimeNanoseconds":0,"modificationTimeNanoseconds":0,"isWhiteout":false}
            """#.utf8))
        let host = TableHost(texts: ["/proc/42/mountinfo": table], infos: ["/o/l/A": symlink], links: ["/o/l/A": "../2/diff"])
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: nil, snapshotter: true), host: host)
        #expect(layers.lowerDirs == ["/o/2/diff"])
        #expect(layers.notes.contains { $0.contains("1 of the mount table's lower dirs are relative") })
    }

    @Test func `no readable mount table: GraphDriver's data, saying why`() throws {
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: "/o/3/diff"), host: TableHost())
        #expect(layers.source == .graphDriver)
        #expect(layers.upperDir == "/o/3/diff")
        #expect(layers.how.contains("/proc/42/mountinfo) is not readable"))
    }

    @Test func `no host at all (a remote engine): the engine's dirs are kept, to be reported as not visible`() throws {
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: "/o/3/diff"), host: NoHostView())
        #expect(layers.source == .graphDriver && layers.upperDir == "/o/3/diff")
    }

    @Test func `a stopped container on containerd's store: exactly what could not be seen`() throws {
        let layers = ContainerLayers.find(try Self.container(pid: nil, upper: nil, snapshotter: true), host: TableHost())
        #expect(layers.source == .none)
        #expect(layers.upperDir == nil && layers.lowerDirs.isEmpty)
        #expect(layers.notes == [
            "the container is not running, and containerd's image store mounts its layers only while it runs: its upper dir (inode times of the files it wrote) and the image's lower dirs could not be seen"
        ])
    }

    @Test func `a root that is no overlay`() throws {
        let host = TableHost(texts: ["/proc/42/mountinfo": "20 10 0:2 / / rw - btrfs /dev/sda rw\n"])
        let layers = ContainerLayers.find(try Self.container(pid: 42, upper: nil, snapshotter: true), host: host)
        #expect(layers.source == .none)
        #expect(layers.how.contains("btrfs mount, not an overlay"))
        let readOnly = TableHost(texts: ["/proc/42/mountinfo": "20 10 0:2 / / ro - overlay overlay ro,lowerdir=/l1:/l2\n"])
        #expect(ContainerLayers.find(try Self.container(pid: 42, upper: nil, snapshotter: true), host: readOnly).how.contains("overlay without an upper dir"))
    }
}
