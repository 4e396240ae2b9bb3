/// `GET /exec/{id}/json`: one exec session. The engine forgets it 5–10 minutes after it ends.
package struct ExecInspect: Codable, Sendable, Hashable {
    package struct ProcessConfig: Codable, Sendable, Hashable {
        package var entrypoint: String?
        package var arguments: [String]?
        package var privileged: Bool?
        package var user: String?
        package var tty: Bool?

        package init(entrypoint: String? = nil, arguments: [String]? = nil, privileged: Bool? = nil, user: String? = nil, tty: Bool? = nil) {
            self.entrypoint = entrypoint
            self.arguments = arguments
            self.privileged = privileged
            self.user = user
            self.tty = tty
        }
    }

    package var id: String
    package var running: Bool?
    /// `null` while running.
    package var exitCode: Int?
    package var processConfig: ProcessConfig?
    package var containerID: String?
    /// Host PID; 0 once it ended.
    package var pid: Int?
    package var canRemove: Bool?
    package var detachKeys: String?
    package var openStdin: Bool?
    package var openStdout: Bool?
    package var openStderr: Bool?

    package init(id: String, running: Bool? = nil, exitCode: Int? = nil, processConfig: ProcessConfig? = nil, containerID: String? = nil, pid: Int? = nil) {
        self.id = id
        self.running = running
        self.exitCode = exitCode
        self.processConfig = processConfig
        self.containerID = containerID
        self.pid = pid
    }

    enum CodingKeys: String, CodingKey {
        case id = "ID", running = "Running", exitCode = "ExitCode", processConfig = "ProcessConfig"
        case containerID = "ContainerID", pid = "Pid", canRemove = "CanRemove", detachKeys = "DetachKeys"
        case openStdin = "OpenStdin", openStdout = "OpenStdout", openStderr = "OpenStderr"
    }

    /// The command that was run: entrypoint then arguments.
    package var commandLine: [String] {
        (processConfig?.entrypoint.map { [$0] } ?? []) + (processConfig?.arguments ?? [])
    }
}
