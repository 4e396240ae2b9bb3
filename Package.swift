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

        // The one place that decides what text may reach a terminal or a Markdown ticket. Pure.
        .target(name: "SafeText"),

        // Kubernetes nodes: a CRI client (gRPC over libcurl's HTTP/2, read RPCs only), its protobuf
        // messages, and pure readers of what a CRI runtime answers (verbose info, CRI log files, pods).
        .target(
            name: "CRIRuntime",
            dependencies: ["DockerEngine", .product(name: "SwiftProtobuf", package: "swift-protobuf")],
            exclude: ["Proto/cri.proto"]
        ),

        // Falco alerts in every shape Falco and falcosidekick emit; triage of alert streams. Pure.
        .target(name: "FalcoAlerts", dependencies: ["SafeText"]),

        // The runtime seam: what an investigation needs from a container runtime (`ContainerRuntime`),
        // the values it answers with, and the view of the runtime's host. No implementation, no I/O.
        .target(name: "Runtime"),

        // The Docker Engine API (Docker's and Podman's) as a `ContainerRuntime`; the connection with
        // its recording and replay, the host views, and `doctor`.
        .target(
            name: "DockerRuntime",
            dependencies: [
                "DockerEngine", "Runtime", "Investigation", .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // Gathers evidence for an alert through the runtime seam, decides each claim, assembles the report.
        .target(
            name: "Investigation",
            dependencies: ["Runtime", "FalcoAlerts", .product(name: "Crypto", package: "swift-crypto")]
        ),

        // Text, Markdown and JSON renderings of investigation reports, and of doctor's report.
        .target(name: "Reporting", dependencies: ["Investigation", "Runtime", "SafeText"]),

        // Hashed, verifiable evidence bundles (`collect`, `verify`).
        .target(
            name: "EvidenceBundle",
            dependencies: [
                "DockerEngine", "DockerRuntime", "Runtime", "FalcoAlerts", "Investigation", "Reporting", "SafeText",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // `watch`: alerts from a followed file, stdin or HTTP, filtered, merged, investigated with bounded
        // concurrency into bundles, every accepted alert journaled and accounted for.
        .target(
            name: "AlertWatch",
            dependencies: [
                "FalcoAlerts", "Investigation", "EvidenceBundle", "DockerEngine", "DockerRuntime", "SafeText",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),

        // What the command line decides without argument parsing: did-you-mean for mistyped commands, --since and
        // --until times (as the runtime's instants). Pure.
        .target(name: "CommandLineSupport", dependencies: ["Runtime"]),

        // The command line: argument parsing and exit codes, nothing else.
        .executableTarget(
            name: "alert-inspect",
            dependencies: [
                "DockerEngine", "DockerRuntime", "Runtime", "FalcoAlerts", "Investigation", "Reporting",
                "EvidenceBundle", "AlertWatch", "SafeText", "CommandLineSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            plugins: ["BuildStamp"]
        ),

        // Writes the commit and build date that `--version` shows (scripts/build-stamp.sh).
        .plugin(name: "BuildStamp", capability: .buildTool()),

        // Tests
        .target(
            name: "TestSupport", dependencies: ["DockerEngine", "DockerRuntime", "Runtime", "FalcoAlerts", "Investigation"],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "DockerEngineTests", dependencies: ["DockerEngine", "TestSupport"]),
        .testTarget(name: "FalcoAlertsTests", dependencies: ["FalcoAlerts", "TestSupport"]),
        .testTarget(name: "CRIRuntimeTests", dependencies: ["CRIRuntime", "DockerEngine"]),
        .testTarget(
            name: "InvestigationTests",
            dependencies: [
                "Investigation", "Runtime", "DockerRuntime", "DockerEngine", "FalcoAlerts", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SafeTextTests",
            dependencies: [
                "SafeText", "FalcoAlerts", "Runtime", "Investigation", "Reporting", "EvidenceBundle", "AlertWatch", "TestSupport",
            ]
        ),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting", "Investigation", "DockerEngine", "DockerRuntime", "FalcoAlerts", "SafeText", "TestSupport"]
        ),
        .testTarget(
            name: "EvidenceBundleTests",
            dependencies: ["EvidenceBundle", "Investigation", "DockerEngine", "DockerRuntime", "TestSupport"]
        ),
        .testTarget(name: "AlertWatchTests", dependencies: ["AlertWatch", "DockerEngine", "DockerRuntime", "FalcoAlerts", "TestSupport"]),
        // Runs the built tool as a user would, against fake and hostile engines and recordings. It depends on
        // the executable, so the binary it runs is always the one just built.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["alert-inspect", "DockerEngine", "Reporting", "SafeText", "TestSupport"]
        ),
        .testTarget(name: "CommandLineSupportTests", dependencies: ["CommandLineSupport", "Runtime"]),
        // Runs against the lab engines (`make lab`); required in CI, skipped elsewhere when the lab is down.
        .testTarget(
            name: "LiveTests",
            dependencies: [
                "alert-inspect", "DockerEngine", "DockerRuntime", "FalcoAlerts", "Investigation", "EvidenceBundle", "Runtime",
                "CRIRuntime", "TestSupport",
            ]
        ),
    ]
)
