// What one clause reads from `input`, base `data` and its function arguments, as OPA's rule
// index sees it: the refs OPA files clauses by (ClauseOrder) and skips clauses on before their
// bodies run (`p if { x := 5 / 0; input.c }` is undefined in OPA when `input.c` is: the
// clause never runs; the same for `data.d.nope != 1`, `count(input.c) > 0`, `[input.c]`,
// `y := input.c`, a head `p := input.c`, and `input.c == 2` / `input.c in {1, 2}` when
// `input.c` is another value, `f(y) if { …; y == 1 }` called with 2).
//
// Learnt by experiment against OPA 1.20. A top-level, non-negated expression without `with`
// reads every `input` / base-`data` ref with constant keys in it, outside comprehensions,
// except `x == y` of two such refs, `some … in`, `every` bodies, `print` and `not` (an `every`
// domain is read: OPA binds it to a local first; what OPA lifts out of a negated expression is
// lifted by NegationLifting). A ref with a
// variable key reads nothing (`input.xs[v] != 2`, `y := input.xs[_]` and
// `data.d.users[v].name == "a"` run whatever the input), except `input.xs[_] == c`, a test
// that some element equals `c`. It tests a ref against a constant in `ref == c`, `c = ref`,
// `ref in {c…}` and through a local (`y := input.a; y == 1`); a function tests an argument in
// `arg == c` (also through `arg = x; x == c`); an array pattern (`[1, x] = input.pair`) tests
// the length and the constants. A bare `input.c` only reads (`false` does not
// skip the clause). Heads read like expressions. Refs to rules (virtual documents) are not
// filed. Clauses with `else` read nothing and are never skipped.

struct ClauseReads {
    /// What a level files clauses by.
    enum Level: Hashable {
        case input([Value])
        /// A base-data ref: the node's id and the whole constant path.
        case data(Int, [Value])
        case arg(Int)
    }

    struct Use {
        let level: Level
        /// The constant tested, if the clause tests the ref (the first test seen).
        var constant: Value?
        /// Where it is first met: a body index, or the body's count for the head.
        let position: Int
        /// The ref (its constant prefix) as a term, to re-read it.
        let term: PTerm
        /// A test that is no `ref == constant` (`ref in {…}`), to re-run as it is.
        var test: PExpr?
        /// How many times the clause reads or tests the ref.
        var occurrences = 1
        /// An array pattern the ref is unified with (`[1, x] = input.pair`): OPA skips the
        /// clause unless the ref is an array of that length with those constants.
        var pattern: [PTerm]?
    }

    private(set) var uses: [Use] = []
    private var bound: [Int: (Level, PTerm)] = [:]
    private var position = 0

    /// With `forOrder`, also the uses that only rank the clause (ClauseOrder) and are not
    /// checks ClausePrune may add: an argument's aliases.
    private let forOrder: Bool

    init(_ r: PRule, forOrder: Bool = false) {
        self.forOrder = forOrder
        // OPA files a clause with `else` as reading nothing (it runs whatever the input).
        guard r.elseChain.isEmpty else { return }
        for (i, a) in r.args.enumerated() {
            switch a {
            case .const(let c): note(.arg(i), a, c)
            case .local(let s) where bound[s] == nil: bound[s] = (.arg(i), a)
            default: break
            }
        }
        for (i, e) in r.body.enumerated() {
            position = i
            expr(e)
        }
        position = r.body.count
        for t in r.keyPath { reads(t) }
        if let k = r.key { reads(k) }
        if let v = r.value { reads(v) }
    }

    private mutating func note(_ level: Level, _ term: PTerm, _ c: Value?, test: PExpr? = nil) {
        if let i = uses.firstIndex(where: { $0.level == level }) {
            uses[i].occurrences += 1
            if c != nil && uses[i].constant == nil && uses[i].test == nil {
                uses[i].constant = c
                uses[i].test = test
            }
            return
        }
        uses.append(Use(level: level, constant: c, position: position, term: term, test: test))
    }

    private mutating func expr(_ e: PExpr) {
        guard e.withs.isEmpty else { return }
        guard !e.negated else { return }
        switch e.kind {
        case .term(let t):
            reads(t)
        case .unify(let a, let b):
            equality(a, b)
        case .call(let c, let output):
            if output == nil, c.args.count == 2, case .builtin(let b) = c.target {
                if b.name == "equal" { equality(c.args[0], c.args[1]); return }
                if b.name == "internal.member_2", let l = ClauseReads.ground(c.args[0]),
                   case .const(let coll) = c.args[1], let first = ClauseReads.firstElement(coll) {
                    // Only scalar elements are a test OPA's index files; others only read.
                    if ClauseReads.allIndexable(coll) { note(l, c.args[0], first, test: e) } else { note(l, c.args[0], nil) }
                    return
                }
            }
            for a in c.args { reads(a) }
            if let o = output { reads(o) }
        case .every(_, _, let collection, _, _):
            // OPA binds the domain to a local before the `every` (`__localN__ = input.xs`).
            reads(collection)
        case .print, .someIn, .logical, .notBody, .noop:
            return
        }
    }

    /// A constant OPA's rule index files: a scalar, or an array of scalars.
    static func indexable(_ v: Value) -> Bool {
        switch v {
        case .null, .bool, .number, .string: return true
        case .array(let xs): return xs.allSatisfy { x in
            switch x {
            case .null, .bool, .number, .string: return true
            default: return false
            }
        }
        default: return false
        }
    }

    private static func allIndexable(_ coll: Value) -> Bool {
        switch coll {
        case .set(let s): return s.elements.allSatisfy(indexable)
        case .array(let xs): return xs.allSatisfy(indexable)
        default: return false
        }
    }

    private static func firstElement(_ coll: Value) -> Value? {
        switch coll {
        case .set(let s): return s.elements.first
        case .array(let xs): return xs.first
        default: return nil
        }
    }

    private mutating func equality(_ a: PTerm, _ b: PTerm) {
        for (p, r) in [(a, b), (b, a)] {
            guard case .array(let xs) = p, let l = ClauseReads.ground(r),
                  xs.allSatisfy({ if case .local = $0 { return true } else { return $0.isConst } }) else { continue }
            note(l, r, nil)
            if let i = uses.firstIndex(where: { $0.level == l }), uses[i].pattern == nil { uses[i].pattern = xs }
            return
        }
        // A constant OPA's index cannot file (an object, a set, an array holding one) makes the
        // comparison neither a test nor a read: the clause runs (`x := 5 / 0; input.o == {"a":
        // 1}` raises, also when `input.o` is undefined).
        for c in [a, b] {
            if case .const(let v) = c, !ClauseReads.indexable(v) { return }
        }
        if let l = ClauseReads.ground(a), case .const(let c) = b { note(l, a, c); return }
        if let l = ClauseReads.ground(b), case .const(let c) = a { note(l, b, c); return }
        if case .local(let s) = a, let (l, t) = bound[s], case .const(let c) = b { note(l, t, c); return }
        if case .local(let s) = b, let (l, t) = bound[s], case .const(let c) = a { note(l, t, c); return }
        if case .local(let s) = a, let l = ClauseReads.ground(b), bound[s] == nil { bound[s] = (l, b) }
        if case .local(let s) = b, let l = ClauseReads.ground(a), bound[s] == nil { bound[s] = (l, a) }
        // `x = y` of a bound and a new local: an alias (`f(y) if { y = x; x == 1 }`).
        if case .local(let s) = a, case .local(let t) = b {
            var aliased: (Level, PTerm)?
            if let x = bound[s], bound[t] == nil { bound[t] = x; aliased = x }
            if let x = bound[t], bound[s] == nil { bound[s] = x; aliased = x }
            // OPA counts the alias of an argument as one more use of it when it orders the
            // clauses (`f(y) := 3 if { y = x; x == 0 }` uses y twice).
            if forOrder, let (l, t) = aliased, case .arg = l { note(l, t, nil) }
            return
        }
        if ClauseReads.ground(a) != nil && ClauseReads.ground(b) != nil { return }
        // `input.xs[_] == c`: a test that some element of the prefix equals `c`.
        for (p, q) in [(a, b), (b, a)] {
            guard case .const(let c) = q, let prefix = ClauseReads.prefixBeforeLastVariable(p),
                  let l = ClauseReads.ground(prefix), let member = BuiltinRegistry.lookup("internal.member_2") else { continue }
            let call = PCall(target: .builtin(member), name: member.name, args: [q, prefix], location: SourceLocation(file: "", row: 0, col: 0))
            note(l, prefix, c, test: PExpr(kind: .call(call, output: nil), negated: false, withs: [], location: call.location))
            return
        }
        reads(a)
        reads(b)
    }

    /// `input.a.xs` of `input.a.xs[v]` (`data…` alike): the ref without its last key when
    /// that key is the only variable one.
    private static func prefixBeforeLastVariable(_ t: PTerm) -> PTerm? {
        switch t {
        case .ref(.input, let parts):
            guard let last = parts.last, case .local = last, parts.dropLast().allSatisfy(\.isConst) else { return nil }
            return parts.count == 1 ? .input : .ref(.input, Array(parts.dropLast()))
        case .data(let node, let parts):
            guard let last = parts.last, case .local = last, parts.dropLast().allSatisfy(\.isConst) else { return nil }
            return .data(node, Array(parts.dropLast()))
        default:
            return nil
        }
    }

    /// Every input / base-data ref inside `t` (its constant prefix), outside comprehensions.
    private mutating func reads(_ t: PTerm) {
        switch t {
        case .input, .inputRef:
            if let l = ClauseReads.ground(t) { note(l, t, nil) }
        case .ref(.input, let parts), .data(_, let parts):
            // A ref with a variable key reads nothing (only `ref[x] == c` is filed: `equality`).
            if let l = ClauseReads.ground(t) { note(l, t, nil) }
            for p in parts { reads(p) }
        case .ref(let base, let parts):
            reads(base)
            for p in parts { reads(p) }
        case .array(let xs), .set(let xs), .template(let xs):
            for x in xs { reads(x) }
        case .object(let ks, let vs):
            for x in ks { reads(x) }
            for x in vs { reads(x) }
        case .call(let c):
            for a in c.args { reads(a) }
        case .const, .local, .compr:
            return
        }
    }

    /// The level of a ref with constant keys only: `input…` or a base-data ref (no rule at or
    /// below its node).
    static func ground(_ t: PTerm) -> Level? {
        switch t {
        case .input: return .input([])
        case .inputRef(let r): return .input(r.keys)
        case .ref(.input, let parts):
            var keys: [Value] = []
            for p in parts {
                guard case .const(let k) = p else { return nil }
                keys.append(k)
            }
            return .input(keys)
        case .data(let node, let parts):
            // Keys past the deepest node reached lead into base data unless the node is a rule.
            guard !node.hasRules, node.defaultRule == nil, !parts.isEmpty || !hasRules(node) else { return nil }
            var keys = node.path.map { Value.string($0) }
            for p in parts {
                guard case .const(let k) = p else { return nil }
                keys.append(k)
            }
            return .data(node.id, keys)
        default: return nil
        }
    }

    private static func hasRules(_ n: DataNode) -> Bool {
        n.hasRules || n.defaultRule != nil || n.children.values.contains { hasRules($0) }
    }
}
