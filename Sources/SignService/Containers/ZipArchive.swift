internal import CArchive
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Limits applied when reading a container that came from outside: a ZIP bomb or a
/// hostile path is refused with a clear error before it costs memory or disk.
public struct ContainerLimits: Sendable {
    /// Largest uncompressed size of one entry.
    public var maximumEntrySize: Int64 = 2 << 30
    /// Largest uncompressed size of all entries together.
    public var maximumTotalSize: Int64 = 8 << 30
    /// Largest ratio of uncompressed bytes to the container's size on disk.
    public var maximumRatio: Int64 = 200
    /// Most entries.
    public var maximumEntries = 10_000
    /// Largest META-INF entry (manifests and signatures are read into memory).
    public var maximumMetadataSize = 16 << 20
    public init() {}
}

/// libarchive converts entry names through the thread's locale; in the C locale it
/// cannot represent Arabic names, so reading and writing run under C.UTF-8 (per thread).
enum UTF8Locale {
    static func enter() -> (previous: locale_t?, own: locale_t?) {
        guard let own = newlocale(LC_CTYPE_MASK, "C.UTF-8", nil) else { return (nil, nil) }
        return (uselocale(own), own)
    }

    static func leave(_ state: (previous: locale_t?, own: locale_t?)) {
        guard let own = state.own else { return }
        uselocale(state.previous)
        freelocale(own)
    }
}

/// Writes a ZIP file through libarchive.
final class ZipWriter {
    private let archive: OpaquePointer
    private var closed = false
    /// The whole life of the writer runs under C.UTF-8, so names are written as UTF-8
    /// with the ZIP "language encoding" flag set. Used on one thread only.
    private let locale: (previous: locale_t?, own: locale_t?)

    /// Opens `path` (created, truncated) for writing.
    init(path: String) throws {
        locale = UTF8Locale.enter()
        guard let archive = archive_write_new() else {
            UTF8Locale.leave(locale)
            throw SignServiceError.io("cannot allocate a ZIP writer")
        }
        self.archive = archive
        guard archive_write_set_format_zip(archive) == ARCHIVE_OK,
              archive_write_open_filename(archive, path) == ARCHIVE_OK else {
            let reason = Self.errorText(archive)
            archive_write_free(archive)
            closed = true
            UTF8Locale.leave(locale)
            throw SignServiceError.io("\(path): cannot write the container: \(reason)")
        }
    }

    deinit {
        if !closed {
            archive_write_free(archive)
            UTF8Locale.leave(locale)
        }
    }

    /// Adds one regular file. `compress` false stores it (the ASiC mimetype entry).
    func add(name: String, size: Int64, compress: Bool, modified: Date = Date(),
             write: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws {
        let compression = compress ? archive_write_zip_set_compression_deflate(archive) : archive_write_zip_set_compression_store(archive)
        guard compression == ARCHIVE_OK, let entry = archive_entry_new() else {
            throw SignServiceError.io("cannot prepare the ZIP entry \(name): \(Self.errorText(archive))")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_size(entry, size)
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, 0o644)
        archive_entry_set_mtime(entry, time_t(modified.timeIntervalSince1970), 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw SignServiceError.io("cannot write the ZIP entry \(name): \(Self.errorText(archive))")
        }
        var written: Int64 = 0
        try write { piece in
            guard piece.count > 0 else { return }
            let n = archive_write_data(archive, piece.baseAddress, piece.count)
            guard n == piece.count else { throw SignServiceError.io("cannot write \(name) into the container: \(Self.errorText(self.archive))") }
            written += Int64(n)
        }
        guard written == size else { throw SignServiceError.io("\(name) changed size while it was added (\(written) of \(size) bytes)") }
        guard archive_write_finish_entry(archive) == ARCHIVE_OK else {
            throw SignServiceError.io("cannot finish the ZIP entry \(name): \(Self.errorText(archive))")
        }
    }

    func add(name: String, bytes: [UInt8], compress: Bool) throws {
        try add(name: name, size: Int64(bytes.count), compress: compress) { write in
            try bytes.withUnsafeBytes { try write($0) }
        }
    }

    /// Adds a file from disk, streamed in 1 MiB pieces.
    func add(name: String, file path: String) throws {
        let handle = try FileIO.openForReading(path)
        defer { Glibc.close(handle.descriptor) }
        try add(name: name, size: handle.size, compress: true) { write in
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(handle.descriptor, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SignServiceError.io("\(path): read failed: \(FileIO.errnoText())")
                }
                if n == 0 { break }
                try buffer.withUnsafeBytes { try write(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
            }
        }
    }

    func close() throws {
        closed = true
        let status = archive_write_close(archive)
        let reason = Self.errorText(archive)
        archive_write_free(archive)
        UTF8Locale.leave(locale)
        guard status == ARCHIVE_OK else { throw SignServiceError.io("cannot finish the container: \(reason)") }
    }

    static func errorText(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}

/// Reads a ZIP file through libarchive, entry by entry, enforcing ``ContainerLimits``.
enum ZipReader {
    struct Entry {
        let name: String
        let index: Int
    }

    /// Calls `visit` for each entry with a function that streams its data; `visit` may
    /// ignore the data (it is then skipped, still counted against the limits).
    static func read(path: String, limits: ContainerLimits,
                     visit: (Entry, _ stream: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Void) throws {
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileIO.openError(path) }
        let containerSize = max(Int64(info.st_size), 1)
        let restore = UTF8Locale.enter()
        defer { UTF8Locale.leave(restore) }
        guard let archive = archive_read_new() else { throw SignServiceError.io("cannot allocate a ZIP reader") }
        defer { archive_read_free(archive) }
        archive_read_support_format_zip_seekable(archive)
        guard archive_read_open_filename(archive, path, 1 << 16) == ARCHIVE_OK else {
            throw SignServiceError.malformed("\(path): not a ZIP container (\(ZipWriter.errorText(archive)))")
        }
        var total: Int64 = 0
        var index = 0
        var seen = Set<String>()
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else {
                throw SignServiceError.malformed("\(path): damaged ZIP container (\(ZipWriter.errorText(archive)))")
            }
            guard index < limits.maximumEntries else {
                throw SignServiceError.malformed("\(path): more than \(limits.maximumEntries) entries")
            }
            guard let rawName = archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry) else {
                throw SignServiceError.malformed("\(path): an entry has no name")
            }
            let name = String(cString: rawName)
            try checkName(name, container: path)
            guard seen.insert(name).inserted else { throw SignServiceError.malformed("\(path): the entry \(name) appears twice") }
            let type = archive_entry_filetype(entry)
            if type == 0o040000 { index += 1; continue }
            guard type == 0o100000, archive_entry_hardlink(entry) == nil, archive_entry_symlink(entry) == nil else {
                throw SignServiceError.malformed("\(path): the entry \(name) is a link or special file, which a container must not hold")
            }
            if archive_entry_size_is_set(entry) != 0, archive_entry_size(entry) > limits.maximumEntrySize {
                throw SignServiceError.malformed("\(path): the entry \(name) is larger than \(limits.maximumEntrySize >> 20) MiB")
            }
            var entryBytes: Int64 = 0
            var consumed = false
            func stream(_ sink: (UnsafeRawBufferPointer) throws -> Void) throws {
                consumed = true
                var buffer = [UInt8](repeating: 0, count: 1 << 16)
                while true {
                    let n = buffer.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                    if n == 0 { break }
                    guard n > 0 else {
                        throw SignServiceError.malformed("\(path): cannot read the entry \(name) (\(ZipWriter.errorText(archive)))")
                    }
                    entryBytes += Int64(n)
                    total += Int64(n)
                    if entryBytes > limits.maximumEntrySize {
                        throw SignServiceError.malformed("\(path): the entry \(name) is larger than \(limits.maximumEntrySize >> 20) MiB")
                    }
                    if total > limits.maximumTotalSize {
                        throw SignServiceError.malformed("\(path): the entries total more than \(limits.maximumTotalSize >> 20) MiB")
                    }
                    if total > containerSize * limits.maximumRatio && total > 1 << 20 {
                        throw SignServiceError.malformed("\(path): the entries expand more than \(limits.maximumRatio) times the container's size (a ZIP bomb?)")
                    }
                    try buffer.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                }
            }
            try visit(Entry(name: name, index: index), stream)
            if !consumed { try stream { _ in } }
            index += 1
        }
    }

    /// Refuses absolute paths, `..` components, backslashes and empty components.
    static func checkName(_ name: String, container: String) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if name.hasPrefix("/") || name.contains("\\") || name.isEmpty
            || components.contains("..") || components.dropLast().contains("") {
            throw SignServiceError.malformed("\(container): the entry name '\(name)' is not allowed (absolute path, '..' or empty component)")
        }
    }
}
