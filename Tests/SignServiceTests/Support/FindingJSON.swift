import Foundation

/// One finding of a `verify --json` report, as a test reads it.
struct JSONFinding: CustomStringConvertible {
    let code: String
    let params: [String: Any]
    let message: String

    /// A parameter's value without its kind ({"name": "CN=X"} gives "CN=X").
    func param(_ key: String) -> Any? { (params[key] as? [String: Any])?.values.first }
    /// A text, name, serial or time parameter.
    func string(_ key: String) -> String? { param(key) as? String }

    var description: String { "\(code) \(params): \(message)" }

    /// The findings of an `errors` or `warnings` field; nil when it is not an array of findings.
    static func list(_ value: Any?) -> [JSONFinding]? {
        guard let items = value as? [Any] else { return nil }
        var findings: [JSONFinding] = []
        for item in items {
            guard let object = item as? [String: Any], let code = object["code"] as? String,
                  let params = object["params"] as? [String: Any], let message = object["message"] as? String else { return nil }
            findings.append(JSONFinding(code: code, params: params, message: message))
        }
        return findings
    }
}
