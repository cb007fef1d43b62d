import AuditLog
import GRDB

/// The store's tables. Migrations are never edited once shipped; a change is a new one.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("store v1") { db in
            try db.create(table: "setting") { t in
                t.column("key", .text).primaryKey()
                t.column("value", .text).notNull()
            }
            try db.create(table: "document") { t in
                // The search index's rowid; ids are what people and packages use.
                t.autoIncrementedPrimaryKey("seq")
                t.column("id", .text).notNull().unique()
                t.column("title", .text).notNull()
                t.column("kind", .text).notNull()
                t.column("agency", .text).notNull()
                t.column("classification", .text).notNull()
                t.column("state", .text).notNull()
                t.column("supersededBy", .text)
                t.column("createdAt", .text).notNull()
                t.column("createdBy", .text).notNull()
            }
            try db.create(index: "document_filters", on: "document", columns: ["agency", "kind", "state", "createdAt"])
            try db.create(index: "document_created", on: "document", columns: ["createdAt"])
            try db.create(table: "document_meta") { t in
                t.column("document", .text).notNull().references("document", column: "id")
                t.column("key", .text).notNull()
                t.column("value", .text).notNull()
                t.primaryKey(["document", "key"])
            }
            try db.create(table: "version") { t in
                t.column("document", .text).notNull().references("document", column: "id")
                t.column("version", .integer).notNull()
                t.column("sha256", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("mediaType", .text).notNull()
                t.column("name", .text).notNull()
                t.column("author", .text).notNull()
                t.column("createdAt", .text).notNull()
                t.column("note", .text).notNull()
                t.primaryKey(["document", "version"])
            }
            try db.create(index: "version_blob", on: "version", columns: ["sha256"])
            try db.create(table: "signature") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("document", .text).notNull().references("document", column: "id")
                t.column("version", .integer).notNull()
                t.column("sha256", .text).notNull()
                t.column("format", .text).notNull()
                t.column("name", .text).notNull()
                t.column("indication", .text).notNull()
                t.column("report", .text).notNull()
                t.column("attachedAt", .text).notNull()
                t.column("attachedBy", .text).notNull()
            }
            try db.create(index: "signature_document", on: "signature", columns: ["document", "version"])
            try db.create(table: "state_change") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("document", .text).notNull().references("document", column: "id")
                t.column("state", .text).notNull()
                t.column("by", .text)
                t.column("reason", .text).notNull()
                t.column("actor", .text).notNull()
                t.column("time", .text).notNull()
            }
            try db.create(table: "register_counter") { t in
                t.column("agency", .text).notNull()
                t.column("direction", .text).notNull()
                t.column("year", .integer).notNull()
                t.column("last", .integer).notNull()
                t.primaryKey(["agency", "direction", "year"])
            }
            try db.create(table: "register_entry") { t in
                t.column("number", .text).primaryKey()
                t.column("agency", .text).notNull()
                t.column("direction", .text).notNull()
                t.column("year", .integer).notNull()
                t.column("sequence", .integer).notNull()
                t.column("subject", .text).notNull()
                t.column("fromParty", .text).notNull()
                t.column("toParty", .text).notNull()
                // The parties normalised for search (ArabicText).
                t.column("partyKeys", .text).notNull()
                t.column("date", .text).notNull()
                t.column("answers", .text)
                t.column("createdAt", .text).notNull()
                t.column("createdBy", .text).notNull()
                t.uniqueKey(["agency", "direction", "year", "sequence"])
            }
            try db.create(index: "register_answers", on: "register_entry", columns: ["answers"])
            try db.create(table: "register_document") { t in
                t.column("number", .text).notNull().references("register_entry", column: "number")
                t.column("document", .text).notNull().references("document", column: "id")
                t.primaryKey(["number", "document"])
            }
            try db.create(index: "register_document_by_document", on: "register_document", columns: ["document"])
            // Normalised terms (ArabicText.indexTerms), one row per document (rowid = seq).
            try db.execute(sql: "CREATE VIRTUAL TABLE search USING fts5(terms, tokenize = \"unicode61 remove_diacritics 0\")")
        }
        AuditLog.registerMigrations(in: &migrator)
        migrator.registerMigration("store v2: imported audit entries") { db in
            // Entries of another store's log that came with an imported package, by the
            // head hash of the checkpoint that covered them.
            try db.create(table: "imported_audit") { t in
                t.column("origin", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("entry", .text).notNull()
                t.primaryKey(["origin", "sequence"])
            }
        }
        migrator.registerMigration("store v3: search terms split at spaces") { db in
            // The terms are normalised already (letters and digits, one space apart), so
            // FTS5's ascii tokenizer, which splits at ASCII separators only, finds the same
            // tokens as unicode61 at a third of the cost of indexing a document.
            try db.execute(sql: "CREATE VIRTUAL TABLE search_v3 USING fts5(terms, tokenize = 'ascii')")
            try db.execute(sql: "INSERT INTO search_v3 (rowid, terms) SELECT rowid, terms FROM search")
            try db.execute(sql: "DROP TABLE search")
            try db.execute(sql: "ALTER TABLE search_v3 RENAME TO search")
        }
        return migrator
    }
}
