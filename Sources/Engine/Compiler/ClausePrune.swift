// OPA skips a clause before its body runs when a ref the clause reads is undefined or a ref it
// tests holds another constant (ClauseReads). Here the same checks go into the body, just
// before the first expression that may raise (RaiseAnalysis), so an error the body would
// raise before reaching the ref is not raised (`p if { x := 5 / 0; input.c }` is undefined
// without `input.c`, as in OPA). The answers cannot change otherwise: each check is a read or
// test the body makes anyway, and what runs before it cannot raise. Only reads that something
// may raise before get a check (an earlier expression, or a call or rule ref that runs first
// in the same expression or head: `r := [f(1), g(input.n)]`), so common bodies (`input.a ==
// "x"; input.b`, `is_admin; input.b` when `is_admin` cannot raise) are left as they are, and
// so is what InputProjection sees; a clause that fails before its first raising expression
// never pays for its checks.

enum ClausePrune {
    /// Puts `r`'s checks in front of its body, where `raising` says something may raise before
    /// the read. Returns a copy of `r` with the checks `RaiseAnalysis.conservative` asks for
    /// when those are more (the node's `guardedRules`, run while a `with` replaces a function),
    /// else nil.
    static func addChecks(_ r: PRule, _ raising: RaiseAnalysis) -> PRule? {
        guard !r.isDefault else { return nil }
        guard r.elseChain.isEmpty else {
            addChecksToChain(r, raising)
            return nil
        }
        let body = r.body
        var guardedSlots = r.slotCount
        let (guardedChecks, guardedAt) = checks(r, .conservative, slotCount: &guardedSlots)
        var slots = r.slotCount
        let (preciseChecks, at) = checks(r, raising, slotCount: &slots)
        var guarded: PRule?
        if guardedChecks.count > preciseChecks.count {
            let g = r.copy()
            g.body = Array(body[..<guardedAt]) + guardedChecks + body[guardedAt...]
            g.slotCount = guardedSlots
            guarded = g
        }
        if !preciseChecks.isEmpty { r.body = Array(body[..<at]) + preciseChecks + body[at...] }
        r.slotCount = slots
        return guarded
    }

    /// OPA's index files each body of an else chain on its own (its value as its head): a body
    /// whose read is undefined or whose test fails is skipped, and the chain goes on
    /// (`r := 1 if { x := 1 / 0; input.u == "a" } else := 2` is 2 for `u = "b"`). Only the
    /// precise checks: under a replaced function such a chain keeps them.
    private static func addChecksToChain(_ r: PRule, _ raising: RaiseAnalysis) {
        var slots = r.slotCount
        func pruned(_ body: PBody, _ value: PTerm?) -> PBody {
            let t = r.copy()
            t.elseChain = []
            t.body = body
            t.value = value
            t.slotCount = slots
            let (cs, at) = checks(t, raising, slotCount: &slots)
            return cs.isEmpty ? body : Array(body[..<at]) + cs + body[at...]
        }
        r.body = pruned(r.body, r.value)
        r.elseChain = r.elseChain.map { (value: $0.value, body: pruned($0.body, $0.value)) }
        r.slotCount = slots
    }

    /// The checks `r` needs, and where they go: just before the first expression that may
    /// raise (the ones before it cannot, so a clause that fails there never pays for them).
    private static func checks(_ r: PRule, _ raising: RaiseAnalysis, slotCount: inout Int) -> ([PExpr], at: Int) {
        let first = r.body.firstIndex(where: raising.mayRaise) ?? r.body.count
        let head = r.keyPath + [r.key, r.value].compactMap { $0 }
        let headCallFirst = raiseBeforeRead(head, raising)
        var checks: [PExpr] = []
        // `input` itself is there whenever an input is.
        for u in ClauseReads(r).uses where u.level != .input([]) {
            // Needed when something may raise before the read: an earlier expression, or a
            // call of the same expression (of the head) that runs before its refs are read.
            let needed = u.position < r.body.count
                ? first < u.position || (first == u.position && raiseBeforeRead(terms(r.body[u.position]), raising))
                : first < r.body.count || headCallFirst
            guard needed else { continue }
            let loc = u.position < r.body.count ? r.body[u.position].location : r.location
            if let t = u.test {
                checks.append(t)
            } else if let pattern = u.pattern {
                // Length and constants only: every variable of the pattern gets a fresh local.
                let shape = pattern.map { t -> PTerm in
                    guard case .local = t else { return t }
                    slotCount += 1
                    return .local(slotCount - 1)
                }
                checks.append(PExpr(kind: .unify(.array(shape), u.term), negated: false, withs: [], location: loc))
            } else if let c = u.constant {
                if case .arg = u.level, case .const = u.term { continue }  // matched at the call
                checks.append(PExpr(kind: .unify(u.term, .const(c)), negated: false, withs: [], location: loc))
            } else {
                let slot = slotCount
                slotCount += 1
                checks.append(PExpr(kind: .unify(.local(slot), u.term), negated: false, withs: [], location: loc))
            }
        }
        return (checks, first)
    }

    private static func terms(_ e: PExpr) -> [PTerm] {
        switch e.kind {
        case .term(let t): return [t]
        case .unify(let a, let b): return [a, b]
        case .call(let c, _): return c.args
        default: return []
        }
    }

    /// Whether, reading `ts` left to right with arguments before their call, a call or a rule
    /// ref that may raise completes before some input or data ref is read.
    static func raiseBeforeRead(_ ts: [PTerm], _ raising: RaiseAnalysis) -> Bool {
        var raisers = 0
        func walk(_ t: PTerm) -> Bool {
            switch t {
            case .const, .local, .compr: return false
            case .input, .inputRef: return raisers > 0
            case .data(_, let parts):
                if raisers > 0 || parts.contains(where: walk) { return true }
                if ClauseReads.ground(t) == nil && raising.mayRaise(t) { raisers += 1 }
                return false
            case .ref(let base, let parts): return walk(base) || parts.contains(where: walk)
            case .array(let xs), .set(let xs), .template(let xs): return xs.contains(where: walk)
            case .object(let ks, let vs): return zip(ks, vs).contains { walk($0) || walk($1) }
            case .call(let c):
                if c.args.contains(where: walk) { return true }
                if raising.callMayRaise(c) { raisers += 1 }
                return false
            }
        }
        return ts.contains(where: walk)
    }
}
