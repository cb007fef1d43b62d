import SignService

/// The document store for official correspondence: immutable document versions in a
/// content-addressed blob store, the register of incoming and outgoing numbers, Arabic-aware
/// search, a tamper-evident audit log and archive packages.
///
/// Only the namespace exists so far; the store arrives in a later issue (see DESIGN.md).
public enum DocStore {
    /// The digest documents are addressed by, shared with the signing service.
    public static let contentDigest: DigestAlgorithm = .sha256
}
