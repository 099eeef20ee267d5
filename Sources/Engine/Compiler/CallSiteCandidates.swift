// Values a builtin call's arguments are likely to take, seen when the plan is built, so a
// builtin can prepare for them once per call site (`Builtin.CallSite.candidates`): a regex
// call compiles its patterns ahead (`RegexTable`). A variable that iterates over a constant
// collection (`some p in deny_patterns`, `p := patterns[_]`, `every p in …`) takes its
// elements; `x := "…"` takes the constant; `patterns[i]` itself takes the elements. Constant
// collections are literals, rule sets whose value is a constant (`DataNode.constantValue`) and
// base data (fixed per bundle).
//
// These are hints: a builtin must answer the same for any other value (a `with` overlay, a
// slot bound elsewhere), so the analysis may be approximate and only looks at one rule.

/// The candidate values of one rule's local slots.
struct SlotCandidates {
    private var bySlot: [Int: [Value]] = [:]
    /// Beyond this many values a slot is not worth preparing for.
    static let limit = 256

    init() {}

    init(_ r: PRule) {
        scan(r.body)
        for e in r.elseChain {
            scan(e.body)
            scanTerm(e.value)
        }
        // Comprehensions in the head (`xs := [f(p) | some p in pats]`).
        for t in [r.value, r.key].compactMap({ $0 }) + r.keyPath { scanTerm(t) }
    }

    /// What argument term `t` is likely to be: a constant, a slot's candidates, or the elements
    /// of a constant collection indexed by a variable.
    func of(_ t: PTerm) -> [Value]? {
        switch t {
        case .const(let v): return [v]
        case .local(let s): return bySlot[s]
        default:
            if let v = Self.constant(t) { return [v] }
            return Self.iterated(t).map { Self.elements($0, keys: false) }
        }
    }

    private mutating func add(_ s: Int, _ vs: [Value]) {
        guard !vs.isEmpty else { return }
        var cur = bySlot[s] ?? []
        guard cur.count + vs.count <= Self.limit else { return }
        cur.append(contentsOf: vs)
        bySlot[s] = cur
    }

    private mutating func scan(_ body: PBody) {
        for e in body { scan(e) }
    }

    private mutating func scan(_ e: PExpr) {
        switch e.kind {
        case .someIn(let key, let value, let coll):
            bindIteration(key, value, coll)
            scanTerm(coll)
        case .every(let key, let value, let coll, let body, _):
            bindIteration(key, value, coll)
            scanTerm(coll)
            scan(body)
        case .unify(let a, let b):
            bindUnify(a, b)
            bindUnify(b, a)
            scanTerm(a)
            scanTerm(b)
        case .term(let t): scanTerm(t)
        case .call(let c, let output):
            c.args.forEach { scanTerm($0) }
            if let output { scanTerm(output) }
        case .print(let ts): ts.forEach { scanTerm($0) }
        case .logical(_, let l, let r):
            scan(l)
            scan(r)
        case .notBody(let b, _): scan(b)
        case .noop: break
        }
    }

    /// Comprehension bodies inside a term share the rule's frame.
    private mutating func scanTerm(_ t: PTerm) {
        switch t {
        case .compr(let c): scan(c.body)
        case .call(let c): c.args.forEach { scanTerm($0) }
        case .array(let xs), .set(let xs), .template(let xs): xs.forEach { scanTerm($0) }
        case .object(let ks, let vs):
            ks.forEach { scanTerm($0) }
            vs.forEach { scanTerm($0) }
        case .ref(let h, let p):
            scanTerm(h)
            p.forEach { scanTerm($0) }
        case .data(_, let p): p.forEach { scanTerm($0) }
        case .const, .local, .input, .inputRef: break
        }
    }

    private mutating func bindIteration(_ key: PTerm?, _ value: PTerm, _ coll: PTerm) {
        guard let c = Self.constant(coll) else { return }
        if case .local(let s) = value { add(s, Self.elements(c, keys: false)) }
        if case .local(let s)? = key { add(s, Self.elements(c, keys: true)) }
    }

    /// `x := const`, `x := coll[_]`.
    private mutating func bindUnify(_ a: PTerm, _ b: PTerm) {
        guard case .local(let s) = a else { return }
        if let v = Self.constant(b) {
            add(s, [v])
        } else if let c = Self.iterated(b) {
            add(s, Self.elements(c, keys: false))
        }
    }

    /// The value of `t` when the plan fixes it: a literal, a constant rule set, base data.
    static func constant(_ t: PTerm) -> Value? {
        switch t {
        case .const(let v):
            return v
        case .data(let node, let path):
            var n = node
            var i = 0
            while i < path.count, !n.hasRules, case .const(.string(let s)) = path[i], let c = n.children[s] {
                n = c
                i += 1
            }
            var v: Value
            if let c = n.constantValue {
                v = c
            } else if !n.hasRules, i < path.count, case .const(let k) = path[i],
                      n.children[k.stringValue ?? ""] == nil, let c = n.base?[k] {
                // No node below: base data only (`data.cfg.patterns` beside packages).
                v = c
                i += 1
            } else if !n.hasRules, n.children.isEmpty, let b = n.base {
                v = b
            } else {
                return nil
            }
            for p in path[i...] {
                guard case .const(let k) = p, let c = v[k] else { return nil }
                v = c
            }
            return v
        default:
            return nil
        }
    }

    /// `coll[x]` with a variable last key over a constant collection: that collection.
    private static func iterated(_ t: PTerm) -> Value? {
        switch t {
        case .data(let n, let path):
            guard case .local? = path.last else { return nil }
            return constant(.data(n, Array(path.dropLast())))
        case .ref(let head, let path):
            guard path.count == 1, case .local = path[0] else { return nil }
            return constant(head)
        default:
            return nil
        }
    }

    private static func elements(_ c: Value, keys: Bool) -> [Value] {
        let out: [Value]
        switch c {
        case .array(let a): out = keys ? a.indices.map { .int($0) } : a
        case .set(let s): out = s.elements
        case .object(let o): out = keys ? o.keys : o.values
        default: out = []
        }
        return out.count <= limit ? out : []
    }
}
