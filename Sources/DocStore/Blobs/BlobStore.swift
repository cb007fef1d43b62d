internal import CArchive
import Foundation
import SignService

/// Content-addressed files: each blob lives at `blobs/sha256/AB/CD/<hex>` under the SHA-256
/// of its bytes, so identical bytes are stored once.
///
/// A blob is streamed into an unnamed file in its final directory's file system, hashed as
/// it goes, flushed to disk, and only then named: whatever happens, no half-written blob
/// ever has a name. A blob named but not yet recorded (the process died in between) is
/// unreferenced, never served, and reported by `store check`. Bytes that no longer match
/// their name are reported as damaged, never served as good.
public struct BlobStore: Sendable {
    public let root: String
    /// Where unnamed files are made before they are linked (same file system as the blobs).
    private var staging: String { root + "/sha256" }

    public init(root: String) throws {
        self.root = root
        try Self.makeDirectory(root)
        try Self.makeDirectory(root + "/sha256")
    }

    /// Where the blob with this hex SHA-256 lives.
    public func path(of sha256: String) -> String {
        let a = sha256.prefix(2), b = sha256.dropFirst(2).prefix(2)
        return "\(root)/sha256/\(a)/\(b)/\(sha256)"
    }

    /// What ``store(fileAt:)`` and ``store(bytes:)`` return.
    public struct Stored: Sendable, Equatable {
        public var sha256: String
        public var size: Int64
        /// Whether the bytes were new (false: the same bytes were stored before).
        public var isNew: Bool
    }

    /// Streams the file at `path` in, in 1 MiB pieces; never holds it whole. With `flush`
    /// false the blob is named without waiting for the disk: the caller must call
    /// ``flushAll()`` before it records anything that refers to the blob (group commit).
    public func store(fileAt path: String, limit: Int64 = Int64.max, flush: Bool = true) throws -> Stored {
        let file = try FileIO.UnnamedFile(in: staging, mode: 0o600)
        var size: Int64 = 0
        let digest = try ContentDigest.digests(algorithms: [.sha256]) { update in
            try FileIO.stream(path) { piece in
                size += Int64(piece.count)
                guard size <= limit else { throw StoreError.invalid("\(path): larger than the store accepts (\(limit) bytes)") }
                try update(piece)
                try file.write(piece)
            }
        }[.sha256]!
        return try name(file, sha256: Hex.lower(digest), size: size, flush: flush)
    }

    /// Stores bytes held in memory (signatures, reports).
    public func store(bytes: [UInt8]) throws -> Stored {
        let file = try FileIO.UnnamedFile(in: staging, mode: 0o600)
        try bytes.withUnsafeBytes { try file.write($0) }
        let digest = try ContentDigest.digest(bytes, algorithm: .sha256)
        return try name(file, sha256: Hex.lower(digest), size: Int64(bytes.count))
    }

    private func name(_ file: FileIO.UnnamedFile, sha256: String, size: Int64, flush: Bool = true) throws -> Stored {
        let target = path(of: sha256)
        let directory = FileIO.splitPath(target).directory
        try Self.makeDirectory(FileIO.splitPath(directory).directory, flush: flush)
        try Self.makeDirectory(directory, flush: flush)
        if FileIO.exists(target) {
            // The same bytes are here already, or bytes that only claim to be: a damaged
            // blob is replaced by these good ones (renamed over it, atomically).
            if check(sha256) == .intact {
                // Named by a group-commit writer (``GroupCommitIngest``) whose batch may not be
                // flushed yet: a writer that acknowledges on its own flushes the bytes it relies on.
                if flush { try FileIO.syncFile(target) }
                return Stored(sha256: sha256, size: size, isNew: false)
            }
            let temporary = target + ".repair-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            guard try file.link(as: temporary) else { throw StoreError.damaged("blob \(sha256) cannot be repaired") }
            guard rename(temporary, target) == 0 else {
                unlink(temporary)
                throw StoreError.damaged("blob \(sha256) cannot be repaired: \(FileIO.errnoText())")
            }
            try FileIO.syncDirectory(of: target)
            return Stored(sha256: sha256, size: size, isNew: true)
        }
        let created = try file.link(as: target, flush: flush)
        if flush { try FileIO.syncDirectory(of: target) }
        return Stored(sha256: sha256, size: size, isNew: created)
    }

    /// Flushes every blob named without flushing (and everything else written to their
    /// file system) to disk: one `syncfs` for a whole batch instead of two fsyncs a blob.
    public func flushAll() throws {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SignServiceError.io("cannot flush \(root): \(FileIO.errnoText())") }
        defer { close(fd) }
        guard syncfs(fd) == 0 else { throw SignServiceError.io("cannot flush \(root) to disk: \(FileIO.errnoText())") }
    }

    /// Copies the blob to `output` (written atomically), checking its hash as it streams:
    /// damaged bytes are never delivered under the output's name.
    public func copy(_ sha256: String, to output: String, replace: Bool = false) throws {
        let source = path(of: sha256)
        guard FileIO.exists(source) else { throw StoreError.damaged("blob \(sha256) is missing from the store") }
        let (directory, _) = FileIO.splitPath(output)
        guard FileIO.exists(directory) else {
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(output): \(directory): no such directory")
        }
        if !replace && FileIO.exists(output) {
            throw SignServiceError(code: .outputExists, reason: "\(output) already exists; it was left unchanged")
        }
        let file = try FileIO.UnnamedFile(in: directory, mode: 0o644)
        let digest = try ContentDigest.digests(algorithms: [.sha256]) { update in
            try FileIO.stream(source) { piece in
                try update(piece)
                try file.write(piece)
            }
        }[.sha256]!
        guard Hex.lower(digest) == sha256 else {
            throw StoreError.damaged("blob \(sha256) is damaged: its bytes now hash to \(Hex.lower(digest)); nothing was written")
        }
        if replace, FileIO.exists(output) {
            let temporary = output + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            guard try file.link(as: temporary) else { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(output)") }
            guard rename(temporary, output) == 0 else {
                unlink(temporary)
                throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(output): \(FileIO.errnoText())")
            }
        } else if try !file.link(as: output) {
            throw SignServiceError(code: .outputExists, reason: "\(output) already exists; it was left unchanged")
        }
        try FileIO.syncDirectory(of: output)
    }

    /// The blob's bytes (small blobs: signatures, reports), checked against their hash.
    public func read(_ sha256: String, limit: Int = 64 << 20) throws -> [UInt8] {
        let source = path(of: sha256)
        guard FileIO.exists(source) else { throw StoreError.damaged("blob \(sha256) is missing from the store") }
        let bytes = try FileIO.read(source, limit: limit)
        guard Hex.lower(try ContentDigest.digest(bytes, algorithm: .sha256)) == sha256 else {
            throw StoreError.damaged("blob \(sha256) is damaged: its bytes no longer match their hash")
        }
        return bytes
    }

    /// Whether the blob is there and its bytes still hash to its name.
    public func check(_ sha256: String) -> BlobCondition {
        let source = path(of: sha256)
        guard FileIO.exists(source) else { return .missing }
        guard let digest = try? ContentDigest.digests(ofFileAt: source, algorithms: [.sha256])[.sha256] else { return .unreadable }
        return Hex.lower(digest) == sha256 ? .intact : .damaged
    }

    /// Every blob's name (hex SHA-256) on disk.
    public func all() -> [String] {
        let base = root + "/sha256"
        var names: [String] = []
        for a in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where a.count == 2 {
            for b in (try? FileManager.default.contentsOfDirectory(atPath: base + "/" + a)) ?? [] where b.count == 2 {
                names += ((try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(a)/\(b)")) ?? []).filter { $0.count == 64 }
            }
        }
        return names.sorted()
    }

    /// Makes a directory (0700) if it is not there; a new one's name is flushed to disk.
    static func makeDirectory(_ path: String, flush: Bool = true) throws {
        if mkdir(path, 0o700) == 0 {
            if flush { try FileIO.syncDirectory(of: path) }
        } else if errno != EEXIST {
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(FileIO.errnoText())")
        }
    }
}

public enum BlobCondition: String, Sendable, Codable {
    case intact, missing, damaged, unreadable
}
