// OPA skips a clause before its body runs when a ref the clause reads is undefined or a ref it
// tests holds another constant (ClauseReads). Here the same checks go in front of the body,
// so an error the body would raise before reaching the ref is not raised (`p if { x := 5 / 0;
// input.c }` is undefined without `input.c`, as in OPA). The answers cannot change otherwise:
// each check is a read or test the body makes anyway. Only reads that something may raise
// before get a check (an earlier expression, or a call that runs first in the same expression
// or head: `r := [f(1), g(input.n)]`), so common bodies (`input.a == "x"; input.b`) are left
// as they are, and so is what InputProjection sees.

enum ClausePrune {
    static func addChecks(_ r: PRule) {
        guard r.elseChain.isEmpty, !r.isDefault else { return }
        let first = r.body.firstIndex(where: mayRaise) ?? r.body.count
        let head = r.keyPath + [r.key, r.value].compactMap { $0 }
        let headCallFirst = callBeforeRead(head)
        var checks: [PExpr] = []
        // `input` itself is there whenever an input is.
        for u in ClauseReads(r).uses where u.level != .input([]) {
            // Needed when something may raise before the read: an earlier expression, or a
            // call of the same expression (of the head) that runs before its refs are read.
            let needed = u.position < r.body.count
                ? first < u.position || (first == u.position && callBeforeRead(terms(r.body[u.position])))
                : first < r.body.count || headCallFirst
            guard needed else { continue }
            let loc = u.position < r.body.count ? r.body[u.position].location : r.location
            if let t = u.test {
                checks.append(t)
            } else if let pattern = u.pattern {
                // Length and constants only: every variable of the pattern gets a fresh local.
                let shape = pattern.map { t -> PTerm in
                    guard case .local = t else { return t }
                    r.slotCount += 1
                    return .local(r.slotCount - 1)
                }
                checks.append(PExpr(kind: .unify(.array(shape), u.term), negated: false, withs: [], location: loc))
            } else if let c = u.constant {
                if case .arg = u.level, case .const = u.term { continue }  // matched at the call
                checks.append(PExpr(kind: .unify(u.term, .const(c)), negated: false, withs: [], location: loc))
            } else {
                let slot = r.slotCount
                r.slotCount += 1
                checks.append(PExpr(kind: .unify(.local(slot), u.term), negated: false, withs: [], location: loc))
            }
        }
        if !checks.isEmpty { r.body = checks + r.body }
    }

    /// Whether evaluating `e` may raise an error (conservative: true unless it only reads,
    /// compares and unifies).
    static func mayRaise(_ e: PExpr) -> Bool {
        if !e.withs.isEmpty { return true }
        switch e.kind {
        case .term(let t): return termMayRaise(t)
        case .unify(let a, let b): return termMayRaise(a) || termMayRaise(b)
        case .call(let c, let output):
            guard case .builtin(let b) = c.target, safe.contains(b.name) else { return true }
            return c.args.contains(where: termMayRaise) || (output.map(termMayRaise) ?? false)
        case .someIn(let k, let v, let coll):
            return (k.map(termMayRaise) ?? false) || termMayRaise(v) || termMayRaise(coll)
        case .noop: return false
        case .print, .every, .logical, .notBody: return true
        }
    }

    private static func terms(_ e: PExpr) -> [PTerm] {
        switch e.kind {
        case .term(let t): return [t]
        case .unify(let a, let b): return [a, b]
        case .call(let c, _): return c.args
        default: return []
        }
    }

    /// Whether, reading `ts` left to right with arguments before their call, a call completes
    /// before some input or data ref is read.
    static func callBeforeRead(_ ts: [PTerm]) -> Bool {
        var calls = 0
        func walk(_ t: PTerm) -> Bool {
            switch t {
            case .const, .local, .compr: return false
            case .input, .inputRef: return calls > 0
            case .data(_, let parts): return calls > 0 || parts.contains(where: walk)
            case .ref(let base, let parts): return walk(base) || parts.contains(where: walk)
            case .array(let xs), .set(let xs), .template(let xs): return xs.contains(where: walk)
            case .object(let ks, let vs): return zip(ks, vs).contains { walk($0) || walk($1) }
            case .call(let c):
                if c.args.contains(where: walk) { return true }
                calls += 1
                return false
            }
        }
        return ts.contains(where: walk)
    }

    private static let safe: Set<String> = ["equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2"]

    private static func termMayRaise(_ t: PTerm) -> Bool {
        switch t {
        case .const, .local, .input, .inputRef: return false
        case .data(let node, let parts):
            return ClauseReads.ground(.data(node, parts.isEmpty ? [] : [.const(.null)])) == nil
                || parts.contains(where: termMayRaise)
        case .ref(let base, let parts): return termMayRaise(base) || parts.contains(where: termMayRaise)
        case .array(let xs), .set(let xs): return xs.contains(where: termMayRaise)
        case .object(let ks, let vs): return ks.contains(where: termMayRaise) || vs.contains(where: termMayRaise)
        case .call, .compr, .template: return true
        }
    }
}
