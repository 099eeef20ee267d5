// OPA's compiler lifts every call nested in an expression into an expression of its own,
// innermost first, left to right; refs are read when the expression (or call) holding them
// runs. So a nested call runs before a ref that sits to its left: `x := data.d.nope +
// to_number("x")` raises to_number's error in OPA, where reading the arguments left to right
// stops at the undefined ref. This pass lifts the nested calls of exactly those expressions
// where the two orders differ (a ref read before a call that does not hold it), so other
// expressions keep their shape. Negated expressions are left alone (a lifted call that is
// undefined would turn `not …` false), as are `print`, `every`, `some … in` and ref-head keys;
// a head value's calls go to the end of its body.

struct CallHoisting {
    private var slotCount: Int

    static func rewrite(_ r: PRule) {
        var h = CallHoisting(slotCount: r.slotCount)
        var changed = false
        let b = h.body(r.body, &changed)
        if changed { r.body = b }
        var elseChanged = false
        var chain = r.elseChain.map { (value: $0.value, body: h.body($0.body, &elseChanged)) }
        // A value's (or a partial set's element's) nested calls run at the end of the body,
        // before the value's refs are read: `r := [s, to_number("x")]` raises to_number's
        // error when rule s raises too. Key paths (`r[s] := …`) are read first, as in OPA.
        if let v = r.value, CallHoisting.needsLifting(.term(v)) {
            var lifted: [PExpr] = []
            r.value = h.lift(v, [], &lifted)
            r.body = r.body + lifted
        }
        if r.kind == .partialSet, let k = r.key, CallHoisting.needsLifting(.term(k)) {
            var lifted: [PExpr] = []
            r.key = h.lift(k, [], &lifted)
            r.body = r.body + lifted
        }
        for i in chain.indices where CallHoisting.needsLifting(.term(chain[i].value)) {
            var lifted: [PExpr] = []
            chain[i].value = h.lift(chain[i].value, [], &lifted)
            chain[i].body = chain[i].body + lifted
            elseChanged = true
        }
        if elseChanged { r.elseChain = chain }
        // Comprehensions in heads are bodies like any other.
        var headChanged = false
        let value = r.value.map { h.terms($0, &headChanged) }
        let key = r.key.map { h.terms($0, &headChanged) }
        let keyPath = r.keyPath.map { h.terms($0, &headChanged) }
        if headChanged {
            r.value = value
            r.key = key
            r.keyPath = keyPath
        }
        r.slotCount = h.slotCount
    }

    private mutating func body(_ b: PBody, _ changed: inout Bool) -> PBody {
        var out: PBody = []
        out.reserveCapacity(b.count)
        for e in b {
            let xs = expr(e)
            if xs.count != 1 || xs[0] !== e { changed = true }
            out += xs
        }
        return out
    }

    private mutating func expr(_ e0: PExpr) -> [PExpr] {
        let e = nested(e0)
        guard !e.negated, CallHoisting.needsLifting(e.kind, comprehensions: true) else { return [e] }
        var lifted: [PExpr] = []
        let kind: PExpr.Kind
        switch e.kind {
        case .term(let t): kind = .term(lift(t, e.withs, &lifted))
        case .unify(let a, let b): kind = .unify(lift(a, e.withs, &lifted), lift(b, e.withs, &lifted))
        case .call(let c, let output):
            let args = c.args.map { lift($0, e.withs, &lifted) }
            kind = .call(PCall(target: c.target, name: c.name, args: args, location: c.location), output: output)
        default: return [e]
        }
        return lifted + [PExpr(kind: kind, negated: e.negated, withs: e.withs, location: e.location)]
    }

    /// `t` with each call replaced by a new local, the calls appended to `out` (innermost first).
    private mutating func lift(_ t: PTerm, _ withs: [PWith], _ out: inout [PExpr]) -> PTerm {
        switch t {
        case .const, .local, .input, .inputRef, .compr, .data, .ref, .array, .set, .template, .object:
            return t.mappingOperands { lift($0, withs, &out) } ?? t
        case .call(let c):
            let args = c.args.map { lift($0, withs, &out) }
            let slot = slotCount
            slotCount += 1
            let call = PCall(target: c.target, name: c.name, args: args, location: c.location)
            out.append(PExpr(kind: .call(call, output: .local(slot)), negated: false, withs: withs, location: c.location))
            return .local(slot)
        }
    }

    // MARK: nested bodies (comprehensions, every, not, and/or)

    private mutating func nested(_ e: PExpr) -> PExpr {
        var changed = false
        let kind: PExpr.Kind
        switch e.kind {
        case .term(let t): kind = .term(terms(t, &changed))
        case .unify(let a, let b): kind = .unify(terms(a, &changed), terms(b, &changed))
        case .call(let c, let output):
            let args = c.args.map { terms($0, &changed) }
            guard changed else { return e }
            kind = .call(PCall(target: c.target, name: c.name, args: args, location: c.location), output: output)
        case .every(let key, let value, let coll, let b, let captured):
            kind = .every(key: key, value: value, collection: coll, body: body(b, &changed), captured: captured)
        case .logical(let isAnd, let l, let r): kind = .logical(isAnd: isAnd, body(l, &changed), body(r, &changed))
        case .notBody(let b, let captured): kind = .notBody(body(b, &changed), captured: captured)
        case .print, .someIn, .noop: return e
        }
        return changed ? PExpr(kind: kind, negated: e.negated, withs: e.withs, location: e.location) : e
    }

    private mutating func terms(_ t: PTerm, _ changed: inout Bool) -> PTerm {
        switch t {
        case .const, .local, .input, .inputRef, .data, .ref, .array, .set, .template, .object:
            return t.mappingOperands { terms($0, &changed) } ?? t
        case .call(let c):
            var inner = false
            let args = c.args.map { terms($0, &inner) }
            guard inner else { return t }
            changed = true
            return .call(PCall(target: c.target, name: c.name, args: args, location: c.location))
        case .compr(let c):
            var inner = false
            let b = body(c.body, &inner)
            guard inner else { return t }
            changed = true
            return .compr(PCompr(kind: c.kind, head: c.head, value: c.value, body: b, captured: c.captured, location: c.location))
        }
    }

    // MARK: when the orders differ

    /// Walks `kind`'s terms in policyd's order (left to right, arguments before their call):
    /// true when a nested call runs after a ref it does not hold was read.
    /// With `comprehensions`, a comprehension counts as a read too: OPA evaluates it where the
    /// expression runs, after the lifted calls (`{v | some v in json.patch(…)} |
    /// object.keys(json.unmarshal("[1"))` raises json.unmarshal's error).
    static func needsLifting(_ kind: PExpr.Kind, comprehensions: Bool = false) -> Bool {
        var w = Walk(comprehensions: comprehensions)
        switch kind {
        case .term(let t): w.term(t)
        case .unify(let a, let b): w.term(a); w.term(b)
        case .call(let c, _): for a in c.args { w.term(a) }
        default: return false
        }
        return w.found
    }

    private struct Walk {
        let comprehensions: Bool
        var refs = 0
        var found = false

        mutating func term(_ t: PTerm) {
            switch t {
            case .compr: if comprehensions { refs += 1 }
            case .const, .local: return
            case .input, .inputRef: refs += 1
            case .data(_, let parts):
                refs += 1
                for p in parts { term(p) }
            case .ref(let base, let parts):
                refs += 1
                term(base)
                for p in parts { term(p) }
            case .array(let xs), .set(let xs), .template(let xs): for x in xs { term(x) }
            case .object(let ks, let vs): for (k, v) in zip(ks, vs) { term(k); term(v) }
            case .call(let c):
                let before = refs
                for a in c.args { term(a) }
                if before > 0 { found = true }
            }
        }
    }
}
