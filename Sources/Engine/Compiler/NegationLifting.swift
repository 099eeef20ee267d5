// What a negated expression reads before the negation applies, as OPA compiles it.
//
// OPA lifts the calls nested in an expression into expressions of their own, and binds the
// refs a call takes as operands to locals first (`__local0__ = input.k; not
// is_string(__local0__)`); both land before the expression, outside its `not`. An equality
// (`=`, and `==`, which OPA turns into `=`) keeps its refs in place and only has the refs in
// their dynamic keys and inside composite sides bound first. So a negated expression over an
// undefined operand is undefined rather than true: `not is_string(input.k)`, `not input.k > 1`,
// `not count(input.k) == 1`, `not input.k in {1}`, `not r >= 2` with rule r undefined and `not
// data.d.users[input.user].x` without `input.user` fail, while `not input.k == 1`, `not 1 =
// input.k` and `not input.k` are true (settled with the oracle, OPA 1.20.2). An iterating
// operand iterates outside the negation (`not f(input.xs[_])` holds when some element fails f).
// Under `import future.keywords.not` (or `future.keywords`), OPA keeps `not expr` a negated body
// and all of it stays inside: modules with that import are not rewritten.

struct NegationLifting {
    private var slotCount: Int

    /// Rewrites the negated expressions of `r`'s bodies (else bodies and nested bodies too).
    static func rewrite(_ r: PRule) {
        var l = NegationLifting(slotCount: r.slotCount)
        var changed = false
        let b = l.body(r.body, &changed)
        if changed { r.body = b }
        var elseChanged = false
        let chain = r.elseChain.map { (value: $0.value, body: l.body($0.body, &elseChanged)) }
        if elseChanged { r.elseChain = chain }
        var headChanged = false
        let value = r.value.map { l.nestedTerm($0, &headChanged) }
        let key = r.key.map { l.nestedTerm($0, &headChanged) }
        if headChanged {
            r.value = value
            r.key = key
        }
        r.slotCount = l.slotCount
    }

    /// The imports that keep `not expr` whole (OPA's `not` keyword).
    static func keepsNegationWhole(_ m: Module) -> Bool {
        m.imports.contains { imp in
            guard imp.path.headVariable == "future" else { return false }
            let keys = imp.path.parts.map { $0.stringKey ?? "" }
            return keys == ["keywords", "not"] || keys == ["keywords"]
        }
    }

    private mutating func body(_ b: PBody, _ changed: inout Bool) -> PBody {
        var out: PBody = []
        out.reserveCapacity(b.count)
        for e0 in b {
            let e = nested(e0, &changed)
            guard e.negated else {
                out.append(e)
                continue
            }
            var lifted: [PExpr] = []
            let kind: PExpr.Kind
            switch e.kind {
            case .unify(let a, let b):
                kind = .unify(equalitySide(a, e.withs, &lifted), equalitySide(b, e.withs, &lifted))
            case .call(let c, let output) where output == nil && NegationLifting.isEqual(c):
                let args = c.args.map { equalitySide($0, e.withs, &lifted) }
                kind = .call(PCall(target: c.target, name: c.name, args: args, location: c.location), output: nil)
            case .call(let c, let output):
                let args = c.args.map { operand(liftCalls($0, e.withs, &lifted), e.withs, &lifted) }
                kind = .call(PCall(target: c.target, name: c.name, args: args, location: c.location), output: output)
            case .term(.call(let c)):
                let args = c.args.map { operand(liftCalls($0, e.withs, &lifted), e.withs, &lifted) }
                kind = .term(.call(PCall(target: c.target, name: c.name, args: args, location: c.location)))
            case .term(let t):
                kind = .term(equalitySide(t, e.withs, &lifted))
            default:
                out.append(e)
                continue
            }
            if lifted.isEmpty {
                out.append(e)
                continue
            }
            changed = true
            out += lifted
            out.append(PExpr(kind: kind, negated: true, withs: e.withs, location: e.location))
        }
        return out
    }

    private static func isEqual(_ c: PCall) -> Bool {
        if case .builtin(let b) = c.target, b.name == "equal", c.args.count == 2 { return true }
        return false
    }

    /// A side of an equality (or a term expression): its nested calls lifted, then the refs
    /// in a ref's dynamic keys, or every ref inside a composite, bound first.
    private mutating func equalitySide(_ t0: PTerm, _ withs: [PWith], _ out: inout [PExpr]) -> PTerm {
        let t = liftCalls(t0, withs, &out)
        switch t {
        case .ref(let base, let parts): return .ref(base, parts.map { operand($0, withs, &out) })
        case .data(let n, let parts): return .data(n, parts.map { operand($0, withs, &out) })
        case .input, .inputRef, .compr: return t
        default: return operand(t, withs, &out)
        }
    }

    /// A call operand: a ref is bound to a new local (its dynamic keys first); composites have
    /// their refs bound; constants, locals and comprehensions stay.
    private mutating func operand(_ t: PTerm, _ withs: [PWith], _ out: inout [PExpr]) -> PTerm {
        switch t {
        case .const, .local, .compr, .call, .template: return t
        case .ref(let base, let parts):
            return bind(.ref(base, parts.map { operand($0, withs, &out) }), withs, &out)
        case .data(let n, let parts):
            return bind(.data(n, parts.map { operand($0, withs, &out) }), withs, &out)
        case .input, .inputRef:
            return bind(t, withs, &out)
        case .array(let xs): return .array(xs.map { operand($0, withs, &out) })
        case .set(let xs): return .set(xs.map { operand($0, withs, &out) })
        case .object(let ks, let vs): return .object(ks.map { operand($0, withs, &out) }, vs.map { operand($0, withs, &out) })
        }
    }

    private mutating func bind(_ t: PTerm, _ withs: [PWith], _ out: inout [PExpr]) -> PTerm {
        let slot = slotCount
        slotCount += 1
        out.append(PExpr(kind: .unify(.local(slot), t), negated: false, withs: withs, location: SourceLocation(file: "", row: 0, col: 0)))
        return .local(slot)
    }

    /// `t` with each nested call replaced by a new local; the calls (their ref operands bound
    /// first) appended to `out`, innermost first.
    private mutating func liftCalls(_ t: PTerm, _ withs: [PWith], _ out: inout [PExpr]) -> PTerm {
        switch t {
        case .const, .local, .input, .inputRef, .compr, .data, .ref, .array, .set, .template, .object:
            return t.mappingOperands { liftCalls($0, withs, &out) } ?? t
        case .call(let c):
            let args = c.args.map { operand(liftCalls($0, withs, &out), withs, &out) }
            let slot = slotCount
            slotCount += 1
            let call = PCall(target: c.target, name: c.name, args: args, location: c.location)
            out.append(PExpr(kind: .call(call, output: .local(slot)), negated: false, withs: withs, location: c.location))
            return .local(slot)
        }
    }

    // MARK: nested bodies (comprehensions, every, not { … }, and/or)

    private mutating func nested(_ e: PExpr, _ changed: inout Bool) -> PExpr {
        var inner = false
        let kind: PExpr.Kind
        switch e.kind {
        case .term(let t): kind = .term(nestedTerm(t, &inner))
        case .unify(let a, let b): kind = .unify(nestedTerm(a, &inner), nestedTerm(b, &inner))
        case .call(let c, let output):
            let args = c.args.map { nestedTerm($0, &inner) }
            kind = .call(PCall(target: c.target, name: c.name, args: args, location: c.location), output: output)
        case .every(let key, let value, let coll, let b, let captured):
            kind = .every(key: key, value: value, collection: coll, body: body(b, &inner), captured: captured)
        case .logical(let isAnd, let l, let r): kind = .logical(isAnd: isAnd, body(l, &inner), body(r, &inner))
        case .notBody(let b, let captured): kind = .notBody(body(b, &inner), captured: captured)
        case .print, .someIn, .noop: return e
        }
        guard inner else { return e }
        changed = true
        return PExpr(kind: kind, negated: e.negated, withs: e.withs, location: e.location)
    }

    private mutating func nestedTerm(_ t: PTerm, _ changed: inout Bool) -> PTerm {
        switch t {
        case .const, .local, .input, .inputRef, .data, .ref, .array, .set, .template, .object:
            return t.mappingOperands { nestedTerm($0, &changed) } ?? t
        case .call(let c):
            var inner = false
            let args = c.args.map { nestedTerm($0, &inner) }
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
}
