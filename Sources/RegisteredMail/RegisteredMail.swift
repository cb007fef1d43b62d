import DocStore
import SignService

/// A registered-mail provider node (ETSI EN 319 522): submission, signed transport envelope,
/// relay over SMTP and signed, timestamped evidence for each event, kept in DocStore.
///
/// Only the namespace exists so far; the provider arrives in a later issue (see DESIGN.md).
public enum RegisteredMail {
    /// Evidence is stored with the document digest DocStore uses.
    public static let evidenceDigest: DigestAlgorithm = DocStore.contentDigest
}
