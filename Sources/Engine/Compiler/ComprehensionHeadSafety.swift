// A comprehension's head (and object value) variables must be bound by its body, as OPA's
// safety check requires: `[x | true]` and `{k: v | k := 1}` are `var … is unsafe`.

extension Lowerer {
    /// The errors for each head variable local to the comprehension (slot in `start..<end`)
    /// that its body leaves unbound, once, at the variable's location. Variables the body
    /// mentions are left to the body's own safety ordering (OPA reports them once).
    func comprehensionHeadErrors(_ terms: [Term], body: Body, scope: Scope, bound: Set<Int>,
                                 start: Int, end: Int) -> [EngineError] {
        var names: [String] = []
        for e in body {
            collectNames(e, &names)
            if case .call(let c) = e.kind, c.name == "assign", c.args.count == 2 { collectNames(c.args[0], &names) }
        }
        var seen = Set(names.compactMap { scope.lookup($0) })
        var out: [EngineError] = []
        for t in terms {
            headVars(t) { name, loc in
                guard let slot = scope.lookup(name), slot >= start, slot < end,
                      !bound.contains(slot), seen.insert(slot).inserted else { return }
                out.append(EngineError(.unsafeVarError, "var \(name.hasPrefix("$") ? "_" : name) is unsafe", location: loc))
            }
        }
        return out
    }

    /// The variables of `t` outside nested comprehensions (those check their own heads).
    private func headVars(_ t: Term, _ visit: (String, SourceLocation) -> Void) {
        switch t.value {
        case .variable(let n): visit(n, t.location)
        case .ref(let r):
            headVars(r.head, visit)
            for p in r.parts { if case .bracket(let b) = p { headVars(b, visit) } }
        case .array(let xs), .set(let xs): for x in xs { headVars(x, visit) }
        case .object(let items):
            for i in items {
                headVars(i.key, visit)
                headVars(i.value, visit)
            }
        case .call(let c): for a in c.args { headVars(a, visit) }
        default: break
        }
    }
}
