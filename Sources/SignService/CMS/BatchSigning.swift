import Foundation
import Synchronization

/// Where the signatures of a batch are written: `FILE.p7s` next to each `FILE`, the one
/// file `out` (for a single document), or `DIRECTORY/NAME.p7s` for each document `NAME`.
public struct SignatureOutputNaming: Sendable, Equatable {
    /// The output of the only document.
    public var out: String?
    /// The directory that receives every signature.
    public var directory: String?

    public init(out: String? = nil, directory: String? = nil) {
        self.out = out
        self.directory = directory
    }

    /// The signature file for the document at `file`.
    public func outputPath(for file: String) -> String {
        if let out { return out }
        let name = (file.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? file) + ".p7s"
        if let directory { return directory.hasSuffix("/") ? directory + name : directory + "/" + name }
        return file + ".p7s"
    }

    /// The signature files for `files`, in order; refused when two documents would write
    /// the same signature (two documents of one name signed into one directory).
    public func outputPaths(for files: [String]) throws(OutputNameCollision) -> [String] {
        let outputs = files.map(outputPath(for:))
        var seen: [String: Int] = [:]
        for (index, output) in outputs.enumerated() {
            if let first = seen[output] { throw OutputNameCollision(output: output, files: [files[first], files[index]]) }
            seen[output] = index
        }
        return outputs
    }
}

/// Two documents of a batch would write the same signature file.
public struct OutputNameCollision: Error, Sendable, CustomStringConvertible {
    /// The signature file both would write.
    public let output: String
    /// The two documents.
    public let files: [String]

    public var description: String {
        "two documents have the same name; their signatures would collide in --out-dir"
    }
}

/// What became of each document of a batch signed by ``CAdESSigner/signBatch(_:outputs:replace:progress:)``.
public struct BatchSigningResult: Sendable {
    public struct Failure: Sendable {
        /// The document's position in the batch.
        public let index: Int
        public let file: String
        public let output: String
        public let error: SignServiceError
    }

    public let files: [String]
    public let outputs: [String]
    /// The documents that were not signed, in the batch's order.
    public let failures: [Failure]

    /// The signature files written, in the batch's order: each is complete and durable
    /// (its data and its name are on disk).
    public var written: [String] {
        let failed = Set(failures.map(\.index))
        return outputs.indices.filter { !failed.contains($0) }.map { outputs[$0] }
    }

    public var succeeded: Bool { failures.isEmpty }
}

extension CAdESSigner {
    /// Documents signed at once by ``signBatch(_:outputs:replace:progress:)``: one per core
    /// when signing is all computation (or reads whole documents); more when each signature
    /// mostly waits for a TSA, so the servers' latency overlaps.
    public var batchWidth: Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return usesNetwork && !isEnveloping ? max(16, 4 * cores) : cores
    }

    /// Signs every document of `files` into `outputs[i]` (see ``SignatureOutputNaming``),
    /// ``batchWidth`` at a time. One document's failure does not stop the others: each is
    /// reported with its error. An existing output is left unchanged (and reported) unless
    /// `replace`. Every output appears complete or not at all, and the directories that
    /// hold them are flushed, each once, before this returns: a signature listed as written
    /// survives a power cut. `progress` is called once per document, from any thread.
    public func signBatch(_ files: [String], outputs: [String], replace: Bool = false,
                          progress: (@Sendable () -> Void)? = nil) async -> BatchSigningResult {
        precondition(files.count == outputs.count, "one output per document")
        var failed: [BatchSigningResult.Failure] = []
        if !usesNetwork {
            // Level B is all computation: every core at once, no task per document.
            let failures = Mutex<[BatchSigningResult.Failure]>([])
            DispatchQueue.concurrentPerform(iterations: files.count) { index in
                if let failure = signOne(index, files[index], into: outputs[index], replace: replace) {
                    failures.withLock { $0.append(failure) }
                }
                progress?()
            }
            failed = failures.withLock { $0 }
        } else {
        await withTaskGroup(of: BatchSigningResult.Failure?.self) { group in
            var next = 0
            func startNext() {
                guard next < files.count else { return }
                let index = next
                next += 1
                group.addTask { await self.signOne(index, files[index], into: outputs[index], replace: replace) }
            }
            for _ in 0..<min(batchWidth, files.count) { startNext() }
            for await failure in group {
                if let failure { failed.append(failure) }
                progress?()
                startNext()
            }
        }
        }
        var failedIndices = Set(failed.map(\.index))
        // The signatures' names reach the disk before any is reported as written.
        let directoryOf = outputs.map { FileIO.splitPath($0).directory }
        for directory in Set(outputs.indices.filter { !failedIndices.contains($0) }.map { directoryOf[$0] }) {
            do { try FileIO.syncDirectory(of: directory + "/.") } catch {
                let failure = error as? SignServiceError ?? SignServiceError(code: .cryptoFailure, reason: "\(error)")
                for index in outputs.indices where !failedIndices.contains(index) && directoryOf[index] == directory {
                    failed.append(.init(index: index, file: files[index], output: outputs[index], error: failure))
                    failedIndices.insert(index)
                }
            }
        }
        failed.sort { $0.index < $1.index }
        return BatchSigningResult(files: files, outputs: outputs, failures: failed)
    }

    /// One document of a batch at level B; nil when its signature was written.
    private func signOne(_ index: Int, _ file: String, into output: String, replace: Bool) -> BatchSigningResult.Failure? {
        do {
            let signature = try signWithoutNetwork(fileAt: file)
            // Each directory is flushed once by the batch, not once per file.
            try FileIO.writeAtomically(signature, to: output, replace: replace, syncDirectory: false)
            return nil
        } catch {
            return failure(error, index, file, output)
        }
    }

    /// One document of a batch that waits for a TSA; nil when its signature was written.
    private func signOne(_ index: Int, _ file: String, into output: String, replace: Bool) async -> BatchSigningResult.Failure? {
        do {
            let signature = try await sign(fileAt: file)
            try FileIO.writeAtomically(signature, to: output, replace: replace, syncDirectory: false)
            return nil
        } catch {
            return failure(error, index, file, output)
        }
    }

    private func failure(_ error: any Error, _ index: Int, _ file: String, _ output: String) -> BatchSigningResult.Failure {
        switch error {
        case let error as SignServiceError where error.code == .outputExists:
            return .init(index: index, file: file, output: output, error: SignServiceError(code: .outputExists,
                reason: "\(output) already exists and was left unchanged; use --force to replace it or --add-to to co-sign"))
        case let error as SignServiceError:
            return .init(index: index, file: file, output: output, error: error)
        default:
            return .init(index: index, file: file, output: output, error: SignServiceError(code: .cryptoFailure, reason: "\(error)"))
        }
    }
}
