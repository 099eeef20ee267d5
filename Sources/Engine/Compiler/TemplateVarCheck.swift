// Variables inside template strings (`$"…{expr}…"`). OPA evaluates each `{expr}` on its own
// and refuses one that would bind a variable: every variable of the expression must be bound
// before the template (`$"{input.xs[i]}"`, `$"{[1][_]}"`, `some i; $"{x[i]}"`, `$"{x == 1}"`
// with x unbound: `var i is undeclared`, rego_compile_error). A part that is a bare variable
// is left to the safety check (`$"{x}"`: `var x is unsafe`). Settled with OPA 1.20.2:
// - the error belongs to a stage of its own, after the local-variable checks and before
//   void calls (CheckStage.templateVars);
// - variables are reported once per part, at the template's row, without a location when
//   the variable sits inside a call (`$"{count(x[i])}"`);
// - a failing part inside a comprehension or `every` is reported again as the enclosing rule
//   sees it: each of the part's variables not bound outside the outermost comprehension,
//   including the comprehension's own (`[$"{[x][i]}" | some x in xs]`: i, then x and i), the
//   declared ones first (OPA's `__localN__` names sort before source names), then by name.

extension Lowerer {
    /// Checks the templates of a safety-ordered body; `bound`: slots bound on entry.
    func checkTemplateVars(_ body: PBody, bound initial: Set<Int>, frame: FrameAlloc) {
        var bound = initial
        var second: [EngineError] = []
        for e in body {
            checkTemplateVars(in: e, bound: bound, frame: frame, second: &second)
            var u = VarUse.of(e, wildcards: frame.wildcards)
            if !e.negated, case .unify(let a, let b) = e.kind {
                var all = VarUse()
                all.value(a)
                all.value(b)
                u.provides = UnifySafety.outputs(a, b, bound: bound, extra: all.provides).union(all.provides)
            }
            bound.formUnion(u.provides)
        }
        errors.append(contentsOf: second)
    }

    /// Checks the templates of a rule or comprehension head, given the body's bound slots.
    func checkTemplateVars(head terms: [PTerm], bound: Set<Int>, frame: FrameAlloc, location: SourceLocation) {
        var second: [EngineError] = []
        for t in terms { templates(in: t, bound: bound, frame: frame, location: location, second: &second) }
        errors.append(contentsOf: second)
    }

    private func checkTemplateVars(in e: PExpr, bound: Set<Int>, frame: FrameAlloc, second: inout [EngineError]) {
        func t(_ x: PTerm) { templates(in: x, bound: bound, frame: frame, location: e.location, second: &second) }
        switch e.kind {
        case .term(let x): t(x)
        case .unify(let a, let b):
            t(a)
            t(b)
        case .call(let c, let out):
            c.args.forEach(t)
            if let out { t(out) }
        case .print(let args): args.forEach(t)
        case .someIn(let k, let v, let coll):
            t(coll)
            if let k { t(k) }
            t(v)
        case .every(_, _, let coll, _, _): t(coll)
        case .logical(_, let lhs, let rhs):
            for x in lhs + rhs { checkTemplateVars(in: x, bound: bound, frame: frame, second: &second) }
        case .notBody, .noop: break
        }
        for w in e.withs { if case .value(let x) = w.value { t(x) } }
    }

    /// Finds the templates in `t` (comprehensions are checked where they are lowered).
    private func templates(in t: PTerm, bound: Set<Int>, frame: FrameAlloc, location: SourceLocation,
                           second: inout [EngineError]) {
        func walk(_ x: PTerm) { templates(in: x, bound: bound, frame: frame, location: location, second: &second) }
        switch t {
        case .const, .local, .input, .inputRef, .compr: break
        case .data(_, let path): path.forEach(walk)
        case .ref(let h, let path):
            walk(h)
            path.forEach(walk)
        case .array(let xs), .set(let xs): xs.forEach(walk)
        case .object(let ks, let vs):
            ks.forEach(walk)
            vs.forEach(walk)
        case .call(let c): c.args.forEach(walk)
        case .template(let parts):
            for p in parts { templatePart(p, bound: bound, frame: frame, location: location, second: &second) }
        }
    }

    private func templatePart(_ p: PTerm, bound: Set<Int>, frame: FrameAlloc, location: SourceLocation,
                              second: inout [EngineError]) {
        switch p {
        case .local, .const, .compr: return
        default: break
        }
        var slots: [(slot: Int, inCall: Bool)] = []
        func collect(_ x: PTerm, inCall: Bool) {
            switch x {
            case .const, .input, .inputRef, .compr: break
            case .local(let s): if !slots.contains(where: { $0.slot == s }) { slots.append((s, inCall)) }
            case .data(_, let path): path.forEach { collect($0, inCall: inCall) }
            case .ref(let h, let path):
                collect(h, inCall: inCall)
                path.forEach { collect($0, inCall: inCall) }
            case .array(let xs), .set(let xs), .template(let xs): xs.forEach { collect($0, inCall: inCall) }
            case .object(let ks, let vs):
                ks.forEach { collect($0, inCall: inCall) }
                vs.forEach { collect($0, inCall: inCall) }
            case .call(let c): c.args.forEach { collect($0, inCall: true) }
            }
        }
        collect(p, inCall: false)
        let unbound = slots.filter { !bound.contains($0.slot) }
        guard !unbound.isEmpty else { return }
        func report(_ s: (slot: Int, inCall: Bool)) -> EngineError {
            let name = frame.names[s.slot]
            return EngineError(.compileError, "var \(name.hasPrefix("$") ? "_" : name) is undeclared",
                               location: s.inCall ? nil : location)
        }
        errors.append(contentsOf: unbound.map(report))
        guard let outer = nestedSince else { return }
        let again = slots.filter { $0.slot >= outer || !bound.contains($0.slot) }.sorted { a, b in
            switch (frame.declarationOrder[a.slot], frame.declarationOrder[b.slot]) {
            case (let x?, let y?): return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return frame.names[a.slot] < frame.names[b.slot]
            }
        }
        second.append(contentsOf: again.map(report))
    }
}
