import Foundation
import PackagePlugin

/// Writes `BuildStamp.swift` (the commit and the build date `--version` shows) before each build of the
/// executable. The script rewrites the file only when its content changes, so builds stay incremental;
/// outside a git checkout (a source tarball) the commit reads `unknown` and the build still succeeds.
@main
struct BuildStamp: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.pluginWorkDirectoryURL.appending(path: "Stamp")
        let package = context.package.directoryURL
        return [
            .prebuildCommand(
                displayName: "Stamping \(target.name) with its commit and build date",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    package.appending(path: "scripts/build-stamp.sh").path, package.path,
                    folder.appending(path: "BuildStamp.swift").path,
                ],
                outputFilesDirectory: folder)
        ]
    }
}
