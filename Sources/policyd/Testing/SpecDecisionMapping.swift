import Engine

/// The decision mapping as the spec states it, used by `policyd test` and `policyd replay` until
/// they are wired to the daemon's own mapper (Decisions/DecisionMapper.swift): the entrypoint
/// document's `deny` set wins, then `escalate`, then `allow == true`; anything else is the
/// entrypoint default (deny). Reasons are sorted; `rules` names the document keys that decided.
/// Undefined documents and evaluation errors fail closed.
public enum SpecDecisionMapping {
    public static let mapping: DecisionMapping = { path, result, error in
        let base = "data." + path.split(separator: "/").joined(separator: ".")
        if let error {
            return MappedDecision(decision: "deny", reasons: ["\(error.code.rawValue): \(error.message)"])
        }
        guard let doc = result else { return MappedDecision(decision: "deny", reasons: ["undefined"]) }
        if case .bool(let b) = doc {
            return MappedDecision(decision: b ? "allow" : "deny", rules: [base])
        }
        let deny = strings(doc["deny"])
        if !deny.isEmpty { return MappedDecision(decision: "deny", reasons: deny, rules: [base + ".deny"]) }
        let escalate = strings(doc["escalate"])
        if !escalate.isEmpty {
            return MappedDecision(decision: "escalate", reasons: escalate, rules: [base + ".escalate"])
        }
        if doc["allow"] == .true { return MappedDecision(decision: "allow", rules: [base + ".allow"]) }
        return MappedDecision(decision: "deny")
    }

    static func strings(_ v: Value?) -> [String] {
        let items: [Value]
        switch v {
        case .set(let s)?: items = s.elements
        case .array(let a)?: items = a
        case .string(let s)?: return [s]
        case .bool(true)?: return ["denied"]
        default: return []
        }
        return items.map { $0.stringValue ?? JSONWriter.string($0) }.sorted { regoStringsCompare($0, $1) < 0 }
    }
}
