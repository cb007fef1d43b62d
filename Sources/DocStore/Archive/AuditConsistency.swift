import AuditLog
import Foundation

/// Whether what a store or a package says of its documents and register items is what its
/// audit log recorded when they were made: every version's hash, size and name, the
/// title and metadata, the state, each signature, each register item. The log is chained
/// and checkpointed; the tables and a package's JSON are not, so they are held to it.
enum AuditConsistency {
    static func problems(documents: [PackagedDocument], register: [RegisterEntry], entries: [AuditEntry]) -> [String] {
        var byObject: [String: [AuditEntry]] = [:]
        for entry in entries { byObject[entry.object, default: []].append(entry) }
        var problems: [String] = []
        for packaged in documents {
            let d = packaged.document
            let log = byObject[d.id] ?? []
            if log.contains(where: { $0.action == "document.imported" }) && !log.contains(where: { $0.action == "document.created" }) {
                continue  // Made in another store: its history is that store's log (kept with the import).
            }
            guard let created = log.first(where: { $0.action == "document.created" })?.detailValues else {
                problems.append("the audit log holds no entry for the creation of \(d.id)")
                continue
            }
            var expected = ["title": d.title, "kind": d.kind, "agency": d.agency, "classification": d.classification]
            for (key, value) in d.metadata { expected["meta." + key] = value }
            if created != expected { problems.append("\(d.id): its title, kind, agency, classification or metadata differ from what the audit log recorded") }
            let added = log.filter { $0.action == "version.added" }.map(\.detailValues)
            if added.count != packaged.versions.count { problems.append("\(d.id): \(packaged.versions.count) versions, the audit log recorded \(added.count)") }
            for (version, details) in zip(packaged.versions, added) {
                if version.document != d.id || details["version"] != String(version.version) || details["sha256"] != version.sha256
                    || details["size"] != String(version.size) || details["name"] != version.name {
                    problems.append("\(d.id) version \(version.version): its hash, size or name differ from what the audit log recorded")
                }
            }
            let attached = log.filter { $0.action == "signature.attached" }.map(\.detailValues)
            if attached.count != packaged.signatures.count {
                problems.append("\(d.id): \(packaged.signatures.count) signatures, the audit log recorded \(attached.count)")
            }
            for (signature, details) in zip(packaged.signatures, attached)
                where signature.document != d.id || details["sha256"] != signature.sha256 || details["version"] != String(signature.version) {
                problems.append("\(d.id): signature \(signature.id) differs from what the audit log recorded")
            }
            let state = log.last(where: { $0.action == "document.state" })?.detailValues["to"] ?? DocumentState.inForce.rawValue
            if state != d.state.rawValue { problems.append("\(d.id): its state is \(d.state.rawValue), the audit log says \(state)") }
            if packaged.history.contains(where: { $0.document != d.id }) { problems.append("\(d.id): its history names another document") }
        }
        for item in register {
            let log = byObject[item.number] ?? []
            if log.contains(where: { $0.action == "register.imported" }) && !log.contains(where: { $0.action == "register.assigned" }) { continue }
            guard let details = log.first(where: { $0.action == "register.assigned" })?.detailValues else {
                problems.append("the audit log holds no entry for register item \(item.number)")
                continue
            }
            if details["subject"] != item.subject || details["from"] != item.from || details["to"] != item.to || details["date"] != item.date
                || details["direction"] != item.direction.rawValue || details["answers"] != item.answers
                || Set((details["documents"] ?? "").split(separator: ",").map(String.init)) != Set(item.documents) {
                problems.append("register item \(item.number) differs from what the audit log recorded")
            }
        }
        return problems
    }
}
