/// The one place the tool's version is written.
enum ToolVersion {
    static let current = "0.1.0"
}
