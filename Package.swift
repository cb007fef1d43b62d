// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "signtool",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "signtool", targets: ["signtool"]),
        .library(name: "SignService", targets: ["SignService"]),
        .library(name: "DocStore", targets: ["DocStore"]),
        .library(name: "RegisteredMail", targets: ["RegisteredMail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // OpenSSL 3 (libssl-dev) is the only crypto engine; macros and variadic functions
        // that Swift cannot import get `static inline` wrappers in shim.h.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .target(name: "SignService", dependencies: ["COpenSSL"]),
        .target(name: "DocStore", dependencies: ["SignService"]),
        .target(name: "RegisteredMail", dependencies: ["SignService", "DocStore"]),
        .executableTarget(
            name: "signtool",
            dependencies: [
                "SignService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "SignServiceTests",
            dependencies: ["SignService", "signtool"]
        ),
    ]
)
