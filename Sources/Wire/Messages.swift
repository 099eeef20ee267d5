/// Typed views of requests and responses for clients. The wire format is plain JSON objects
/// (docs/protocol.md); these helpers build and read them.
public enum Request {
    /// `{"id":…, "op":"decide", "path":…, "input":…}` (`path`/`kind` optional: the daemon's default).
    public static func decide(id: JSON? = nil, path: String? = nil, kind: String? = nil, input: JSON) -> JSON {
        var pairs: [(String, JSON)] = []
        if let id { pairs.append(("id", id)) }
        pairs.append(("op", "decide"))
        if let path { pairs.append(("path", .string(path))) }
        if let kind { pairs.append(("kind", .string(kind))) }
        pairs.append(("input", input))
        return .object(pairs)
    }

    public static func eval(id: JSON? = nil, path: String, input: JSON? = nil) -> JSON {
        var pairs: [(String, JSON)] = []
        if let id { pairs.append(("id", id)) }
        pairs.append(("op", "eval"))
        pairs.append(("path", .string(path)))
        if let input { pairs.append(("input", input)) }
        return .object(pairs)
    }

    public static func simple(_ op: WireOp, id: JSON? = nil) -> JSON {
        var pairs: [(String, JSON)] = []
        if let id { pairs.append(("id", id)) }
        pairs.append(("op", .string(op.rawValue)))
        return .object(pairs)
    }
}

/// A decide response.
public struct Decision: Sendable, Equatable {
    public enum Verdict: String, Sendable { case allow, deny, escalate }
    public var verdict: Verdict
    public var reasons: [String]
    public var decisionID: String
    public var bundles: [String: String]
    public var path: String
    public var rules: [String]
    public var evalNs: Int
    /// Set when the daemon failed closed (no_policy, undefined, eval_error, …).
    public var errorCode: String?

    public init?(_ json: JSON) {
        guard let d = json["decision"]?.stringValue, let v = Verdict(rawValue: d) else { return nil }
        verdict = v
        reasons = json["reasons"]?.arrayValue?.compactMap(\.stringValue) ?? []
        decisionID = json["decision_id"]?.stringValue ?? ""
        var b: [String: String] = [:]
        for (k, v) in json["bundles"]?.objectValue ?? [] { b[k] = v.stringValue ?? "" }
        bundles = b
        path = json["path"]?.stringValue ?? ""
        rules = json["rules"]?.arrayValue?.compactMap(\.stringValue) ?? []
        evalNs = json["eval_ns"]?.intValue ?? 0
        errorCode = json["error"]?.stringValue
    }
}
