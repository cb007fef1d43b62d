import Foundation
import Testing
@testable import SignService

/// The central-directory rewrite behind the bare ASiC `mimetype` entry, on trailers built
/// byte by byte: the ordinary layout, and the ZIP64 one no test container is large enough
/// to produce.
@Suite("ZIP trailer offsets")
struct ZipOutputTests {
    /// A central-directory entry; `zip64Offset` puts the offset in a ZIP64 extra field.
    func entry(name: String, flags: Int, offset: Int, zip64Offset: UInt64? = nil) -> [UInt8] {
        var header = [UInt8](repeating: 0, count: 46)
        ZipOutput.put32(&header, 0, 0x0201_4B50)
        ZipOutput.put16(&header, 8, flags)
        ZipOutput.put32(&header, 20, 31)
        ZipOutput.put32(&header, 24, 31)
        ZipOutput.put16(&header, 28, name.utf8.count)
        var extra: [UInt8] = []
        if let zip64Offset {
            extra = [UInt8](repeating: 0, count: 12)
            ZipOutput.put16(&extra, 0, 1)
            ZipOutput.put16(&extra, 2, 8)
            ZipOutput.put64(&extra, 4, zip64Offset)
            ZipOutput.put32(&header, 42, 0xFFFF_FFFF)
        } else {
            ZipOutput.put32(&header, 42, offset)
        }
        ZipOutput.put16(&header, 30, extra.count)
        return header + Array(name.utf8) + extra
    }

    func endRecord(directorySize: Int, directoryOffset: Int) -> [UInt8] {
        var end = [UInt8](repeating: 0, count: 22)
        ZipOutput.put32(&end, 0, 0x0605_4B50)
        ZipOutput.put32(&end, 12, directorySize)
        ZipOutput.put32(&end, 16, directoryOffset)
        return end
    }

    @Test("ordinary layout: offsets and the directory's position move back; the first entry loses its descriptor flag")
    func ordinary() throws {
        let directory = entry(name: "mimetype", flags: 0x808, offset: 0) + entry(name: "a.txt", flags: 0x808, offset: 1000)
        var trailer = directory + endRecord(directorySize: directory.count, directoryOffset: 2000)
        try ZipOutput.moveOffsets(in: &trailer, by: 40, trailerStart: 2000)
        #expect(ZipOutput.le16(trailer, 8) == 0x800)
        #expect(ZipOutput.le32(trailer, 42) == 0)
        let second = 46 + "mimetype".utf8.count
        #expect(ZipOutput.le16(trailer, second + 8) == 0x808)
        #expect(ZipOutput.le32(trailer, second + 42) == 960)
        #expect(ZipOutput.le32(trailer, trailer.count - 22 + 16) == 1960)
        // A directory that does not start where the stream says is refused, not patched.
        var wrong = directory + endRecord(directorySize: directory.count, directoryOffset: 2001)
        #expect(throws: SignServiceError.self) { try ZipOutput.moveOffsets(in: &wrong, by: 40, trailerStart: 2000) }
    }

    @Test("ZIP64 layout: the offset in the extra field, the ZIP64 end record and its locator move back")
    func zip64() throws {
        let start = 5_000_000_000
        let directory = entry(name: "mimetype", flags: 0x8, offset: 0)
            + entry(name: "big.bin", flags: 0x8, offset: 0, zip64Offset: 4_500_000_000)
        var record = [UInt8](repeating: 0, count: 56)
        ZipOutput.put32(&record, 0, 0x0606_4B50)
        ZipOutput.put64(&record, 4, 44)
        ZipOutput.put64(&record, 40, UInt64(directory.count))
        ZipOutput.put64(&record, 48, UInt64(start))
        var locator = [UInt8](repeating: 0, count: 20)
        ZipOutput.put32(&locator, 0, 0x0706_4B50)
        ZipOutput.put64(&locator, 8, UInt64(start + directory.count))
        ZipOutput.put32(&locator, 16, 1)
        var trailer = directory + record + locator + endRecord(directorySize: directory.count, directoryOffset: 0xFFFF_FFFF)
        try ZipOutput.moveOffsets(in: &trailer, by: 40, trailerStart: start)
        let second = 46 + "mimetype".utf8.count
        #expect(ZipOutput.le32(trailer, second + 42) == 0xFFFF_FFFF)
        #expect(ZipOutput.le64(trailer, second + 46 + "big.bin".utf8.count + 4) == 4_500_000_000 - 40)
        #expect(ZipOutput.le64(trailer, directory.count + 48) == UInt64(start - 40))
        #expect(ZipOutput.le64(trailer, directory.count + 56 + 8) == UInt64(start + directory.count - 40))
        #expect(ZipOutput.le32(trailer, trailer.count - 22 + 16) == 0xFFFF_FFFF)
    }
}
