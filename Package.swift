// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "signtool",
    // Linux (Debian 12) only: the file layer uses Linux system calls (O_TMPFILE, linkat
    // through /proc), so no Apple platform is declared.
    products: [
        .executable(name: "signtool", targets: ["signtool"]),
        .library(name: "Findings", targets: ["Findings"]),
        .library(name: "SignService", targets: ["SignService"]),
        .library(name: "TrustServices", targets: ["TrustServices"]),
        .library(name: "WebAPI", targets: ["WebAPI"]),
        .library(name: "AuditLog", targets: ["AuditLog"]),
        .library(name: "DocStore", targets: ["DocStore"]),
        .library(name: "RegisteredMail", targets: ["RegisteredMail"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        // Already in the build through Hummingbird; named because WebAPI imports them.
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.5.0"),
        // CRL, OCSP and timestamp requests: non-blocking, over SwiftNIO (and NIOSSL for https).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
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
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The service's own authorities: the CA and its register, the TSA, the OCSP
        // responder and the client tokens. Storage sits behind `AuthorityRegister`; the
        // SQLite implementation (GRDB) is the only one so far.
        .target(
            name: "TrustServices",
            dependencies: [
                "SignService",
                "COpenSSL",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The one audit log of the service (hash-chained entries, timestamped checkpoints),
        // below every module that acts for the service.
        .target(
            name: "AuditLog",
            dependencies: ["SignService", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // Documents, versions, the correspondence register, search and archive packages.
        // The SQL stays behind `StoreDatabase`; SQLite (GRDB) is the one backend so far.
        .target(
            name: "DocStore",
            dependencies: [
                "AuditLog",
                "Findings",
                "SignService",
                "CArchive",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(name: "RegisteredMail", dependencies: ["SignService", "DocStore"]),
        // The HTTP layer: timestamp, OCSP, CRL and CA endpoints (later the API and the
        // verification page), over Hummingbird.
        .target(
            name: "WebAPI",
            dependencies: [
                "AuditLog",
                "Findings",
                "SignService",
                "TrustServices",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        // scripts/benchmark-store.sh: the store filled to a million versions, then queried.
        .executableTarget(
            name: "StoreBenchmark",
            dependencies: ["DocStore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .executableTarget(
            name: "signtool",
            dependencies: [
                "AuditLog",
                "DocStore",
                "Findings",
                "SignService",
                "TrustServices",
                "WebAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SignServiceTests",
            dependencies: [
                "AuditLog",
                "DocStore",
                "Findings",
                "SignService",
                "TrustServices",
                "WebAPI",
                "signtool",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // Helper scripts the tests run with python3, found next to the test sources.
            exclude: ["Support/cms_variants.py", "Support/hostile_http.py", "Support/pyhanko_verify.py", "Support/slow_proxy.py", "Support/openssl_tsa.py"]
        ),
    ]
)
