import ArgumentParser
import Findings
import Foundation
import SignService

enum ReportLanguage: String, ExpressibleByArgument, CaseIterable {
    case ar, en

    /// Arabic when the locale says so (LC_ALL, LC_MESSAGES, LANG), English otherwise.
    static func fromEnvironment() -> ReportLanguage {
        let environment = ProcessInfo.processInfo.environment
        for name in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let value = environment[name], !value.isEmpty {
                return value.lowercased().hasPrefix("ar") ? .ar : .en
            }
        }
        return .en
    }

    /// The language findings are rendered in.
    var findingLanguage: Language {
        switch self {
        case .ar: return .ar
        case .en: return .en
        }
    }
}

/// The short report a citizen reads: the verdict in plain words first, then who signed
/// and when, with the signer's name exactly as written in the certificate.
struct ReportText {
    let language: ReportLanguage

    private func t(_ english: String, _ arabic: String) -> String { language == .ar ? arabic : english }

    func render(_ report: ValidationReport) -> String {
        var lines: [String] = []
        let document = report.content ?? (report.coveredFiles != nil
            ? t("(the files in the container)", "(الملفات داخل الحاوية)")
            : report.kind == .timestamp ? "-" : t("(inside the signature)", "(داخل ملف التوقيع)"))
        let stamp = report.kind == .timestamp
        lines.append(stamp ? "\(t("Timestamp file", "ملف الختم الزمني")): \(report.file)"
                           : "\(t("Signature file", "ملف التوقيع")): \(report.file)")
        lines.append("\(t("Document", "الوثيقة")): \(document)")
        lines.append("\(t("Result", "النتيجة")): \(verdict(report.indication)) (\(code(report.indication, report.subIndication)))")
        lines.append("  " + ((stamp ? timestampExplanation(report.subIndication) : nil) ?? explanation(report.indication, report.subIndication)))
        for error in report.errors { lines.append("  - \(detail(error))") }
        if let covered = report.coveredFiles {
            lines.append("\(t("Signed files", "الملفات الموقَّعة")): \(covered.isEmpty ? "-" : covered.joined(separator: ", "))")
        }
        for (index, signature) in report.signatures.enumerated() {
            lines.append("")
            if stamp {
                lines.append("\(t("Timestamp", "الختم الزمني")): \(verdict(signature.indication)) (\(code(signature.indication, signature.subIndication)))")
            } else {
                lines.append("\(t("Signature", "التوقيع")) \(index + 1) \(t("of", "من")) \(report.signatures.count): "
                             + "\(verdict(signature.indication)) (\(code(signature.indication, signature.subIndication)))")
            }
            if let signer = signature.signer {
                lines.append("  \(stamp ? t("Stamped by", "جهة الختم") : t("Signed by", "الموقِّع")): \(signer.commonName ?? signer.subject)")
                lines.append("  \(t("Certificate", "الشهادة")): \(signer.subject)")
                lines.append("  \(t("Issued by", "صادرة عن")): \(signer.issuer) (\(t("serial", "الرقم التسلسلي")) \(signer.serialNumber))")
            }
            if let time = signature.signingTime {
                lines.append("  \(t("Signing time", "وقت التوقيع")): \(Self.format(time)) \(t("(as stated by the signer)", "(كما صرّح به الموقِّع)"))")
            }
            if let timestamp = signature.timestamp {
                let proves = stamp ? t("(proves the file existed then)", "(يثبت وجود الملف في ذلك الوقت)")
                                   : t("(proves the signature existed then)", "(يثبت وجود التوقيع في ذلك الوقت)")
                lines.append("  \(stamp ? t("Time", "الوقت") : t("Timestamp", "الختم الزمني")): \(Self.format(timestamp.time)) \(t("by", "من")) \(timestamp.tsa) \(proves)")
            }
            if let level = signature.level {
                lines.append("  \(t("Level", "المستوى")): " + (level == .plainCMS
                    ? t("plain CMS (not CAdES: no signing-certificate attribute)", "CMS عادي (ليس CAdES: لا توجد سمة شهادة التوقيع)")
                    : "CAdES \(level.rawValue)"))
            }
            if let algorithm = signature.signatureAlgorithm {
                lines.append("  \(t("Algorithm", "الخوارزمية")): \(algorithm)")
            }
            if signature.indication != .totalPassed && !stamp {
                lines.append("  " + explanation(signature.indication, signature.subIndication))
            }
            for error in signature.errors { lines.append("  \(t("Problem", "مشكلة")): \(detail(error))") }
            for warning in signature.warnings { lines.append("  \(t("Note", "ملاحظة")): \(detail(warning))") }
        }
        // Names come from certificates anyone can make: a line break or a bidi override in
        // one must not print as a line or a name of its own.
        return lines.map(DisplayText.escapingInvisibles).joined(separator: "\n") + "\n"
    }

    /// A finding in the report's language, from the catalogue.
    private func detail(_ finding: Finding) -> String { finding.render(in: language.findingLanguage) }

    private func code(_ indication: Indication, _ sub: SubIndication?) -> String {
        sub.map { "\(indication.rawValue) / \($0.rawValue)" } ?? indication.rawValue
    }

    private func verdict(_ indication: Indication) -> String {
        switch indication {
        case .totalPassed: return t("VALID", "صحيح")
        case .totalFailed: return t("NOT VALID", "غير صحيح")
        case .indeterminate: return t("CANNOT BE CONFIRMED", "تعذّر التأكد")
        }
    }

    /// What a timestamp's result means; the signature wording covers the rest.
    private func timestampExplanation(_ sub: SubIndication?) -> String? {
        switch sub {
        case nil:
            return t("The file existed at the time stated and has not been altered since.",
                     "كان الملف موجوداً في الوقت المذكور ولم يُعدَّل منذ ذلك الحين.")
        case .hashFailure?:
            return t("The file was changed after it was timestamped, or the timestamp is for another file.",
                     "عُدِّل الملف بعد ختمه زمنياً، أو أن الختم لملف آخر.")
        case .sigCryptoFailure?:
            return t("The timestamp's signature is wrong: it is forged or damaged.", "توقيع الختم الزمني غير صحيح: مزوَّر أو تالف.")
        case .noCertificateChainFound?:
            return t("The timestamp authority's certificate does not lead to a trusted certification authority.",
                     "تعذّر ربط شهادة جهة الختم الزمني بجهة تصديق موثوقة.")
        case .formatFailure?:
            return t("The timestamp file is damaged or not an RFC 3161 timestamp.",
                     "ملف الختم الزمني تالف أو ليس ختماً زمنياً وفق RFC 3161.")
        case .signedDataNotFound?:
            return t("The timestamp file, or the file it stamps, was not found.", "لم يُعثر على ملف الختم الزمني أو على الملف المختوم.")
        case .revokedNoPOE?:
            return t("The timestamp authority's certificate has been revoked: its timestamps cannot be trusted.",
                     "شهادة جهة الختم الزمني ملغاة: لا يمكن الوثوق بأختامها.")
        default:
            return nil
        }
    }

    private func explanation(_ indication: Indication, _ sub: SubIndication?) -> String {
        guard let sub else {
            return t("The document is authentic and has not been altered since it was signed.",
                     "الوثيقة أصلية ولم تُعدَّل منذ توقيعها.")
        }
        switch sub {
        case .hashFailure:
            return t("The document was changed after it was signed.", "عُدِّلت الوثيقة بعد توقيعها.")
        case .sigCryptoFailure:
            return t("The signature value is wrong: the signature is forged or damaged.",
                     "قيمة التوقيع غير صحيحة: التوقيع مزوَّر أو تالف.")
        case .formatFailure:
            return t("The signature file is damaged or not in a known format.", "ملف التوقيع تالف أو بصيغة غير معروفة.")
        case .revoked:
            return t("The signer's certificate had already been revoked when the document was signed.",
                     "كانت شهادة الموقِّع ملغاة عند توقيع الوثيقة.")
        case .revokedNoPOE:
            return t("The signer's certificate has been revoked, and nothing proves the signature was made before that.",
                     "شهادة الموقِّع ملغاة، ولا دليل على أن التوقيع تمّ قبل إلغائها.")
        case .revokedCANoPOE:
            return t("A certification authority in the signer's chain has been revoked.",
                     "أُلغيت شهادة إحدى جهات التصديق في سلسلة شهادة الموقِّع.")
        case .outOfBoundsNoPOE:
            return t("The signer's certificate is not valid now, and nothing proves the document was signed while it was.",
                     "شهادة الموقِّع غير سارية الآن، ولا دليل على أن الوثيقة وُقِّعت أثناء سريانها.")
        case .noCertificateChainFound:
            return t("The signer's certificate does not lead to a trusted certification authority.",
                     "تعذّر ربط شهادة الموقِّع بجهة تصديق موثوقة.")
        case .noSigningCertificateFound:
            return t("The signer's certificate is missing or does not match the signature.",
                     "شهادة الموقِّع مفقودة أو لا تطابق التوقيع.")
        case .chainConstraintsFailure:
            return t("The signer's certificate or its chain does not permit this signature.",
                     "شهادة الموقِّع أو سلسلتها لا تسمح بهذا التوقيع.")
        case .certificateChainGeneralFailure:
            return t("The chain of certificates is not valid.", "سلسلة الشهادات غير صالحة.")
        case .cryptoConstraintsFailure:
            return t("The signature uses an algorithm that is not accepted.", "يستخدم التوقيع خوارزمية غير مقبولة.")
        case .signedDataNotFound:
            return t("The signed document was not found.", "لم يُعثر على الوثيقة الموقَّعة.")
        default:
            return indication == .totalFailed
                ? t("The signature is not valid.", "التوقيع غير صحيح.")
                : t("The signature could not be confirmed.", "تعذّر التأكد من التوقيع.")
        }
    }

    static func format(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss 'UTC'"
        return formatter.string(from: date)
    }
}
