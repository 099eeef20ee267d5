import Engine

enum Verdict: String, Sendable {
    case allow, deny, escalate

    /// `init(rawValue:)` by direct compares (the synthesized one searches a table of the case
    /// names through the runtime, on every decision that returns a verdict string).
    static func named(_ s: String) -> Verdict? {
        switch s.utf8.count {
        case 4: return s == "deny" ? .deny : nil
        case 5: return s == "allow" ? .allow : nil
        case 8: return s == "escalate" ? .escalate : nil
        default: return nil
        }
    }
}

/// The decision derived from a policy result: what the proxy must do and why.
struct DecisionOutcome: Sendable, Equatable {
    var verdict: Verdict
    /// Sorted messages.
    var reasons: [String]
    /// Rules that fired, e.g. "agentcy.connectors.deny", sorted.
    var rules: [String]
    /// Set when the daemon failed closed: no_policy, undefined, invalid_result, eval_error.
    var error: String?
}

/// Turns the document at an entrypoint into allow/deny/escalate. Pure: no I/O, no state.
///
/// For entrypoint `a/b` (the document data.a.b):
/// 1. a string "allow"|"deny"|"escalate", or an object `{"decision": …, "reasons": […]}`, is
///    taken as is;
/// 2. otherwise the document is a package: `deny` that is `true` or a non-empty set/array in
///    the package or in any package below it → deny, with the set's messages (or
///    "denied by a.b.deny" for a boolean) as reasons;
/// 3. else `escalate` likewise → escalate;
/// 4. else `allow == true` in the package or in any package below it → allow (a prefix
///    entrypoint such as `agentcy` gathers `deny`, `escalate` and `allow` from every package
///    under it);
/// 5. else the entrypoint's default: deny "no rule allowed this request", or allow when
///    configured `default: allow`.
/// An undefined result, a missing policy or an evaluation error is a deny carrying an error
/// code (fail closed), never something a proxy could mistake for permission.
enum DecisionMapper {
    static let noRuleReason = "no rule allowed this request"

    static func map(result: Value?, path: [String], defaultDecision: Configuration.Entrypoint.Default) -> DecisionOutcome {
        let dotted = path.joined(separator: ".")
        return map(result: result, dotted: dotted, defaultDecision: defaultDecision, selfRules: [dotted],
                   allowRules: ["\(dotted).allow"])
    }

    /// The same for a resolved route (its names are computed once, not per decision).
    static func map(result: Value?, route: Route, defaultDecision: Configuration.Entrypoint.Default? = nil) -> DecisionOutcome {
        map(result: result, dotted: route.dotted, defaultDecision: defaultDecision ?? route.defaultDecision,
            selfRules: route.selfRules, allowRules: route.allowRules)
    }

    private static func map(result: Value?, dotted: String, defaultDecision: Configuration.Entrypoint.Default,
                            selfRules: [String], allowRules: [String]) -> DecisionOutcome
    {
        guard let result else {
            return failClosed(code: "undefined", reason: "policy decision undefined: data.\(dotted)")
        }
        switch result {
        case .string(let s):
            guard let v = Verdict.named(s) else { return invalid(dotted) }
            return DecisionOutcome(verdict: v, reasons: [], rules: selfRules, error: nil)
        case .bool(true):
            return DecisionOutcome(verdict: .allow, reasons: [], rules: selfRules, error: nil)
        case .bool(false):
            return DecisionOutcome(verdict: .deny, reasons: ["denied by \(dotted)"], rules: selfRules, error: nil)
        case .object(let obj):
            if let d = obj["decision"] {
                guard let s = d.stringValue, let v = Verdict.named(s) else { return invalid(dotted) }
                return DecisionOutcome(verdict: v, reasons: messages(obj["reasons"]).sorted(by: utf8Less), rules: selfRules, error: nil)
            }
            var denies = Findings()
            var escalations = Findings()
            // The entrypoint's own `allow` is noted without building its name (the route has it);
            // sub-packages' allows are named as found.
            var allows: [String] = []
            collect(obj, prefix: dotted, denies: &denies, escalations: &escalations, allows: &allows, top: true)
            let ownAllow = obj["allow"]?.isTrue == true
            if !denies.rules.isEmpty {
                return DecisionOutcome(verdict: .deny, reasons: denies.sortedReasons, rules: denies.rules.sorted(), error: nil)
            }
            if !escalations.rules.isEmpty {
                return DecisionOutcome(verdict: .escalate, reasons: escalations.sortedReasons,
                                       rules: escalations.rules.sorted(), error: nil)
            }
            if !allows.isEmpty {
                return DecisionOutcome(verdict: .allow, reasons: [], rules: ((ownAllow ? allowRules : []) + allows).sorted(by: utf8Less),
                                       error: nil)
            }
            if ownAllow {
                return DecisionOutcome(verdict: .allow, reasons: [], rules: allowRules, error: nil)
            }
            if defaultDecision == .allow {
                return DecisionOutcome(verdict: .allow, reasons: [], rules: [], error: nil)
            }
            return DecisionOutcome(verdict: .deny, reasons: [noRuleReason], rules: [], error: nil)
        default:
            return invalid(dotted)
        }
    }

    static func failClosed(code: String, reason: String) -> DecisionOutcome {
        DecisionOutcome(verdict: .deny, reasons: [reason], rules: [], error: code)
    }

    private static func invalid(_ dotted: String) -> DecisionOutcome {
        failClosed(code: "invalid_result", reason: "data.\(dotted) is not a decision")
    }

    private struct Findings {
        var reasons: [String] = []
        var rules: [String] = []
        var sortedReasons: [String] { Array(Set(reasons)).sorted(by: utf8Less) }
    }

    /// Byte order, as Rego compares strings: the same on every platform and locale.
    static func utf8Less(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// Walks the package and every nested object (sub-packages) for deny/escalate/allow rules.
    private static func collect(_ obj: ObjectValue, prefix: String, denies: inout Findings, escalations: inout Findings,
                                allows: inout [String], top: Bool = false)
    {
        if let d = obj["deny"] { add(d, rule: "\(prefix).deny", verb: "denied", to: &denies) }
        if let e = obj["escalate"] { add(e, rule: "\(prefix).escalate", verb: "escalated", to: &escalations) }
        if !top, obj["allow"]?.isTrue == true { allows.append("\(prefix).allow") }
        for (k, v) in obj.pairs {
            guard case .object(let child) = v, case .string(let name) = k,
                name != "deny", name != "escalate", name != "allow"
            else { continue }
            collect(child, prefix: "\(prefix).\(name)", denies: &denies, escalations: &escalations, allows: &allows)
        }
    }

    private static func add(_ v: Value, rule name: @autoclosure () -> String, verb: String, to f: inout Findings) {
        switch v {
        case .bool(true):
            let rule = name()
            f.rules.append(rule)
            f.reasons.append("\(verb) by \(rule)")
        case .set(let s) where !s.isEmpty:
            f.rules.append(name())
            f.reasons.append(contentsOf: messages(v))
        case .array(let a) where !a.isEmpty:
            f.rules.append(name())
            f.reasons.append(contentsOf: messages(v))
        case .object(let o) where !o.isEmpty:
            // A partial object rule `deny[key] := msg`.
            f.rules.append(name())
            f.reasons.append(contentsOf: o.values.map(message))
        default:
            break
        }
    }

    private static func messages(_ v: Value?) -> [String] {
        switch v {
        case .set(let s): return s.elements.map(message)
        case .array(let a): return a.map(message)
        case .string(let s): return [s]
        default: return []
        }
    }

    /// A set element as text: a string, an object's msg/message/reason field, else its JSON.
    private static func message(_ v: Value) -> String {
        if case .string(let s) = v { return s }
        for key in ["msg", "message", "reason"] {
            if let s = v[key]?.stringValue { return s }
        }
        return JSONWriter.string(v)
    }
}
