import Foundation

/// Arabic wording for the detail lines of a report ("Problem", "Note"). The library
/// writes them in English, for logs and JSON; this table renders the common ones for a
/// reader of the Arabic report, keeping names, dates and serial numbers as they are.
/// A line it does not know stays in English rather than being guessed.
enum ArabicMessages {
    /// (pattern over the whole English line, Arabic template with $1, $2, ...).
    /// Suffix patterns (`^(.+), after ...$`) translate their first group recursively.
    /// Suffix patterns come first: the patterns they wrap would also match the whole line.
    private static let table: [(NSRegularExpression, String, recursive: Bool)] = [
        (#"^(.+), and nothing proves the signature existed while it was valid$"#, "$1، ولا دليل على أن التوقيع وُجد أثناء سريانها", true),
        (#"^(.+), already at the time of the signature timestamp$"#, "$1، وذلك قبل وقت الختم الزمني للتوقيع", true),
        (#"^(.+), after the signature timestamp$"#, "$1، بعد الختم الزمني للتوقيع", true),
        // Certificates and their paths.
        (#"^revocation status not checked for (.+): no CRL or OCSP answer was given or found$"#,
         "لم يُتحقَّق من إلغاء الشهادة $1: لم تُقدَّم قائمة إلغاء (CRL) ولا جواب OCSP ولم يُعثر عليهما", false),
        (#"^no chain from (.+) to a trusted root: (.+)$"#, "لا توجد سلسلة من $1 إلى جذر موثوق: $2", false),
        (#"^certificate (.+) expired on (.+)$"#, "انتهت صلاحية الشهادة $1 في $2", false),
        (#"^certificate (.+) expired$"#, "انتهت صلاحية الشهادة $1", false),
        (#"^certificate (.+) is not valid before (.+)$"#, "الشهادة $1 لا تسري قبل $2", false),
        (#"^the signer's certificate was revoked on (.+), after the timestamp proves the signature existed \((.+)\)$"#,
         "أُلغيت شهادة الموقِّع في $1، بعد أن أثبت الختم الزمني وجود التوقيع ($2)", false),
        (#"^CA certificate (.+) was revoked on (.+), after the timestamp proves the signature existed \((.+)\)$"#,
         "أُلغيت شهادة جهة التصديق $1 في $2، بعد أن أثبت الختم الزمني وجود التوقيع ($3)", false),
        (#"^the signer's certificate was revoked on (.+), before the signature timestamp$"#,
         "أُلغيت شهادة الموقِّع في $1، قبل الختم الزمني للتوقيع", false),
        (#"^the signer's certificate was revoked on (.+), before the claimed signing time$"#,
         "أُلغيت شهادة الموقِّع في $1، قبل وقت التوقيع المصرَّح به", false),
        (#"^the signer's certificate was revoked on (.+) and nothing proves the signature existed before$"#,
         "أُلغيت شهادة الموقِّع في $1، ولا دليل على أن التوقيع وُجد قبل ذلك", false),
        (#"^CA certificate (.+) was revoked on (.+)$"#, "أُلغيت شهادة جهة التصديق $1 في $2", false),
        (#"^the CRL of (.+) could not be fetched: (.+)$"#, "تعذَّر تنزيل قائمة الإلغاء الخاصة بـ $1: $2", false),
        (#"^the OCSP responder of (.+) could not be asked: (.+)$"#, "تعذَّر سؤال خادم OCSP عن $1: $2", false),
        (#"^the OCSP responder does not know (.+)$"#, "خادم OCSP لا يعرف الشهادة $1", false),
        (#"^the CRL for (.+) is outside its validity period: (.+)$"#, "قائمة الإلغاء الخاصة بـ $1 خارج مدة صلاحيتها: $2", false),
        (#"^the embedded CRL of (.+) was not current at (.+) \(issued more than a day before, or expired\); it is not used$"#,
         "قائمة الإلغاء المضمَّنة الصادرة عن $1 لم تكن سارية في $2 (صدرت قبله بأكثر من يوم أو انتهت)، فلم تُعتمد", false),
        (#"^the embedded OCSP response about (.+) was not current at (.+) \(produced more than a day before, or expired\); it is not used$"#,
         "جواب OCSP المضمَّن عن $1 لم يكن سارياً في $2 (صدر قبله بأكثر من يوم أو انتهى)، فلم يُعتمد", false),
        (#"^the certificate of (.+) was revoked on (.+); its timestamp is not used as proof of existence$"#,
         "أُلغيت شهادة $1 في $2، فلا يُعتمد ختمها الزمني دليلاً على الوجود", false),
        (#"^(.+); it is not used as proof of existence$"#, "$1؛ فلا يُعتمد دليلاً على الوجود", false),
        // The signature itself.
        (#"^the document was altered: its digest does not match the signed digest$"#,
         "عُدِّلت الوثيقة: بصمتها لا تطابق البصمة الموقَّعة", false),
        (#"^the signature value does not verify with the signer's public key$"#,
         "قيمة التوقيع لا تتحقق بالمفتاح العام للموقِّع", false),
        (#"^the signer's certificate is not in the signature and was not supplied$"#,
         "شهادة الموقِّع ليست في ملف التوقيع ولم تُقدَّم", false),
        (#"^the signer's certificate key usage allows neither digitalSignature nor nonRepudiation$"#,
         "استخدامات مفتاح شهادة الموقِّع لا تسمح بالتوقيع الرقمي ولا بعدم الإنكار", false),
        (#"^no signing-time attribute$"#, "لا يحمل التوقيع وقتاً مصرَّحاً به", false),
        (#"^no signing-certificate attribute: the signer is identified by issuer and serial number only$"#,
         "لا يحمل التوقيع سمة شهادة التوقيع: يُعرَّف الموقِّع بالجهة المُصدِرة والرقم التسلسلي فقط", false),
        (#"^the signing-certificate attribute does not match the signer's certificate$"#,
         "سمة شهادة التوقيع لا تطابق شهادة الموقِّع", false),
        // Timestamps and containers.
        (#"^the file was altered: its digest is not the one the timestamp covers$"#,
         "عُدِّل الملف: بصمته ليست البصمة التي يغطيها الختم الزمني", false),
        (#"^the TSA's certificate was revoked on (.+): the timestamp cannot be trusted$"#,
         "أُلغيت شهادة جهة الختم الزمني في $1: لا يمكن الوثوق بالختم", false),
        (#"^(.+) was altered after it was signed$"#, "عُدِّل الملف $1 بعد توقيعه", false),
        (#"^not covered by any valid signature: (.+)$"#, "ملفات لا يغطيها أي توقيع صحيح: $1", false),
    ].map { (try! NSRegularExpression(pattern: $0.0), $0.1, $0.2) }

    /// The Arabic line for `english`, or `english` itself when the table has no match.
    static func translate(_ english: String) -> String {
        let whole = NSRange(english.startIndex..., in: english)
        for (pattern, template, recursive) in table {
            guard let match = pattern.firstMatch(in: english, range: whole) else { continue }
            var groups: [String] = []
            for index in 1..<match.numberOfRanges {
                groups.append(Range(match.range(at: index), in: english).map { String(english[$0]) } ?? "")
            }
            if recursive, !groups.isEmpty { groups[0] = translate(groups[0]) }
            var line = template
            for (index, group) in groups.enumerated().reversed() { line = line.replacingOccurrences(of: "$\(index + 1)", with: group) }
            return line
        }
        return english
    }
}
