/// The one place the tool's version is written.
enum ToolVersion {
    /// The release number: in reports (`tool.version`), bundles and the engine's User-Agent.
    static let current = "0.1.0"
    /// What `--version` prints: the number, the commit and the build date (from the BuildStamp plugin).
    static let full = "\(current) (commit \(BuildStamp.commit), built \(BuildStamp.date))"
}
