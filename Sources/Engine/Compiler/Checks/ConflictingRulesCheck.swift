/// Rules at one path must agree on their kind (single value, multi-value set, function), have at
/// most one `default`, and a rule with a constant path cannot also have rules below it
/// (`p := 1` with `p.q := 2`). OPA reports these as rego_type_error.
enum ConflictingRulesCheck {
    enum Category: Equatable { case value, set, function(Int) }

    static func category(_ r: Rule) -> Category {
        switch r.kind {
        case .complete, .partialObject: return .value
        case .partialSet: return .set
        case .function: return .function(r.head.args?.count ?? 0)
        }
    }

    /// A partial object rule is listed with its variable key, as OPA prints its ref
    /// (`rule data.p.a.b[k] at …`).
    static func keySuffix(_ r: Rule) -> String {
        guard r.kind == .partialObject, case .bracket(let t)? = r.head.ref.parts.last else { return "" }
        if case .scalar = t.value { return "" }
        return "[\(RefText.term(t))]"
    }

    /// A rule's full ref with its variables (`data.p.r2[k].first`, `data.p.f` for a function).
    static func refText(_ e: RuleIndex.Entry) -> String {
        let ref = e.rule.head.ref
        let pkg = Array(e.path.dropLast(ref.staticPrefix.count))
        var text = RuleIndex.display(pkg + [ref.staticPrefix.first ?? e.rule.name])
        let tail = RefText.ref(Ref(head: ref.head, parts: ref.parts))
        if let cut = tail.firstIndex(where: { $0 == "." || $0 == "[" }) { text += tail[cut...] }
        return text
    }

    static func run(_ index: RuleIndex) -> [EngineError] {
        var errors: [EngineError] = []
        // A rule with a fully constant ref cannot have rules below its path. Checked first: a
        // path with such a conflict gets only this error (OPA), at the path's first rule.
        var below: [String: EngineError] = [:]
        var belowOrder: [String] = []
        for e in index.entries where e.rule.head.ref.isGroundPath && e.rule.kind != .partialObject {
            let key = RuleIndex.key(e.path)
            let under = index.entries(below: e.path)
            guard !under.isEmpty, below[key] == nil else { continue }
            let lines = under.map { "  rule \(RuleIndex.display($0.path))\(keySuffix($0.rule)) at \($0.rule.location.file):\($0.rule.location.row)" }
            let first = index.rules(at: e.path).first?.rule.location ?? e.rule.location
            below[key] = EngineError(.typeError, "rule \(RuleIndex.display(e.path)) conflicts with:\n" + lines.joined(separator: "\n"),
                                     location: first)
            belowOrder.append(key)
        }
        var seen = Set<String>()
        for e in index.entries {
            let key = RuleIndex.key(e.path)
            guard seen.insert(key).inserted, below[key] == nil else { continue }
            let group = index.rules(at: e.path)
            let cats = group.map { category($0.rule) }
            // Complete `p := 1` and partial object `p[k] := v` share a path but not a kind.
            let mixesValueKinds = group.contains { $0.rule.kind == .complete }
                && group.contains { $0.rule.kind == .partialObject }
            if cats.contains(where: { $0 != cats[0] }) || mixesValueKinds {
                // OPA names the path by the last rule's ref as written (`data.p.r[k].b`), at the first rule.
                errors.append(EngineError(.typeError, "conflicting rules \(refText(group[group.count - 1])) found",
                                          location: group[0].rule.location))
                continue
            }
            let defaults = group.filter { $0.rule.isDefault }
            if defaults.count > 1 {
                let places = defaults.map { "\($0.rule.location.file):\($0.rule.location.row)" }.joined(separator: ", ")
                errors.append(EngineError(.typeError, "multiple default rules \(RuleIndex.display(e.path)) found at \(places)",
                                          location: group[0].rule.location))
            }
        }
        for key in belowOrder { if let e = below[key] { errors.append(e) } }
        return errors
    }
}
