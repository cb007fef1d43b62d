import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// File access with the guarantees signtool promises: clear errors for missing or
/// unreadable input, and outputs that appear complete or not at all.
public enum FileIO {
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

    /// Writes `bytes` to `path` atomically: a temporary file in the same directory, then
    /// rename. With `replace == false` an existing file is an error and is never touched.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644,
                                       replace: Bool = false) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let dir = directory.isEmpty ? "." : directory
        let temporary = "\(dir)/.\(base).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            if errno == ENOENT { throw SignServiceError.io("\(dir): no such directory") }
            throw SignServiceError.io("cannot create \(path): \(errnoText())")
        }
        var ok = false
        defer {
            if !ok { unlink(temporary) }
        }
        do {
            defer { close(fd) }
            // Keys must be 0600 whatever the umask.
            guard fchmod(fd, mode) == 0 else { throw SignServiceError.io("\(temporary): \(errnoText())") }
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
        }
        if replace {
            guard rename(temporary, path) == 0 else {
                throw SignServiceError.io("cannot create \(path): \(errnoText())")
            }
        } else {
            // link(2) fails if the target exists, so nothing is ever overwritten.
            guard link(temporary, path) == 0 else {
                if errno == EEXIST {
                    throw SignServiceError(code: .outputExists, reason: "\(path) already exists; it was left unchanged")
                }
                throw SignServiceError.io("cannot create \(path): \(errnoText())")
            }
            unlink(temporary)
        }
        ok = true
    }

    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    static func openError(_ path: String) -> SignServiceError {
        switch errno {
        case ENOENT, ENOTDIR: return .fileNotFound(path)
        default: return .io("\(path): \(errnoText())")
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}
