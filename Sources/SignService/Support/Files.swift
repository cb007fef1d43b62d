import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File access with the guarantees signtool promises: clear errors for missing or
/// unreadable input, and outputs that appear complete or not at all.
public enum FileIO {
    /// Linux's O_TMPFILE (a macro Swift does not import): `__O_TMPFILE | O_DIRECTORY`.
    private static let openUnnamedFile: Int32 = 0o20000000 | O_DIRECTORY
    /// Linux's AT_EMPTY_PATH, also not imported.
    private static let emptyPathFlag: Int32 = 0x1000

    /// The largest signature file read: an enveloping signature carries its document.
    public static let maximumSignatureSize = (1 << 30) + (16 << 20)

    /// Reads a whole (small) file: signatures, certificates, keys, CRLs.
    public static func read(_ path: String, limit: Int = 256 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw openError(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw SignServiceError.io("\(path): \(errnoText())") }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw SignServiceError.malformed("\(path): is a directory")
        }
        guard Int(info.st_size) <= limit else {
            throw SignServiceError.malformed("\(path): larger than \(limit >> 20) MiB")
        }
        var result = [UInt8]()
        result.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: max(4096, min(Int(info.st_size) + 1, 1 << 20)))
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SignServiceError.io("\(path): read failed: \(errnoText())")
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit {
                throw SignServiceError.malformed("\(path): larger than \(limit >> 20) MiB")
            }
        }
        return result
    }

    /// Writes `bytes` to `path` atomically: the data goes into an unnamed file (O_TMPFILE)
    /// that gets its name only once complete, so a crash never leaves a partial file under
    /// the final name. With `replace == false` an existing file is an error and is never
    /// touched; with `replace == true` it is swapped by rename(2). `exactMode` applies
    /// `mode` regardless of the umask (private keys are always 0600).
    ///
    /// The file's data is on disk (fsync) before it gets its name, and the directory entry
    /// is on disk before this returns, so a reported success survives a power cut. A batch
    /// writer that names many files in one directory may pass `syncDirectory: false` and
    /// call ``syncDirectory(of:)`` once before it reports success.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       exactMode: Bool = false, replace: Bool = false,
                                       syncDirectory: Bool = true) throws {
        try writeAtomicallyUnsynced(bytes, to: path, mode: mode, exactMode: exactMode, replace: replace)
        if syncDirectory { try self.syncDirectory(of: path) }
    }

    /// Flushes the directory that holds `path` (its entries: names made by link or rename).
    public static func syncDirectory(of path: String) throws {
        let directory = splitPath(path).directory
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot flush \(directory): \(errnoText())") }
        defer { close(fd) }
        // Some file systems (and /proc-like ones) cannot flush a directory: EINVAL says so.
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot flush \(directory): \(errnoText())")
        }
    }

    /// Flushes the regular file at `path` (data and size) to disk, and its directory entry.
    package static func syncFile(_ path: String) throws {
        let (fd, _) = try openForReading(path)
        defer { close(fd) }
        try sync(fd, path: path)
        try syncDirectory(of: path)
    }

    /// Flushes an open file's data and size to disk.
    package static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot flush \(path) to disk: \(errnoText())")
        }
    }

    private static func writeAtomicallyUnsynced(_ bytes: [UInt8], to path: String, mode: mode_t,
                                                exactMode: Bool, replace: Bool) throws {
        let (dir, base) = splitPath(path)
        if !replace {
            // One directory operation per file: this is the hot path of batch signing.
            let fd = open(dir, openUnnamedFile | O_WRONLY | O_CLOEXEC, mode)
            if fd >= 0 {
                defer { close(fd) }
                try writeAll(bytes, to: fd, mode: exactMode ? mode : nil, path: path)
                // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; /proc/self/fd works for everyone.
                if linkat(fd, "", AT_FDCWD, path, emptyPathFlag) == 0 { return }
                if errno == EEXIST { throw linkError(path) }
                guard linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 else {
                    throw linkError(path)
                }
                return
            }
            if errno == ENOENT || errno == ENOTDIR { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(dir): no such directory") }
            // File systems without O_TMPFILE fall through to a named temporary file.
        }
        let temporary = "\(dir)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == ENOENT { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(dir): no such directory") }
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(errnoText())")
        }
        defer { unlink(temporary) }
        do {
            defer { close(fd) }
            try writeAll(bytes, to: fd, mode: exactMode ? mode : nil, path: path)
        }
        if replace {
            guard rename(temporary, path) == 0 else { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(errnoText())") }
        } else {
            // link(2) fails if the target exists, so nothing is ever overwritten.
            guard link(temporary, path) == 0 else { throw linkError(path) }
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, mode: mode_t?, path: String) throws {
        if let mode, fchmod(fd, mode) != 0 { throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(errnoText())") }
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SignServiceError.io("cannot write \(path): \(errnoText())")
                }
                offset += n
            }
        }
        try sync(fd, path: path)
    }

    private static func linkError(_ path: String) -> SignServiceError {
        if errno == EEXIST {
            return SignServiceError(code: .outputExists, reason: "\(path) already exists; it was left unchanged")
        }
        return SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(errnoText())")
    }

    /// Directory and last component of a path ("." for a bare name); cheaper than
    /// NSString's path methods, which matters when thousands of files are written.
    package static func splitPath(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.utf8.lastIndex(of: UInt8(ascii: "/")) else { return (".", path) }
        let directory = String(path[..<slash])
        return (directory.isEmpty ? "/" : directory, String(path[path.index(after: slash)...]))
    }

    /// Opens a regular file for reading; the caller closes the descriptor.
    package static func openForReading(_ path: String) throws -> (descriptor: Int32, size: Int64) {
        // O_NONBLOCK: opening a FIFO (or a device that waits) must not hang before the check.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw openError(path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { close(fd); throw SignServiceError.io("\(path): \(errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else { close(fd); throw SignServiceError.malformed("\(path): not a regular file") }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return (fd, Int64(info.st_size))
    }

    /// The first `count` bytes of a regular file (fewer if it is shorter), and its size.
    package static func peek(_ path: String, count: Int) throws -> (bytes: [UInt8], size: Int64) {
        let (fd, size) = try openForReading(path)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count) }
        guard n >= 0 else { throw SignServiceError.io("\(path): read failed: \(errnoText())") }
        return (Array(bytes.prefix(n)), size)
    }

    /// Refuses, from its first bytes, a file that cannot be a DER or PEM structure, or whose
    /// DER header announces another size than the file has: nothing is read whole before.
    static func checkLooksLikeDERorPEM(_ path: String, what: String) throws {
        let (head, size) = try peek(path, count: 64)
        guard !head.isEmpty else { throw SignServiceError.malformed("\(path): empty file, expected \(what)") }
        let text = head.drop { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        if text.starts(with: Array("-----BEGIN".utf8)) || head.starts(with: [0xEF, 0xBB, 0xBF, 0x2D]) { return }
        guard head[0] == 0x30, head.count >= 2 else {
            throw SignServiceError.malformed("\(path): not \(what) (neither DER nor PEM)")
        }
        let first = Int(head[1])
        if first == 0x80 { return }   // BER, indefinite length: OpenSSL's parser decides
        var length: Int64
        var header = 2
        if first < 0x80 {
            length = Int64(first)
        } else {
            let count = first & 0x7F
            guard count <= 8, head.count >= 2 + count else { throw SignServiceError.malformed("\(path): not \(what) (malformed DER length)") }
            length = 0
            for index in 0..<count {
                guard length < Int64.max >> 8 else { throw SignServiceError.malformed("\(path): not \(what) (malformed DER length)") }
                length = length << 8 | Int64(head[2 + index])
            }
            header += count
        }
        let announced = Int64(header) + length
        if announced > size {
            throw SignServiceError.malformed("\(path): not \(what): truncated (its DER header announces \(announced) bytes, the file has \(size))")
        }
        if announced < size {
            throw SignServiceError.malformed("\(path): not \(what): \(size - announced) bytes after its end")
        }
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    package static func openError(_ path: String) -> SignServiceError {
        switch errno {
        case ENOENT, ENOTDIR: return .fileNotFound(path)
        default: return .io("\(path): \(errnoText())")
        }
    }

    package static func errnoText() -> String { String(cString: strerror(errno)) }
}

extension FileIO {
    /// A file being written that has no name yet (O_TMPFILE in the directory it will be
    /// linked into): whatever happens before ``link(as:)``, nothing half-written is ever
    /// visible under a name. For streams too large to hold in memory (DocStore blobs).
    package final class UnnamedFile {
        private var fd: Int32
        private let directory: String

        /// `directory` must exist; the file is created there with `mode`.
        package init(in directory: String, mode: mode_t = 0o600) throws {
            fd = open(directory, openUnnamedFile | O_WRONLY | O_CLOEXEC, mode)
            self.directory = directory
            guard fd >= 0 else {
                throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create a file in \(directory): \(errnoText())")
            }
        }

        deinit { if fd >= 0 { close(fd) } }

        package func write(_ bytes: UnsafeRawBufferPointer) throws {
            var offset = 0
            while offset < bytes.count {
                let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw SignServiceError.io("cannot write in \(directory): \(errnoText())")
                }
                offset += n
            }
        }

        /// Flushes the data (unless `flush` is false: the caller flushes the file system
        /// later, before anything refers to the file), then names the file `path` (in the
        /// same directory's file system). Returns false, leaving nothing behind, when `path`
        /// exists already.
        @discardableResult
        package func link(as path: String, flush: Bool = true) throws -> Bool {
            if flush { try FileIO.sync(fd, path: path) }
            if linkat(fd, "", AT_FDCWD, path, emptyPathFlag) == 0 { return true }
            if errno == EEXIST { return false }
            if linkat(AT_FDCWD, "/proc/self/fd/\(fd)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) == 0 { return true }
            if errno == EEXIST { return false }
            throw SignServiceError(code: .cannotCreateOutput, reason: "cannot create \(path): \(errnoText())")
        }
    }

    /// Reads the regular file at `path` in pieces of at most `chunk` bytes; `body` gets each.
    package static func stream(_ path: String, chunk: Int = 1 << 20, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let (fd, size) = try openForReading(path)
        defer { close(fd) }
        if size > Int64(chunk) { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        let capacity = max(4096, min(Int(size) + 1, chunk))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let n = Glibc.read(fd, buffer, capacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw SignServiceError.io("\(path): read failed: \(errnoText())")
            }
            if n == 0 { return }
            try body(UnsafeRawBufferPointer(start: buffer, count: n))
        }
    }
}
