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
package enum UTF8Locale {
    /// Runs `body` with the thread's character type set to C.UTF-8 (libarchive converts
    /// names through it).
    package static func run<T>(_ body: () throws -> T) rethrows -> T {
        let state = enter()
        defer { leave(state) }
        return try body()
    }

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

/// The file libarchive's ZIP output goes to. The first entry is held until complete and
/// written without its extra field and data descriptor (its CRC and sizes go into the
/// local header); the central directory and end records are held until the archive is
/// closed and written with every offset moved back by the bytes taken out.
final class ZipOutput {
    let descriptor: Int32
    private let path: String
    private var firstEntry: [UInt8] = []
    private var firstEntryDone = false
    /// Bytes removed from the first entry.
    private var removed = 0
    /// Bytes received from libarchive before the trailer.
    private var received = 0
    private var trailer: [UInt8]?
    private(set) var failure: String?

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes one piece of libarchive's output; false (with `failure` set) on error.
    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if trailer != nil {
            trailer!.append(contentsOf: bytes)
            return true
        }
        received += bytes.count
        guard !firstEntryDone else { return write(bytes) }
        firstEntry.append(contentsOf: bytes)
        return rewriteFirstEntry()
    }

    func beginTrailer() { trailer = [] }

    /// Writes the central directory and end records with the offsets moved back.
    func finishTrailer() throws {
        guard var trailer, failure == nil else { throw SignServiceError.io("\(path): \(failure ?? "no trailer")") }
        guard firstEntryDone else { throw SignServiceError.io("\(path): the container has no complete first entry") }
        if removed > 0 { try Self.moveOffsets(in: &trailer, by: removed, trailerStart: received) }
        guard trailer.withUnsafeBytes({ write($0) }) else { throw SignServiceError.io("\(path): \(failure ?? "write failed")") }
    }

    /// Once the whole first entry is held: writes it bare, then whatever followed it.
    private func rewriteFirstEntry() -> Bool {
        let e = firstEntry
        guard e.count >= 30 else { return true }
        guard Self.le32(e, 0) == 0x0403_4B50 else { return fail("unexpected output from libarchive (no local header)") }
        let flags = Self.le16(e, 6), nameLength = Self.le16(e, 26), extraLength = Self.le16(e, 28)
        let compressedSize = Self.le32(e, 18)
        guard compressedSize != 0xFFFF_FFFF, compressedSize < 1 << 20 else { return fail("the first entry is too large to rewrite") }
        let dataStart = 30 + nameLength + extraLength
        let dataEnd = dataStart + compressedSize
        let descriptorLength = flags & 0x8 != 0 ? 16 : 0
        guard e.count >= dataEnd + descriptorLength else { return true }
        var header = Array(e[0..<30])
        if descriptorLength > 0 {
            guard Self.le32(e, dataEnd) == 0x0807_4B50 else { return fail("unexpected data descriptor from libarchive") }
            Self.put16(&header, 6, flags & ~0x8)
            header.replaceSubrange(14..<26, with: e[(dataEnd + 4)..<(dataEnd + 16)])
        }
        Self.put16(&header, 28, 0)
        let bare = header + e[30..<(30 + nameLength)] + e[dataStart..<dataEnd]
        removed = extraLength + descriptorLength
        firstEntryDone = true
        firstEntry = []
        let rest = Array(e[(dataEnd + descriptorLength)...])
        return (bare + rest).withUnsafeBytes { write($0) }
    }

    /// Moves back the local-header offsets in the central directory and the directory's
    /// offset in the end records (ZIP64 ones included); clears the first entry's
    /// data-descriptor flag there too.
    static func moveOffsets(in trailer: inout [UInt8], by delta: Int, trailerStart: Int) throws {
        func invalid() -> SignServiceError { SignServiceError.io("unexpected ZIP layout from libarchive") }
        let end = trailer.count - 22
        guard end >= 0, le32(trailer, end) == 0x0605_4B50 else { throw invalid() }
        var position = 0
        while position + 46 <= end, le32(trailer, position) == 0x0201_4B50 {
            let nameLength = le16(trailer, position + 28), extraLength = le16(trailer, position + 30)
            let commentLength = le16(trailer, position + 32)
            let offset = le32(trailer, position + 42)
            if offset == 0 {
                put16(&trailer, position + 8, le16(trailer, position + 8) & ~0x8)
            } else if offset != 0xFFFF_FFFF {
                put32(&trailer, position + 42, offset - delta)
            } else {
                // ZIP64 extra: uncompressed and compressed sizes first when they overflowed.
                var field = position + 46 + nameLength
                let fieldsEnd = field + extraLength
                while field + 4 <= fieldsEnd {
                    let id = le16(trailer, field), size = le16(trailer, field + 2)
                    if id == 1 {
                        var at = field + 4
                        if le32(trailer, position + 24) == 0xFFFF_FFFF { at += 8 }
                        if le32(trailer, position + 20) == 0xFFFF_FFFF { at += 8 }
                        guard at + 8 <= field + 4 + size else { throw invalid() }
                        put64(&trailer, at, le64(trailer, at) - UInt64(delta))
                    }
                    field += 4 + size
                }
            }
            position += 46 + nameLength + extraLength + commentLength
        }
        let directoryOffset = le32(trailer, end + 16)
        if directoryOffset != 0xFFFF_FFFF {
            guard directoryOffset == trailerStart else { throw invalid() }
            put32(&trailer, end + 16, directoryOffset - delta)
        }
        // ZIP64 end record and locator, when libarchive wrote them.
        let locator = end - 20
        if locator >= 56, le32(trailer, locator) == 0x0706_4B50 {
            let record = locator - 56
            guard le32(trailer, record) == 0x0606_4B50, le64(trailer, record + 48) == UInt64(trailerStart) else { throw invalid() }
            put64(&trailer, record + 48, UInt64(trailerStart - delta))
            put64(&trailer, locator + 8, le64(trailer, locator + 8) - UInt64(delta))
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                return fail(FileIO.errnoText())
            }
            done += n
        }
        return true
    }

    private func fail(_ reason: String) -> Bool {
        failure = failure ?? reason
        return false
    }

    static func le16(_ b: [UInt8], _ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
    static func le32(_ b: [UInt8], _ i: Int) -> Int { le16(b, i) | le16(b, i + 2) << 16 }
    static func le64(_ b: [UInt8], _ i: Int) -> UInt64 { UInt64(le32(b, i)) | UInt64(le32(b, i + 4)) << 32 }
    static func put16(_ b: inout [UInt8], _ i: Int, _ v: Int) { b[i] = UInt8(v & 0xFF); b[i + 1] = UInt8((v >> 8) & 0xFF) }
    static func put32(_ b: inout [UInt8], _ i: Int, _ v: Int) { put16(&b, i, v & 0xFFFF); put16(&b, i + 2, (v >> 16) & 0xFFFF) }
    static func put64(_ b: inout [UInt8], _ i: Int, _ v: UInt64) {
        put32(&b, i, Int(v & 0xFFFF_FFFF)); put32(&b, i + 4, Int(v >> 32))
    }
}

/// Writes a ZIP file through libarchive.
///
/// ETSI EN 319 162-1 (A.1, after OCF) wants the first entry, `mimetype`, stored with no
/// extra field, so that its name sits at offset 30 and its content at offset 38 where
/// tools look for the container type. libarchive always adds extended-timestamp and Unix
/// extras and a data descriptor, so its output passes through ``ZipOutput``, which writes
/// the first entry without them and moves every later offset back to match.
final class ZipWriter {
    private let archive: OpaquePointer
    private let output: ZipOutput
    private var closed = false
    /// The whole life of the writer runs under C.UTF-8, so names are written as UTF-8
    /// with the ZIP "language encoding" flag set. Used on one thread only.
    private let locale: (previous: locale_t?, own: locale_t?)

    /// Opens `path` (created, truncated) for writing.
    init(path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SignServiceError(code: .cannotCreateOutput, reason: "\(path): cannot create the container: \(FileIO.errnoText())") }
        output = ZipOutput(descriptor: fd, path: path)
        locale = UTF8Locale.enter()
        guard let archive = archive_write_new() else {
            UTF8Locale.leave(locale)
            Glibc.close(fd)
            throw SignServiceError.io("cannot allocate a ZIP writer")
        }
        self.archive = archive
        // No blocking: every piece reaches ZipOutput as libarchive produces it, so the
        // central directory arrives only when the archive is closed.
        guard archive_write_set_format_zip(archive) == ARCHIVE_OK,
              archive_write_set_bytes_per_block(archive, 0) == ARCHIVE_OK,
              archive_write_open2(archive, Unmanaged.passUnretained(output).toOpaque(), nil, { _, client, buffer, length in
                  let output = Unmanaged<ZipOutput>.fromOpaque(client!).takeUnretainedValue()
                  return output.receive(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : -1
              }, nil, nil) == ARCHIVE_OK else {
            let reason = Self.errorText(archive)
            archive_write_free(archive)
            closed = true
            UTF8Locale.leave(locale)
            Glibc.close(fd)
            throw SignServiceError.io("\(path): cannot write the container: \(reason)")
        }
    }

    deinit {
        if !closed {
            archive_write_free(archive)
            UTF8Locale.leave(locale)
            Glibc.close(output.descriptor)
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
        output.beginTrailer()
        let status = archive_write_close(archive)
        let reason = output.failure ?? Self.errorText(archive)
        archive_write_free(archive)
        UTF8Locale.leave(locale)
        defer { Glibc.close(output.descriptor) }
        guard status == ARCHIVE_OK else { throw SignServiceError.io("cannot finish the container: \(reason)") }
        try output.finishTrailer()
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
        try checkFileTypes(path: path, size: Int64(info.st_size), limits: limits)
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
            if type == 0o040000 {
                // A directory is a name ending in "/" and nothing else: an entry marked as one
                // that holds data would be extracted as a file no signature covers.
                guard name.hasSuffix("/"), archive_entry_size_is_set(entry) == 0 || archive_entry_size(entry) == 0 else {
                    throw SignServiceError.malformed("\(path): the entry \(DisplayText.printable(name)) is marked a directory but is named or filled like a file")
                }
                index += 1
                continue
            }
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
    /// Refuses entries that the central directory marks as anything but a regular file or
    /// a directory (FIFOs, devices, sockets, links). libarchive's ZIP reader reports such
    /// entries as regular files, so the Unix mode in the external attributes is read here.
    static func checkFileTypes(path: String, size: Int64, limits: ContainerLimits) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileIO.openError(path) }
        defer { try? handle.close() }
        func read(at offset: Int64, count: Int) throws -> [UInt8] {
            guard offset >= 0, count >= 0, offset + Int64(count) <= size else {
                throw SignServiceError.malformed("\(path): damaged ZIP container (the central directory lies outside the file)")
            }
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else { throw SignServiceError.malformed("\(path): damaged ZIP container (truncated)") }
            return Array(data)
        }
        let tailLength = Int(min(size, 22 + 65535 + 20))
        let tail = try read(at: size - Int64(tailLength), count: tailLength)
        guard tailLength >= 22, let end = stride(from: tailLength - 22, through: 0, by: -1).first(where: {
            ZipOutput.le32(tail, $0) == 0x06054B50 }) else {
            throw SignServiceError.malformed("\(path): not a ZIP container (no end of central directory)")
        }
        var entries = Int64(ZipOutput.le16(tail, end + 10))
        var directorySize = Int64(ZipOutput.le32(tail, end + 12))
        var directoryOffset = Int64(ZipOutput.le32(tail, end + 16))
        if directoryOffset == 0xFFFFFFFF || directorySize == 0xFFFFFFFF || entries == 0xFFFF {
            // ZIP64: the locator sits just before the end record and names the ZIP64 end record.
            guard end >= 20, ZipOutput.le32(tail, end - 20) == 0x07064B50 else {
                throw SignServiceError.malformed("\(path): damaged ZIP64 container (no end-of-directory locator)")
            }
            let record = try read(at: Int64(ZipOutput.le64(tail, end - 20 + 8) & 0x7FFF_FFFF_FFFF_FFFF), count: 56)
            guard ZipOutput.le32(record, 0) == 0x06064B50 else { throw SignServiceError.malformed("\(path): damaged ZIP64 end record") }
            entries = Int64(ZipOutput.le64(record, 32) & 0x7FFF_FFFF_FFFF_FFFF)
            directorySize = Int64(ZipOutput.le64(record, 40) & 0x7FFF_FFFF_FFFF_FFFF)
            directoryOffset = Int64(ZipOutput.le64(record, 48) & 0x7FFF_FFFF_FFFF_FFFF)
        }
        guard entries <= Int64(limits.maximumEntries) else { throw SignServiceError.malformed("\(path): more than \(limits.maximumEntries) entries") }
        // Each entry's record is 46 bytes plus a name, extra field and comment of at most 64 KiB each.
        guard directorySize <= entries * (46 + 3 * 65535) && directorySize <= 256 << 20 else {
            throw SignServiceError.malformed("\(path): damaged ZIP container (the central directory is implausibly large)")
        }
        let directory = try read(at: directoryOffset, count: Int(directorySize))
        var at = 0
        while at + 46 <= directory.count, ZipOutput.le32(directory, at) == 0x02014B50 {
            let host = directory[at + 5]
            let nameLength = ZipOutput.le16(directory, at + 28)
            let extraLength = ZipOutput.le16(directory, at + 30)
            let commentLength = ZipOutput.le16(directory, at + 32)
            let next: Int = at + 46 + nameLength + extraLength + commentLength
            guard next <= directory.count else { throw SignServiceError.malformed("\(path): damaged ZIP container (central directory)") }
            let uncompressed: Int = ZipOutput.le32(directory, at + 24)
            let attributesLow: Int = ZipOutput.le32(directory, at + 38)
            let entryName = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
            let unixDirectory = (host == 3 || host == 19) && (attributesLow >> 16) & 0o170000 == 0o040000
            if (attributesLow & 0x10 != 0 || unixDirectory) && (!entryName.hasSuffix("/") || uncompressed != 0) {
                throw SignServiceError.malformed("\(path): the entry \(DisplayText.printable(entryName)) is marked a directory but is named or filled like a file")
            }
            // Unix (3) and OS X (19) keep st_mode in the high half of the external attributes.
            if host == 3 || host == 19 {
                let attributes: Int = ZipOutput.le32(directory, at + 38)
                let type: Int = (attributes >> 16) & 0o170000
                if type != 0 && type != 0o100000 && type != 0o040000 {
                    let name = String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)
                    let kinds = [0o010000: "a FIFO", 0o020000: "a character device", 0o060000: "a block device",
                                 0o120000: "a symbolic link", 0o140000: "a socket"]
                    throw SignServiceError.malformed("\(path): the entry \(DisplayText.printable(name)) is \(kinds[type] ?? "a special file"), which a container must not hold")
                }
            }
            at = next
        }
    }

    static func checkName(_ name: String, container: String) throws {
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        if name.hasPrefix("/") || name.contains("\\") || name.isEmpty
            || components.contains("..") || components.dropLast().contains("") {
            throw SignServiceError.malformed("\(container): the entry name '\(name)' is not allowed (absolute path, '..' or empty component)")
        }
    }
}
