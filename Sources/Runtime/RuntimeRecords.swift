/// The values a ``ContainerRuntime`` answers with: runtime-neutral, `Sendable`, evolved by adding fields.

/// The runtime's version and storage, as far as it says.
package struct EngineFacts: Sendable, Hashable {
    package var serverVersion: String?
    package var storageDriver: String?
    /// Images and containers live in containerd's store: no overlay paths are exposed.
    package var containerdImageStore: Bool?
    package var isPodman: Bool

    package init(serverVersion: String? = nil, storageDriver: String? = nil, containerdImageStore: Bool? = nil, isPodman: Bool = false) {
        self.serverVersion = serverVersion
        self.storageDriver = storageDriver
        self.containerdImageStore = containerdImageStore
        self.isPodman = isPodman
    }
}

/// One container: identity, configuration, state, security posture and where its layers are.
package struct ContainerRecord: Sendable, Hashable {
    package var id: String
    package var name: String
    /// The image reference it was created from (`Config.Image`), when the runtime says.
    package var configImage: String?
    /// The image id.
    package var imageID: String?
    package var labels: [String: String]
    package var tty: Bool
    package var state: State
    package var restartCount: Int?
    package var posture: ContainerPosture
    package var storage: Storage

    package struct State: Sendable, Hashable {
        package var status: String?
        package var running: Bool
        /// Host pid of the main process, 0 when not running.
        package var pid: Int?
        package var startedAt: String?
        package var finishedAt: String?
        package var startedAtNanoseconds: Int64?

        package init(
            status: String? = nil, running: Bool = false, pid: Int? = nil, startedAt: String? = nil,
            finishedAt: String? = nil, startedAtNanoseconds: Int64? = nil
        ) {
            self.status = status
            self.running = running
            self.pid = pid
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.startedAtNanoseconds = startedAtNanoseconds
        }
    }

    /// Where the root file system's layers are on the runtime's host.
    package struct Storage: Sendable, Hashable {
        package var driver: String?
        /// The writable layer's directory; nil when not exposed.
        package var upperDir: String?
        /// The image layers' directories, uppermost first.
        package var lowerDirs: [String]
        /// The runtime described the root file system as a containerd snapshot, not overlay dirs.
        package var containerdSnapshot: Bool
        /// How the layer dirs were found on the host (`ContainerLayers.how`); nil when nobody looked.
        package var layersFound: String?
        /// What finding them left out or where the sources disagree (`ContainerLayers.notes`).
        package var layerNotes: [String]

        package init(
            driver: String? = nil, upperDir: String? = nil, lowerDirs: [String] = [], containerdSnapshot: Bool = false,
            layersFound: String? = nil, layerNotes: [String] = []
        ) {
            self.driver = driver
            self.upperDir = upperDir
            self.lowerDirs = lowerDirs
            self.containerdSnapshot = containerdSnapshot
            self.layersFound = layersFound
            self.layerNotes = layerNotes
        }
    }

    package init(
        id: String, name: String, configImage: String? = nil, imageID: String? = nil, labels: [String: String] = [:],
        tty: Bool = false, state: State = .init(), restartCount: Int? = nil, posture: ContainerPosture = .init(),
        storage: Storage = .init()
    ) {
        self.id = id
        self.name = name
        self.configImage = configImage
        self.imageID = imageID
        self.labels = labels
        self.tty = tty
        self.state = state
        self.restartCount = restartCount
        self.posture = posture
        self.storage = storage
    }

    /// The 12-character id people and Falco use.
    package var shortID: String { String(id.prefix(12)) }
}

/// A process of the container.
package struct RuntimeProcess: Sendable, Hashable {
    package var pid: Int
    /// `pid` is a pid of the runtime's host (checked), not one inside the container's namespace.
    package var isHostPid: Bool
    package var user: String?
    package var command: String
    /// `/proc/<pid>/exe` as the host shows it, when `isHostPid` and readable.
    package var exeLink: String?

    package init(pid: Int, isHostPid: Bool, user: String?, command: String, exeLink: String? = nil) {
        self.pid = pid
        self.isHostPid = isHostPid
        self.user = user
        self.command = command
        self.exeLink = exeLink
    }
}

/// How a path of the writable layer differs from the image.
package struct LayerChange: Sendable, Hashable {
    package enum Kind: Sendable, Hashable {
        case added, modified, deleted
        /// A kind number the runtime sent that this tool does not know.
        case unknown(Int)
    }

    package var path: String
    package var kind: Kind

    package init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }
}

/// A file's stat, and how much of it reached the sink.
package struct FileRead: Sendable, Hashable {
    package var size: Int64?
    /// `-rwxr-xr-x`.
    package var mode: String?
    package var isRegular: Bool
    /// Every byte of the regular file reached the sink; false for other kinds, or when the answer
    /// held no such member.
    package var complete: Bool
    /// How many bytes reached the sink.
    package var bytesRead: Int64
    /// The request that read it, for the report (`GET /containers/3f2a1b9c4d5e/archive`).
    package var source: String

    package init(size: Int64?, mode: String?, isRegular: Bool, complete: Bool, bytesRead: Int64, source: String) {
        self.size = size
        self.mode = mode
        self.isRegular = isRegular
        self.complete = complete
        self.bytesRead = bytesRead
        self.source = source
    }
}

/// Log lines of a window.
package struct LogExcerpt: Sendable, Hashable {
    package var lines: [Line]
    /// The window held more than was kept, or its stream ended mid-line.
    package var truncated: Bool

    package struct Line: Sendable, Hashable {
        package var time: String?
        /// `stdout`, `stderr`, or `engineError` for an error the runtime wrote into the stream.
        package var stream: String
        package var text: String
        /// The exact bytes, when they are not valid UTF-8.
        package var bytes: [UInt8]?

        package init(time: String?, stream: String, text: String, bytes: [UInt8]? = nil) {
            self.time = time
            self.stream = stream
            self.text = text
            self.bytes = bytes
        }
    }

    package init(lines: [Line], truncated: Bool) {
        self.lines = lines
        self.truncated = truncated
    }
}

/// One entry of the runtime's event history, summarised.
package struct RuntimeEvent: Sendable, Hashable {
    package var time: String
    package var action: String
    package var detail: String

    package init(time: String, action: String, detail: String) {
        self.time = time
        self.action = action
        self.detail = detail
    }
}

/// An image's layers and build history.
package struct ImageRecord: Sendable, Hashable {
    package var id: String
    package var tags: [String]
    package var layerCount: Int
    /// The build steps, newest first (`RUN …`, `COPY …`).
    package var history: [String]

    package init(id: String, tags: [String], layerCount: Int, history: [String]) {
        self.id = id
        self.tags = tags
        self.layerCount = layerCount
        self.history = history
    }
}
