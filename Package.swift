// swift-tools-version:6.0
// policyd: a Rego decision daemon for local AI agents.
// Targets follow the design card: Engine (pure Rego), Wire (protocol + client), policyd (daemon + CLI),
// and small C shims for libsystemd, RE2 and zlib.
import PackageDescription

let package = Package(
    name: "policyd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "policyd", targets: ["policyd"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Wire", targets: ["Wire"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-log.git", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", exact: "3.12.3"),
        .package(url: "https://github.com/apple/swift-atomics.git", exact: "1.3.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", exact: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", exact: "6.2.2"),
        .package(url: "https://github.com/attaswift/BigInt.git", exact: "6.0.1"),
    ],
    targets: [
        // libsystemd: sd_notify, sd_listen_fds, sd_journal_sendv.
        .systemLibrary(
            name: "CSystemd",
            path: "Sources/CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // epoll, eventfd, accept4 for the daemon's own socket loop (Server/EventLoop).
        .systemLibrary(
            name: "CEpoll",
            path: "Sources/CEpoll"
        ),
        // zlib for gzip bundles.
        .systemLibrary(
            name: "CZlib",
            path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // A C API over RE2 (C++), so Rego regexes mean what they mean in OPA (Go's RE2 syntax, linear time).
        .target(
            name: "CRE2",
            path: "Sources/CRE2",
            linkerSettings: [.linkedLibrary("re2")]
        ),
        // libcrypto (Debian libssl-dev) for what swift-crypto cannot do: RSA of any size, PSS with
        // any salt (verify) and digest/max salt (sign), PEM private keys of every type, X.509
        // chains, the SHA-224 digest family. Used by the engine and the daemon alike. Loaded with
        // dlopen on first use (copenssl_lazy.h): not linked, so an idle daemon does not map it.
        .target(
            name: "COpenSSL",
            path: "Sources/COpenSSL"
        ),
        .target(
            name: "Engine",
            dependencies: [
                "CRE2",
                "COpenSSL",
                .product(name: "BigInt", package: "BigInt"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/Engine",
            swiftSettings: [.unsafeFlags(["-Ounchecked"] + PolicydReleaseLink.functionSections, .when(configuration: .release))]
        ),
        .target(
            name: "Wire",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Wire",
            swiftSettings: [.unsafeFlags(PolicydReleaseLink.functionSections, .when(configuration: .release))]
        ),
        .executableTarget(
            name: "policyd",
            dependencies: [
                "Engine", "Wire", "CSystemd", "CZlib", "COpenSSL", "CEpoll",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Atomics", package: "swift-atomics"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/policyd",
            swiftSettings: [.unsafeFlags(PolicydReleaseLink.functionSections, .when(configuration: .release))],
            // Release daemon: Swift runtime + Foundation linked statically (no shared-library
            // symbol binding, only the code used is mapped), lld with packed relative relocations
            // (DT_RELR: 20 KB instead of 2.5 MB read at every start) and no exported symbol table.
            // Idle RSS 37 → 29 MiB; with the symbol ordering below 25 → 18 MiB (docs/performance.md).
            // Debug builds (tests, CI) stay dynamic.
            linkerSettings: [.unsafeFlags(PolicydReleaseLink.flags, .when(configuration: .release))]
        ),
        .testTarget(name: "EngineTests", dependencies: ["Engine", .product(name: "Yams", package: "Yams")], path: "Tests/EngineTests"),
        .testTarget(
            name: "WireTests",
            dependencies: ["Wire", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio")],
            path: "Tests/WireTests"),
        .testTarget(
            name: "PolicydTests",
            dependencies: [
                "policyd", "Engine", "Wire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            path: "Tests/PolicydTests"),
    ],
    swiftLanguageModes: [.v6]
)

/// Linker flags of the release `policyd` (see the policyd target). The static Foundation
/// libraries are listed twice because static archives resolve in order and depend on each other.
enum PolicydReleaseLink {
    static let foundation = ["Foundation", "CoreFoundation", "FoundationInternationalization", "_FoundationICU",
                             "FoundationEssentials", "_FoundationCShims", "_FoundationCollections",
                             "swiftSynchronization", "swiftDispatch", "dispatch", "BlocksRuntime"].map { "-l" + $0 }
    /// One section per function in the release build of our own modules, so the ordering moves
    /// single functions (without it a module's non-inline code is one section per file: ordering
    /// one hot function of Evaluator.swift dragged its 7 MiB along).
    static let functionSections = ["-Xfrontend", "-function-sections"]
    /// The functions start-up and request serving run, placed together at the front of .text so
    /// the idle daemon's code occupies a few fault-around windows instead of hundreds
    /// (docs/performance.md, "Idle daemon RSS"; regenerate with scripts/symbol-order/generate.py).
    /// Names lld does not find (code changed since the list was made) are skipped silently: a
    /// stale list costs memory, never correctness.
    static let symbolOrder = ["-Xlinker", "--symbol-ordering-file=" + Context.packageDirectory
                                + "/scripts/symbol-order/policyd.order", "-Xlinker", "--no-warn-symbol-ordering"]
    static let flags = ["-static-stdlib", "-use-ld=lld", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--no-export-dynamic"] + symbolOrder + foundation + foundation + ["-lstdc++"]
}
