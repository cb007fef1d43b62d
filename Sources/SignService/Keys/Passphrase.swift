/// A passphrase that protects a private key or PKCS#12 file.
///
/// It is never printed: `description` is redacted, so it cannot leak into logs or errors.
public struct Passphrase: Sendable, CustomStringConvertible {
    let bytes: [UInt8]

    public init(_ text: String) { bytes = Array(text.utf8) }
    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Reads a passphrase file: the first line, without its line ending.
    public init(fileContents: [UInt8]) {
        var line = fileContents
        if let newline = line.firstIndex(where: { $0 == 0x0A || $0 == 0x0D }) {
            line = Array(line[..<newline])
        }
        bytes = line
    }

    public var isEmpty: Bool { bytes.isEmpty }
    public var description: String { "<passphrase>" }

    /// Runs `body` with the passphrase as a NUL-terminated C string.
    func withCString<T>(_ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        var buffer = bytes.map { CChar(bitPattern: $0) } + [0]
        defer { for index in buffer.indices { buffer[index] = 0 } }
        return try buffer.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }
}
