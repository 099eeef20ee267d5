// Safety analysis: orders body expressions so every variable is bound before it is read, as
// OPA's compiler does, and reports `var x is unsafe` when no order works.

/// Which slots an expression reads (must be bound before) and which it may bind.
struct VarUse {
    var needs: Set<Int> = []
    var provides: Set<Int> = []

    mutating func value(_ t: PTerm) {
        switch t {
        case .const, .input, .inputRef: break
        case .local(let s): needs.insert(s)
        case .data(_, let path): path.forEach { pathElem($0) }
        case .ref(let head, let path):
            value(head)
            path.forEach { pathElem($0) }
        case .array(let xs), .set(let xs): xs.forEach { value($0) }
        case .template(let xs):
            // A template binds nothing: its parts read their variables (TemplateVarCheck).
            var inner = VarUse()
            xs.forEach { inner.value($0) }
            needs.formUnion(inner.needs.union(inner.provides))
        case .object(let ks, let vs):
            ks.forEach { value($0) }
            vs.forEach { value($0) }
        case .call(let c): c.args.forEach { value($0) }
        case .compr(let c): needs.formUnion(c.captured)
        }
    }

    mutating func pattern(_ t: PTerm) {
        switch t {
        case .local(let s): provides.insert(s)
        case .array(let xs): xs.forEach { pattern($0) }
        case .object(let ks, let vs):
            ks.forEach { value($0) }
            vs.forEach { pattern($0) }
        default: value(t)
        }
    }

    private mutating func pathElem(_ t: PTerm) {
        switch t {
        case .local, .array, .object: pattern(t)
        default: value(t)
        }
    }

    static func of(_ e: PExpr, wildcards: Set<Int>) -> VarUse {
        var u = VarUse()
        switch e.kind {
        case .term(let t): u.value(t)
        case .unify(let a, let b):
            u.pattern(a)
            u.pattern(b)
        case .call(let c, let out):
            c.args.forEach { u.value($0) }
            if let out { u.pattern(out) }
        case .print(let args): args.forEach { u.value($0) }
        case .someIn(let key, let value, let coll):
            u.value(coll)
            if let key { u.pattern(key) }
            u.pattern(value)
        case .every(_, _, let coll, _, let captured):
            u.value(coll)
            u.needs.formUnion(captured)
        case .logical(let isAnd, let lhs, let rhs):
            let l = lhs.map { VarUse.of($0, wildcards: wildcards) }
            let r = rhs.map { VarUse.of($0, wildcards: wildcards) }
            var lp = Set<Int>(), rp = Set<Int>()
            for x in l { u.needs.formUnion(x.needs.subtracting(lp)); lp.formUnion(x.provides) }
            for x in r { u.needs.formUnion(x.needs.subtracting(isAnd ? lp.union(rp) : rp)); rp.formUnion(x.provides) }
            u.provides = isAnd ? lp.union(rp) : lp.intersection(rp)
        case .notBody(_, let captured):
            u.needs.formUnion(captured)
        case .noop: break
        }
        for w in e.withs {
            if case .value(let t) = w.value { u.value(t) }
        }
        if e.negated {
            // Nothing escapes a negation, and its variables must come from outside. Wildcards
            // too, unless inside a call nested in the expression (OPA moves those calls out
            // of the negation): `not x[_] == 1` and `not f(x[_])` are unsafe,
            // `not count(x[_]) == 1` is not.
            let all = u.needs.union(u.provides)
            var top = Set<Int>()
            if !wildcards.isEmpty { VarUse.topLevelSlots(e, &top) }
            u.needs = all.subtracting(wildcards.subtracting(top))
            u.provides = []
        }
        // A variable both read and bound by one expression (`x = f(x)`) must be bound first.
        u.provides.subtract(u.needs)
        return u
    }
}

extension VarUse {
    /// The local slots of `e` outside the calls nested in it (and outside comprehensions).
    static func topLevelSlots(_ e: PExpr, _ out: inout Set<Int>) {
        func walk(_ t: PTerm) {
            switch t {
            case .const, .input, .inputRef, .call, .compr: break
            case .local(let s): out.insert(s)
            case .data(_, let path): path.forEach(walk)
            case .ref(let head, let path):
                walk(head)
                path.forEach(walk)
            case .array(let xs), .set(let xs), .template(let xs): xs.forEach(walk)
            case .object(let ks, let vs):
                ks.forEach(walk)
                vs.forEach(walk)
            }
        }
        switch e.kind {
        case .term(.call(let c)): c.args.forEach(walk)
        case .term(let t): walk(t)
        case .unify(let a, let b):
            walk(a)
            walk(b)
        case .call(let c, let o):
            c.args.forEach(walk)
            if let o { walk(o) }
        case .someIn(let key, let value, let coll):
            walk(coll)
            if let key { walk(key) }
            walk(value)
        default: break
        }
    }
}

enum SafetyOrder {
    /// Reorders `body` given the slots bound on entry. Returns the ordered body, the slots
    /// bound at the end, and, when no order works, every unsafe slot of the expressions left
    /// (in body order), as OPA reports them.
    /// `rest`: the expressions left unordered when some are unsafe (source order).
    static func order(_ body: PBody, bound initial: Set<Int>, wildcards: Set<Int>)
        -> (PBody, Set<Int>, unsafe: [(Int, SourceLocation)], rest: PBody) {
        var bound = initial
        var remaining = Array(body.indices)
        var out: PBody = []
        out.reserveCapacity(body.count)
        let uses = body.map { VarUse.of($0, wildcards: wildcards) }
        // What a unification binds depends on what is bound before it (UnifySafety).
        func use(_ i: Int) -> VarUse {
            guard !body[i].negated, case .unify(let a, let b) = body[i].kind else { return uses[i] }
            var all = VarUse()
            all.value(a)
            all.value(b)
            let out = UnifySafety.outputs(a, b, bound: bound, extra: all.provides)
            var u = uses[i]
            u.needs = uses[i].needs.union(all.needs).subtracting(out)
            u.provides = out.union(all.provides)
            return u
        }
        while !remaining.isEmpty {
            var picked: (Int, VarUse)?
            for (pos, i) in remaining.enumerated() {
                let u = use(i)
                if u.needs.isSubset(of: bound) {
                    picked = (pos, u)
                    break
                }
            }
            guard let (pos, u) = picked else {
                var unsafe: [(Int, SourceLocation)] = []
                for i in remaining {
                    for slot in use(i).needs.subtracting(bound).sorted() where !unsafe.contains(where: { $0.0 == slot }) {
                        unsafe.append((slot, body[i].location))
                    }
                }
                return (out, bound, unsafe, remaining.map { body[$0] })
            }
            let i = remaining.remove(at: pos)
            out.append(body[i])
            bound.formUnion(u.provides)
        }
        return (out, bound, [], [])
    }
}
