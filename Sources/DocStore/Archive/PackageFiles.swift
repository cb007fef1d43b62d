internal import CArchive
import Foundation
import SignService

/// The container formats a package may take, chosen by the output's name.
public enum PackageFormat: String, Sendable, CaseIterable {
    case tar, tarGzip = "tar.gz", zip

    public init?(fileName: String) {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".tar.gz") || lower.hasSuffix(".tgz") { self = .tarGzip }
        else if lower.hasSuffix(".tar") { self = .tar }
        else if lower.hasSuffix(".zip") { self = .zip }
        else { return nil }
    }
}

/// Writes a package through libarchive, reproducibly: entries in the order given (the
/// caller sorts them), every time fixed, owner 0, mode 0644, gzip without a timestamp or
/// name. The archive is written into an unnamed file and gets its name only when complete.
final class PackageWriter {
    /// Every entry's time: 2000-01-01T00:00:00Z (after ZIP's 1980 epoch).
    static let fixedTime: time_t = 946_684_800
    private let archive: OpaquePointer
    private let file: FileIO.UnnamedFile
    private let path: String
    private var failure: String?
    private var closed = false

    init(path: String, format: PackageFormat) throws {
        let (directory, _) = FileIO.splitPath(path)
        guard FileIO.exists(directory) else {
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(directory): no such directory")
        }
        if FileIO.exists(path) { throw SignServiceError(code: .outputExists, reason: "\(path) already exists; it was left unchanged") }
        file = try FileIO.UnnamedFile(in: directory, mode: 0o644)
        self.path = path
        guard let archive = archive_write_new() else { throw SignServiceError.io("cannot allocate an archive writer") }
        self.archive = archive
        var status: Int32
        switch format {
        case .tar:
            status = archive_write_set_format_pax_restricted(archive)
        case .tarGzip:
            status = archive_write_set_format_pax_restricted(archive)
            if status == ARCHIVE_OK { status = archive_write_add_filter_gzip(archive) }
            // No time and no file name in the gzip header: the same content gives the same bytes.
            if status == ARCHIVE_OK { _ = archive_write_set_filter_option(archive, "gzip", "timestamp", nil) }
        case .zip:
            status = archive_write_set_format_zip(archive)
            if status == ARCHIVE_OK { status = archive_write_zip_set_compression_deflate(archive) }
        }
        // Compressed formats end where their data ends: no padding after the gzip trailer
        // or the ZIP end record. A tar keeps its standard 10240-byte records.
        if status == ARCHIVE_OK && format != .tar { status = archive_write_set_bytes_per_block(archive, 0) }
        guard status == ARCHIVE_OK,
              archive_write_open2(archive, Unmanaged.passUnretained(self).toOpaque(), nil, { _, client, buffer, length in
                  let writer = Unmanaged<PackageWriter>.fromOpaque(client!).takeUnretainedValue()
                  do {
                      try writer.file.write(UnsafeRawBufferPointer(start: buffer, count: length))
                      return length
                  } catch {
                      writer.failure = "\(error)"
                      return -1
                  }
              }, nil, nil) == ARCHIVE_OK else {
            let reason = Self.errorText(archive)
            archive_write_free(archive)
            closed = true
            throw SignServiceError.io("\(path): cannot write the package: \(reason)")
        }
    }

    deinit { if !closed { archive_write_free(archive) } }

    func add(name: String, size: Int64, _ write: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        // libarchive converts names through the thread's locale: C.UTF-8 while it works.
        try UTF8Locale.run { try addEntry(name: name, size: size, write) }
    }

    private func addEntry(name: String, size: Int64, _ write: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        guard let entry = archive_entry_new() else { throw SignServiceError.io("cannot allocate an archive entry") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_size(entry, size)
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        archive_entry_set_mtime(entry, Self.fixedTime, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw SignServiceError.io("cannot write \(name) into the package: \(failure ?? Self.errorText(archive))")
        }
        var written: Int64 = 0
        try write { piece in
            guard piece.count > 0 else { return }
            let n = archive_write_data(archive, piece.baseAddress, piece.count)
            guard n == piece.count else { throw SignServiceError.io("cannot write \(name) into the package: \(self.failure ?? Self.errorText(self.archive))") }
            written += Int64(n)
        }
        guard written == size else { throw SignServiceError.io("\(name) changed size while it was packed") }
        guard archive_write_finish_entry(archive) == ARCHIVE_OK else {
            throw SignServiceError.io("cannot finish \(name) in the package: \(failure ?? Self.errorText(archive))")
        }
    }

    func add(name: String, bytes: [UInt8]) throws {
        try add(name: name, size: Int64(bytes.count)) { write in try bytes.withUnsafeBytes { try write($0) } }
    }

    /// A blob, checked against its hash as it is packed: damaged bytes never go out as good.
    func add(name: String, file source: String, size: Int64, sha256: String) throws {
        try add(name: name, size: size) { write in
            let digest = try ContentDigest.digests(algorithms: [.sha256]) { update in
                try FileIO.stream(source) { piece in
                    try update(piece)
                    try write(piece)
                }
            }[.sha256]!
            guard Hex.lower(digest) == sha256 else {
                throw StoreError.damaged("blob \(sha256) is damaged: its bytes now hash to \(Hex.lower(digest)); no package was written")
            }
        }
    }

    /// Finishes the archive, flushes it and gives it its name.
    func close() throws {
        try UTF8Locale.run { try finish() }
    }

    private func finish() throws {
        closed = true
        let status = archive_write_close(archive)
        let reason = failure ?? Self.errorText(archive)
        archive_write_free(archive)
        guard status == ARCHIVE_OK else { throw SignServiceError.io("cannot finish the package \(path): \(reason)") }
        guard try file.link(as: path) else { throw SignServiceError(code: .outputExists, reason: "\(path) already exists; it was left unchanged") }
        try FileIO.syncDirectory(of: path)
    }

    static func errorText(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// Limits for reading a package that came from outside.
public struct PackageLimits: Sendable {
    public var maximumEntries = 1_000_000
    public var maximumEntrySize: Int64 = 64 << 30
    public var maximumTotalSize: Int64 = 256 << 30
    /// Unpacked bytes per packed byte at most (beyond the first MiB): a bomb is stopped early.
    public var maximumRatio: Int64 = 200
    /// Tag and metadata files (JSON, manifests) are read whole up to this size.
    public var maximumMetadataSize = 256 << 20
    public init() {}
}

/// A file unpacked from a package: its name inside the bag, its SHA-256 (taken as it was
/// written out, so nothing is read twice to check it) and its size.
struct UnpackedFile: Sendable {
    var name: String
    var sha256: String
    var size: Int64
    /// Nil when the file was written out; else it was only read through (a version no
    /// signature needs, when only verifying) and this is its SHA-512, for a sha512 manifest.
    var sha512OfUnwritten: String?
}

/// Unpacks a package into a private directory (always as `bag/`, whatever the package's
/// one top directory is called), refusing what a package must not hold: names outside that
/// directory (absolute, `..`, backslashes, empty components), links, devices, FIFOs,
/// duplicate names, and more bytes than the limits allow.
enum PackageReader {
    /// `write` says, from a file's name inside the bag and its size, whether it is written
    /// out; one that is not is still read through, hashed and counted.
    static func unpack(_ path: String, into directory: String, limits: PackageLimits,
                       write: (String, Int64) -> Bool = { _, _ in true }) throws -> [UnpackedFile] {
        try UTF8Locale.run { try unpackHere(path, into: directory, limits: limits, writeOut: write) }
    }

    private static func unpackHere(_ path: String, into directory: String, limits: PackageLimits,
                                   writeOut: (String, Int64) -> Bool) throws -> [UnpackedFile] {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileIO.openError(path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw SignServiceError.malformed("\(path): not a regular file") }
        let packed = max(Int64(info.st_size), 1)
        guard let archive = archive_read_new() else { throw SignServiceError.io("cannot allocate an archive reader") }
        defer { archive_read_free(archive) }
        archive_read_support_format_tar(archive)
        archive_read_support_format_zip(archive)
        archive_read_support_filter_gzip(archive)
        guard archive_read_open_filename(archive, path, 1 << 16) == ARCHIVE_OK else {
            throw SignServiceError.malformed("\(path): not a package (\(PackageWriter.errorText(archive)))")
        }
        var files: [UnpackedFile] = []
        var seen = Set<String>()
        var total: Int64 = 0
        var base: Substring?
        var entries = 0
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        if mkdir(directory + "/bag", 0o700) != 0 { throw SignServiceError.io("cannot unpack: \(FileIO.errnoText())") }
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw SignServiceError.malformed("\(path): damaged package (\(PackageWriter.errorText(archive)))")
            }
            entries += 1
            guard entries <= limits.maximumEntries else { throw SignServiceError.malformed("\(path): more than \(limits.maximumEntries) entries") }
            guard let raw = archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry) else {
                throw SignServiceError.malformed("\(path): an entry has no name")
            }
            let name = String(cString: raw)
            let shown = DisplayText.printable(name)
            var parts = name.split(separator: "/", omittingEmptySubsequences: false)
            if name.hasSuffix("/") { parts.removeLast() }
            // `./bag/...`, as `tar cf x.tar ./bag` writes it.
            while parts.first == ".", parts.count > 1 { parts.removeFirst() }
            let type = archive_entry_filetype(entry)
            if type == 0o040000 && parts == ["."] { continue }
            guard !name.hasPrefix("/"), !name.contains("\\"), !name.contains("\0"),
                  parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
                throw SignServiceError.malformed("\(path): the entry \(shown) points outside the package (an absolute path, .., or an empty part)")
            }
            // RFC 8493 2: the bag is one base directory, whatever its name.
            if base == nil { base = parts[0] }
            guard parts.count > 1 || type == 0o040000 else {
                throw SignServiceError.malformed("\(path): the entry \(shown) is not inside a directory: a package is one bag directory (RFC 8493 2)")
            }
            guard parts[0] == base else {
                throw SignServiceError.malformed("\(path): the entry \(shown) is outside the package's one top directory (\(DisplayText.printable(String(base ?? "")))/)")
            }
            if type == 0o040000 { continue }
            guard type == 0o100000, archive_entry_hardlink(entry) == nil, archive_entry_symlink(entry) == nil else {
                throw SignServiceError.malformed("\(path): the entry \(shown) is a link, device or other special file, which a package must not hold")
            }
            let inside = parts.dropFirst().joined(separator: "/")
            guard seen.insert(inside).inserted else { throw SignServiceError.malformed("\(path): the entry \(shown) appears twice") }
            if archive_entry_size_is_set(entry) != 0, archive_entry_size(entry) > limits.maximumEntrySize {
                throw SignServiceError.malformed("\(path): the entry \(shown) is larger than the limit")
            }
            // Directories on the way, inside the private directory only.
            var current = directory + "/bag"
            for part in parts.dropFirst().dropLast() {
                current += "/" + part
                if mkdir(current, 0o700) != 0 && errno != EEXIST {
                    throw SignServiceError.io("cannot unpack \(shown): \(FileIO.errnoText())")
                }
            }
            let target = directory + "/bag/" + inside
            let written = writeOut(inside, archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : Int64.max)
            let fd = written ? open(target, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600) : -1
            guard fd >= 0 || !written else { throw SignServiceError.malformed("\(path): cannot unpack \(shown): \(FileIO.errnoText())") }
            defer { if fd >= 0 { close(fd) } }
            var entryBytes: Int64 = 0
            let digests = try ContentDigest.digests(algorithms: written ? [.sha256] : [.sha256, .sha512]) { update in
                while true {
                    let n = archive_read_data(archive, buffer, 1 << 20)
                    if n == 0 { break }
                    guard n > 0 else { throw SignServiceError.malformed("\(path): cannot read \(shown) (\(PackageWriter.errorText(archive)))") }
                    entryBytes += Int64(n)
                    total += Int64(n)
                    if entryBytes > limits.maximumEntrySize { throw SignServiceError.malformed("\(path): the entry \(shown) is larger than the limit") }
                    if total > limits.maximumTotalSize { throw SignServiceError.malformed("\(path): the entries total more than the limit") }
                    if total > (1 << 20) && total > packed * limits.maximumRatio {
                        throw SignServiceError.malformed("\(path): the entries expand more than \(limits.maximumRatio) times the package's size (an archive bomb?)")
                    }
                    let piece = UnsafeRawBufferPointer(start: buffer, count: n)
                    try update(piece)
                    guard written else { continue }
                    var offset = 0
                    while offset < n {
                        let w = write(fd, buffer + offset, n - offset)
                        if w < 0 { if errno == EINTR { continue }; throw SignServiceError.io("cannot unpack \(shown): \(FileIO.errnoText())") }
                        offset += w
                    }
                }
            }
            files.append(UnpackedFile(name: inside, sha256: Hex.lower(digests[.sha256]!), size: entryBytes,
                                      sha512OfUnwritten: written ? nil : digests[.sha512].map { Hex.lower($0) }))
        }
        return files
    }
}
