// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "signtool",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "signtool", targets: ["signtool"]),
        .library(name: "Findings", targets: ["Findings"]),
        .library(name: "SignService", targets: ["SignService"]),
        .library(name: "DocStore", targets: ["DocStore"]),
        .library(name: "RegisteredMail", targets: ["RegisteredMail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
    ],
    targets: [
        // OpenSSL 3 (libssl-dev) is the only crypto engine; macros and variadic functions
        // that Swift cannot import get `static inline` wrappers in shim.h.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        // libarchive (libarchive-dev) reads and writes ASiC-E containers (ZIP).
        .systemLibrary(
            name: "CArchive",
            pkgConfig: "libarchive",
            providers: [.apt(["libarchive-dev"])]
        ),
        // What a validation found, as stable codes with typed parameters, and their wording
        // in English and Arabic. No dependencies: a stored report renders anywhere.
        .target(name: "Findings"),
        .target(
            name: "SignService",
            dependencies: [
                "Findings",
                "COpenSSL",
                "CArchive",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(name: "DocStore", dependencies: ["SignService"]),
        .target(name: "RegisteredMail", dependencies: ["SignService", "DocStore"]),
        // The HTTP layer: timestamp, OCSP, CRL and CA endpoints (later the API and the
        // verification page), over Hummingbird.
        .target(
            name: "WebAPI",
            dependencies: [
                "Findings",
                "SignService",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "signtool",
            dependencies: [
                "Findings",
                "SignService",
                "WebAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "SignServiceTests",
            dependencies: [
                "Findings",
                "SignService",
                "WebAPI",
                "signtool",
            ]
        ),
    ]
)
