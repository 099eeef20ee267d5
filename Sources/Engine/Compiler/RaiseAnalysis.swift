// Which expressions may raise an error, for ClausePrune (it puts a clause's index checks in
// front of its body only where something may raise before a read). A rule set, or a function,
// may raise when one of its clauses can: a builtin that can fail, a `with`, a ref to a rule
// set or a call of a function that may raise, a comprehension whose body may, heads and else
// chains alike, or two values that can conflict (complete rules and functions whose
// definitions are not one constant or one solution, partial objects, rules with rules below).
//
// Decided once per plan, depth first with a memo per node. A node met again while its own
// answer is pending (recursion, which OPA rejects anyway) is taken to raise, so every node on
// a cycle raises. The answers hold while no `with` replaces a function (a replacement can make
// any call raise): the evaluator then runs each node's `guardedRules`, whose checks come from
// `RaiseAnalysis.conservative` (every call and rule ref may raise).

final class RaiseAnalysis {
    /// Every call of a user function and every ref to a rule (or to a package with rules
    /// below) may raise.
    static var conservative: RaiseAnalysis { RaiseAnalysis(precise: false) }

    private let precise: Bool
    private enum State { case pending, raises, safe }
    private var states: [Int: State] = [:]

    init() { precise = true }
    private init(precise: Bool) { self.precise = precise }

    /// Whether evaluating `e` may raise an error.
    func mayRaise(_ e: PExpr) -> Bool {
        if !e.withs.isEmpty { return true }
        switch e.kind {
        case .term(let t): return mayRaise(t)
        case .unify(let a, let b): return mayRaise(a) || mayRaise(b)
        case .call(let c, let output): return callMayRaise(c) || (output.map(mayRaise) ?? false)
        case .someIn(let k, let v, let coll):
            return (k.map(mayRaise) ?? false) || mayRaise(v) || mayRaise(coll)
        case .noop: return false
        case .every(let k, let v, let coll, let body, _):
            guard precise else { return true }
            return (k.map(mayRaise) ?? false) || mayRaise(v) || mayRaise(coll) || body.contains(where: mayRaise)
        case .notBody(let body, _):
            guard precise else { return true }
            return body.contains(where: mayRaise)
        case .logical(_, let a, let b):
            guard precise else { return true }
            return a.contains(where: mayRaise) || b.contains(where: mayRaise)
        case .print: return true
        }
    }

    func mayRaise(_ t: PTerm) -> Bool {
        switch t {
        case .const, .local, .input, .inputRef: return false
        case .data(let node, let parts):
            if parts.contains(where: mayRaise) { return true }
            if node.hasRules || node.defaultRule != nil { return nodeMayRaise(node) }
            // A constant first key past the deepest node leads into base data (the plan
            // builder follows every key that names a child); otherwise rules below are read.
            if let first = parts.first, first.isConst { return false }
            return Self.hasRulesBelow(node)
        case .ref(let base, let parts): return mayRaise(base) || parts.contains(where: mayRaise)
        case .array(let xs), .set(let xs): return xs.contains(where: mayRaise)
        case .object(let ks, let vs): return ks.contains(where: mayRaise) || vs.contains(where: mayRaise)
        case .call(let c): return callMayRaise(c)
        case .compr(let c):
            // An object comprehension can produce one key twice with other values.
            guard precise, c.kind == .array || c.kind == .set else { return true }
            return mayRaise(c.head) || c.body.contains(where: mayRaise)
        case .template: return true
        }
    }

    /// Whether the call itself or one of its arguments may raise.
    func callMayRaise(_ c: PCall) -> Bool {
        if c.args.contains(where: mayRaise) { return true }
        switch c.target {
        case .builtin(let b): return !Self.safe.contains(b.name)
        case .function(let node): return nodeMayRaise(node)
        }
    }

    /// Whether reading rule set `node` (calling it, for a function) may raise.
    func nodeMayRaise(_ node: DataNode) -> Bool {
        guard precise else { return true }
        switch states[node.id] {
        case .pending?, .raises?: return true
        case .safe?: return false
        case nil: break
        }
        states[node.id] = .pending
        let raises = Self.mayConflict(node) || node.children.values.contains(where: Self.hasRulesBelow)
            || node.rules.contains(where: ruleMayRaise) || (node.defaultRule.map(ruleMayRaise) ?? false)
        states[node.id] = raises ? .raises : .safe
        return raises
    }

    private func ruleMayRaise(_ r: PRule) -> Bool {
        r.args.contains(where: mayRaise) || r.body.contains(where: mayRaise)
            || r.keyPath.contains(where: mayRaise) || (r.key.map(mayRaise) ?? false) || (r.value.map(mayRaise) ?? false)
            || r.elseChain.contains { mayRaise($0.value) || $0.body.contains(where: mayRaise) }
    }

    /// Whether two solutions of `node`'s rules can disagree (a conflict error): not for a
    /// partial set, nor when every value (else values included) is one and the same constant,
    /// nor for one definition whose body and value give at most one solution and whose else
    /// values are constants (a constant value stops at the first solution).
    private static func mayConflict(_ node: DataNode) -> Bool {
        switch node.kind {
        case .package, .partialSet: return false
        case .partialObject: return true
        case .complete, .function: break
        }
        var values: [PTerm] = []
        for r in node.rules {
            if let v = r.value { values.append(v) }
            values += r.elseChain.map { $0.value }
        }
        let constants = values.compactMap(\.constValue)
        if constants.count == values.count, constants.dropFirst().allSatisfy({ $0 == constants[0] }) { return false }
        guard node.rules.count == 1, let r = node.rules.first else { return true }
        if r.value?.isConst ?? true, r.elseChain.allSatisfy({ $0.value.isConst }) { return false }
        return !(r.elseChain.isEmpty && singleSolution(r.body) && !(r.value.map(iterates) ?? false))
    }

    /// True when `body` yields at most one solution: no `some … in`, no ref with a variable key
    /// (it may iterate), no `walk`.
    private static func singleSolution(_ body: PBody) -> Bool {
        body.allSatisfy { e in
            switch e.kind {
            case .term(let t): return !iterates(t)
            case .unify(let a, let b): return !iterates(a) && !iterates(b)
            case .call(let c, let output): return !c.isWalk && !c.args.contains(where: iterates) && !(output.map(iterates) ?? false)
            case .noop, .notBody, .every: return true
            case .someIn, .logical, .print: return false
            }
        }
    }

    /// Whether `t` may have more than one value: a ref with a non-constant key, or a walk.
    private static func iterates(_ t: PTerm) -> Bool {
        switch t {
        case .const, .local, .input, .inputRef, .compr: return false
        case .data(_, let parts): return parts.contains { !$0.isConst }
        case .ref(let base, let parts): return iterates(base) || parts.contains { !$0.isConst }
        case .array(let xs), .set(let xs), .template(let xs): return xs.contains(where: iterates)
        case .object(let ks, let vs): return ks.contains(where: iterates) || vs.contains(where: iterates)
        case .call(let c): return c.isWalk || c.args.contains(where: iterates)
        }
    }

    static func hasRulesBelow(_ n: DataNode) -> Bool {
        n.hasRules || n.defaultRule != nil || n.children.values.contains(where: hasRulesBelow)
    }

    /// Builtins that never raise (comparisons and membership in a collection).
    private static let safe: Set<String> = ["equal", "neq", "lt", "lte", "gt", "gte", "internal.member_2"]
}
