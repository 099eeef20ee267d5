import Engine
import Foundation
import Yams

/// One expected decision from a case file: the input, the entrypoint, and what the daemon must
/// answer (decision, and optionally the exact reasons and rules, order-insensitive).
///
/// Case files are YAML or JSON:
/// ```yaml
/// path: behavry/authz          # default entrypoint for the cases below
/// cases:
///   - name: write under /prod/ is denied
///     input: {agent: {role: admin}, action: write, resource: {path: /prod/db}}
///     expect: {decision: deny, reasons: ["writes under /prod/ are denied: /prod/db"]}
/// ```
/// A bare list of cases is accepted too (each then needs its own `path`).
public struct DecisionCase: Sendable {
    public var name: String
    public var file: String
    public var line: Int
    public var path: String
    public var input: Value?
    public var expectDecision: String
    public var expectReasons: [String]?
    public var expectRules: [String]?

    public struct Invalid: Error, CustomStringConvertible {
        public var description: String
    }

    static let decisions: Set<String> = ["allow", "deny", "escalate"]

    /// Whether `doc` (a parsed JSON/YAML file) looks like a case file.
    public static func isCaseDocument(_ doc: Value) -> Bool {
        if doc["cases"]?.arrayValue != nil { return true }
        if let a = doc.arrayValue, let first = a.first, first["expect"] != nil { return true }
        return false
    }

    /// Reads every case in `file` (already parsed into `doc`).
    public static func load(_ doc: Value, file: String, text: String) throws(Invalid) -> [DecisionCase] {
        let defaultPath = doc["path"]?.stringValue
        guard let list = doc["cases"]?.arrayValue ?? doc.arrayValue else {
            throw Invalid(description: "\(file): expected a list of cases or {path, cases}")
        }
        let lines = CaseLineIndex(text)
        var out: [DecisionCase] = []
        for (i, c) in list.enumerated() {
            let name = c["name"]?.stringValue ?? "case \(i + 1)"
            let here = "\(file): case \(name.debugDescription)"
            guard let path = (c["path"]?.stringValue ?? defaultPath).map(normalizePath), !path.isEmpty else {
                throw Invalid(description: "\(here): no path (set it on the case or at the top of the file)")
            }
            guard let expect = c["expect"], let decision = expect["decision"]?.stringValue,
                  decisions.contains(decision)
            else {
                throw Invalid(description: "\(here): expect.decision must be allow, deny or escalate")
            }
            func strings(_ key: String) throws(Invalid) -> [String]? {
                guard let v = expect[key] else { return nil }
                guard let a = v.arrayValue, a.allSatisfy({ $0.stringValue != nil }) else {
                    throw Invalid(description: "\(here): expect.\(key) must be a list of strings")
                }
                return a.compactMap(\.stringValue)
            }
            out.append(DecisionCase(
                name: name, file: file, line: lines.line(ofCase: name, index: i), path: path,
                input: c["input"], expectDecision: decision,
                expectReasons: try strings("reasons"), expectRules: try strings("rules")))
        }
        return out
    }

    /// `behavry/authz`, `/behavry/authz` and `data.behavry.authz` all name the same entrypoint.
    public static func normalizePath(_ p: String) -> String {
        var s = Substring(p)
        if s.hasPrefix("data.") { return s.dropFirst(5).replacingOccurrences(of: ".", with: "/") }
        while s.hasPrefix("/") { s = s.dropFirst() }
        return String(s)
    }

    public var pathSegments: [String] { path.split(separator: "/").map(String.init) }
}

/// Finds the line a case starts on, for file:line in reports (best effort: by its name, else
/// the i-th `- ` / `{` entry is not tracked and line 1 is used).
struct CaseLineIndex {
    let lines: [Substring]
    init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }
    func line(ofCase name: String, index: Int) -> Int {
        for (n, l) in lines.enumerated() where l.contains(name) && l.contains("name") {
            return n + 1
        }
        return 1
    }
}

/// YAML or JSON text → Value (YAML 1.2 core scalars, as OPA reads data.yaml).
enum StructuredText {
    static func parse(_ text: String, file: String) throws -> Value {
        if file.hasSuffix(".json") { return try JSONReader.parse(text) }
        let any = try ConfigYAML.load(text)  // Yams without its regex resolver (ICU): ConfigYAML
        return try value(any, file: file)
    }

    static func value(_ any: Any?, file: String) throws -> Value {
        switch any {
        case nil, is NSNull: return .null
        case let b as Bool: return .bool(b)
        case let i as Int: return .int(i)
        case let d as Double: return .double(d)
        case let s as String: return .string(s)
        case let a as [Any]: return .array(try a.map { try value($0, file: file) })
        case let m as [AnyHashable: Any]:
            var b = ObjectBuilder(minimumCapacity: m.count)
            for (k, v) in m { b[.string("\(k.base)")] = try value(v, file: file) }
            return .object(b.build())
        default:
            return .string("\(any!)")
        }
    }
}
