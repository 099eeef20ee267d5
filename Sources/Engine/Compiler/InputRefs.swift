// Ground input references (`input.tool.name`: `input` followed by constant keys) are read
// once per evaluation. A policy reads the same few request fields in many rules and inside
// loops (`some p in patterns; regex.match(p, input.tool.name)`); each read walked the input
// objects again. After lowering, every such reference in the rule tree becomes `.inputRef`,
// one shared `InputRef` per distinct path, whose id continues after the data node ids so the
// value is kept in the evaluator's memo table: reset per evaluation, and a fresh one while a
// `with` modifier is in effect (so `with input…` is honoured).

/// `input` followed by constant keys, read through the evaluation memo (`Evaluator.inputRefValue`).
final class InputRef {
    /// Memo slot (after the data node ids).
    let id: Int
    /// The keys, as lowered (`.const` terms), and as values.
    let path: [PTerm]
    let keys: [Value]
    init(id: Int, path: [PTerm], keys: [Value]) {
        self.id = id
        self.path = path
        self.keys = keys
    }
}

/// Rewrites the rules below a node, replacing `.ref(.input, constant keys)` with `.inputRef`.
/// Only terms are replaced: rules keep their identity (rule indexes refer to them), and
/// expressions, calls and comprehensions are rebuilt only when something inside changed.
///
/// The same pass gives builtin calls with a specialiser the candidate values of their
/// arguments (Compiler/CallSiteCandidates.swift), since both need the finished plan.
struct InputRefRewriter {
    private(set) var nextID: Int
    private var refs: [[Value]: InputRef] = [:]
    /// The current rule's slot candidates.
    private var candidates = SlotCandidates()

    init(nextID: Int) { self.nextID = nextID }

    mutating func rewrite(_ n: DataNode) {
        for r in n.rules { rule(r) }
        if let guarded = n.guardedRules {
            let own = Set(n.rules.map { ObjectIdentifier($0) })
            for g in guarded where !own.contains(ObjectIdentifier(g)) { rule(g) }
        }
        if let d = n.defaultRule { rule(d) }
        for c in n.children.values { rewrite(c) }
    }

    private mutating func rule(_ r: PRule) {
        candidates = SlotCandidates(r)
        r.keyPath = r.keyPath.map { term($0) }
        r.key = r.key.map { term($0) }
        r.value = r.value.map { term($0) }
        r.body = body(r.body)
        r.elseChain = r.elseChain.map { (value: term($0.value), body: body($0.body)) }
    }

    private mutating func body(_ b: PBody) -> PBody { b.map { expr($0) } }

    private mutating func expr(_ e: PExpr) -> PExpr {
        // Most expressions read no ground input path: keep them as they are instead of
        // rebuilding every expression of every rule (a tenth of compile time for 1,000 modules).
        if e.withs.isEmpty, !Self.mayRewrite(e.kind) { return e }
        let kind: PExpr.Kind
        switch e.kind {
        case .term(let t): kind = .term(term(t))
        case .unify(let a, let b): kind = .unify(term(a), term(b))
        case .call(let c, let output): kind = .call(call(c), output: output.map { term($0) })
        case .print(let ts): kind = .print(ts.map { term($0) })
        case .someIn(let key, let value, let coll):
            kind = .someIn(key: key.map { term($0) }, value: term(value), collection: term(coll))
        case .every(let key, let value, let coll, let b, let captured):
            kind = .every(key: key.map { term($0) }, value: term(value), collection: term(coll), body: body(b), captured: captured)
        case .logical(let isAnd, let l, let r): kind = .logical(isAnd: isAnd, body(l), body(r))
        case .notBody(let b, let captured): kind = .notBody(body(b), captured: captured)
        case .noop: return e
        }
        let withs = e.withs.map { w -> PWith in
            var w = w
            if case .value(let t) = w.value { w.value = .value(term(t)) }
            return w
        }
        return PExpr(kind: kind, negated: e.negated, withs: withs, location: e.location)
    }

    /// False when no term of `kind` holds an `input` ref or a call a specialiser may refine
    /// (nested bodies: assumed to).
    private static func mayRewrite(_ kind: PExpr.Kind) -> Bool {
        switch kind {
        case .term(let t): return t.holdsInputPath
        case .unify(let a, let b): return a.holdsInputPath || b.holdsInputPath
        case .call(let c, let output): return c.needsRewrite || (output?.holdsInputPath ?? false)
        case .print(let ts): return ts.contains { $0.holdsInputPath }
        case .someIn(let key, let value, let coll):
            return (key?.holdsInputPath ?? false) || value.holdsInputPath || coll.holdsInputPath
        case .every, .logical, .notBody: return true
        case .noop: return false
        }
    }

    /// A call is rebuilt (its specialisation asked again) only when an argument changed or a
    /// specialiser can use candidate values of a non-constant argument.
    private mutating func call(_ c: PCall) -> PCall {
        let args = c.args.map { term($0) }
        var hints: [[Value]?]?
        if case .builtin(let b) = c.target, b.specializer != nil {
            let h = args.map { candidates.of($0) }
            if zip(args, h).contains(where: { !$0.isConst && $1 != nil }) { hints = h }
        }
        guard hints != nil || args.contains(where: \.containsInputRef) else { return c }
        return PCall(target: c.target, name: c.name, args: args, location: c.location, candidates: hints)
    }

    mutating func term(_ t: PTerm) -> PTerm {
        switch t {
        case .const, .local, .input, .inputRef:
            return t
        case .data(let n, let path):
            return .data(n, path.map { term($0) })
        case .ref(.input, let path):
            var keys: [Value] = []
            for p in path {
                guard case .const(let k) = p else { break }
                keys.append(k)
            }
            if keys.isEmpty { return .ref(.input, path.map { term($0) }) }
            let head = PTerm.inputRef(ref(keys, Array(path[0..<keys.count])))
            if keys.count == path.count { return head }
            // `input.a.b[x]`: the constant prefix through the memo, the rest walked.
            return .ref(head, path[keys.count...].map { term($0) })
        case .ref(let head, let path):
            return .ref(term(head), path.map { term($0) })
        case .array(let xs): return .array(xs.map { term($0) })
        case .set(let xs): return .set(xs.map { term($0) })
        case .template(let xs): return .template(xs.map { term($0) })
        case .object(let ks, let vs): return .object(ks.map { term($0) }, vs.map { term($0) })
        case .call(let c): return .call(call(c))
        case .compr(let c):
            return .compr(PCompr(kind: c.kind, head: term(c.head), value: c.value.map { term($0) },
                                 body: body(c.body), captured: c.captured, location: c.location))
        }
    }

    private mutating func ref(_ keys: [Value], _ path: [PTerm]) -> InputRef {
        if let r = refs[keys] { return r }
        let r = InputRef(id: nextID, path: path, keys: keys)
        nextID += 1
        refs[keys] = r
        return r
    }
}

extension PCall {
    /// True when the rewriter must visit the call: an argument may hold an input path, or the
    /// builtin has a specialiser that candidate values could refine (CallSiteCandidates).
    var needsRewrite: Bool {
        if case .builtin(let b) = target, b.specializer != nil { return true }
        return args.contains { $0.holdsInputPath }
    }
}

extension PTerm {
    /// True when a `.ref(.input, …)` (what InputRefRewriter replaces) or a call a specialiser
    /// may refine (`PCall.needsRewrite`) may occur in the term.
    var holdsInputPath: Bool {
        switch self {
        case .ref(.input, _): return true
        case .const, .local, .input, .inputRef: return false
        case .data(_, let path): return path.contains { $0.holdsInputPath }
        case .ref(let head, let path): return head.holdsInputPath || path.contains { $0.holdsInputPath }
        case .array(let xs), .set(let xs), .template(let xs): return xs.contains { $0.holdsInputPath }
        case .object(let ks, let vs): return ks.contains { $0.holdsInputPath } || vs.contains { $0.holdsInputPath }
        case .call(let c): return c.needsRewrite
        case .compr: return true
        }
    }

    /// True when an `.inputRef` occurs anywhere in the term.
    var containsInputRef: Bool {
        switch self {
        case .inputRef: return true
        case .const, .local, .input: return false
        case .data(_, let path): return path.contains { $0.containsInputRef }
        case .ref(let head, let path): return head.containsInputRef || path.contains { $0.containsInputRef }
        case .array(let xs), .set(let xs), .template(let xs): return xs.contains { $0.containsInputRef }
        case .object(let ks, let vs): return ks.contains { $0.containsInputRef } || vs.contains { $0.containsInputRef }
        case .call(let c): return c.args.contains { $0.containsInputRef }
        case .compr: return true  // rebuilt anyway
        }
    }
}
