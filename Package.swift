// swift-tools-version: 6.1
//
// alert-inspect: checks a Falco alert against what the Docker Engine API shows about the container.
// Layout: a thin `alert-inspect` executable over library modules; `CCurl` is the only C surface.

import PackageDescription

let package = Package(
    name: "alert-inspect",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "alert-inspect", targets: ["alert-inspect"])
    ],
    dependencies: [
        // Command-line parsing for the executable only; libraries never import it.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // SHA-256 for evidence hashes: a maintained, audited implementation instead of our own.
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // The CRI's messages are protobuf: Apple's runtime for the code generated from
        // Sources/CRIRuntime/Proto/cri.proto (pure Swift, no code generation at build time).
        .package(url: "https://github.com/apple/swift-protobuf", .upToNextMinor(from: "1.39.0")),
    ],
    targets: [
        // libcurl, found through pkg-config; typed wrappers for its variadic calls live in shim.h.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        // The Docker Engine API client: endpoint resolution, transport, models, stream decoders,
        // recordings. Only Transport/CurlTransport.swift imports CCurl.
        .target(
            name: "DockerEngine",
            dependencies: ["CCurl", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Kubernetes nodes: a CRI client (gRPC over libcurl's HTTP/2, read RPCs only), its protobuf
        // messages, and pure readers of what a CRI runtime answers (verbose info, CRI log files, pods).
        .target(
            name: "CRIRuntime",
            dependencies: ["DockerEngine", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/cri.proto"]
        ),

        // Falco alerts in every shape Falco and falcosidekick emit; triage of alert streams. Pure.
        .target(name: "FalcoAlerts"),

        // Gathers engine evidence for an alert and decides each claim.
        .target(
            name: "Investigation",
            dependencies: ["DockerEngine", "FalcoAlerts", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Text, Markdown and JSON renderings of investigation reports.
        .target(name: "Reporting", dependencies: ["Investigation", "FalcoAlerts", "DockerEngine"]),

        // Hashed, verifiable evidence bundles (`collect`, `verify`).
        .target(
            name: "EvidenceBundle",
            dependencies: [
                "DockerEngine", "FalcoAlerts", "Investigation", "Reporting",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // `watch`: alerts from a followed file, stdin or HTTP, filtered, merged, investigated with bounded
        // concurrency into bundles, every accepted alert journaled and accounted for.
        .target(
            name: "AlertWatch",
            dependencies: [
                "FalcoAlerts", "Investigation", "EvidenceBundle", "DockerEngine",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // What the command line decides without argument parsing: did-you-mean for mistyped commands. Pure.
        .target(name: "CommandLineSupport"),

        // The command line: argument parsing and exit codes, nothing else.
        .executableTarget(
            name: "alert-inspect",
            dependencies: [
                "DockerEngine", "FalcoAlerts", "Investigation", "Reporting", "EvidenceBundle", "AlertWatch",
                "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildStamp"]
        ),

        // Writes the commit and build date that `--version` shows (scripts/build-stamp.sh).
        .plugin(name: "BuildStamp", capability: .buildTool()),

        // Tests
        .target(
            name: "TestSupport", dependencies: ["DockerEngine", "FalcoAlerts", "Investigation"], path: "Tests/TestSupport"
        ),
        .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine", "TestSupport"]),
        .testTarget(name: "FalcoAlertsTests", dependencies: ["FalcoAlerts", "TestSupport"]),
        .testTarget(name: "CRIRuntimeTests", dependencies: ["CRIRuntime", "DockerEngine"]),
        .testTarget(
            name: "InvestigationTests",
            dependencies: ["Investigation", "Reporting", "DockerEngine", "FalcoAlerts", "TestSupport"]
        ),
        .testTarget(
            name: "EvidenceBundleTests",
            dependencies: ["EvidenceBundle", "Investigation", "DockerEngine", "TestSupport"]
        ),
        .testTarget(name: "AlertWatchTests", dependencies: ["AlertWatch", "TestSupport"]),
        .testTarget(name: "CommandLineSupportTests", dependencies: ["CommandLineSupport"]),
        // Runs against the lab engines (`make lab`); required in CI, skipped elsewhere when the lab is down.
        .testTarget(
            name: "LiveTests",
            dependencies: [
                "DockerEngine", "FalcoAlerts", "Investigation", "Reporting", "EvidenceBundle", "CRIRuntime", "TestSupport",
            ]
        ),
    ]
)
