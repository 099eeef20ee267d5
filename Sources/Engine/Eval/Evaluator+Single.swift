// Closure-free evaluation for the common case. Most terms have at most one value (constants,
// bound variables, `input.a.b`, `data.x.y`, calls on such terms), and most expressions are
// tests or assignments with at most one solution. Those are evaluated directly, returning
// the value, and a body runs them in a loop; only terms that may have several values (an
// unbound variable in a ref path, `walk`) and expressions that may have several solutions
// (`some … in`, `every`, patterns, `with`) go through the continuation-passing path.
//
// Trying the direct path and falling back re-evaluates a prefix of the term; evaluation is
// pure apart from memoisation (rule values, non-deterministic builtins), so the answers are
// the same either way.

extension Evaluator {
    /// Evaluates `t` to at most one value (`out`, nil = undefined) without continuations.
    /// Returns false, leaving `out` unspecified, when `t` may have several values.
    func evalSingle(_ t: PTerm, _ out: inout Value?) throws -> Bool {
        switch t {
        case .const(let v):
            out = v
        case .local(let i):
            out = slots[base + i]
        case .input:
            out = input
        case .inputRef(let r):
            out = inputRefValue(r)
        case .data(let node, let path):
            return try dataSingle(node, path, &out)
        case .ref(let head, let path):
            var hv: Value?
            guard try evalSingle(head, &hv) else { return false }
            guard let hv else {
                out = nil
                return true
            }
            return try walkSingle(hv, path, 0, &out)
        case .call(let call):
            return try callSingle(call, &out)
        case .array(let items):
            var vals: [Value] = []
            guard try singles(items, &vals) else { return false }
            out = vals.count == items.count ? .array(vals) : nil
        case .set(let items):
            var vals: [Value] = []
            guard try singles(items, &vals) else { return false }
            out = vals.count == items.count ? .set(SetValue(literalOrder: vals)) : nil
        case .object(let keys, let values):
            var ks: [Value] = [], vs: [Value] = []
            guard try singles(keys, &ks) else { return false }
            guard ks.count == keys.count else {
                out = nil
                return true
            }
            guard try singles(values, &vs) else { return false }
            guard vs.count == values.count else {
                out = nil
                return true
            }
            out = .object(Self.object(ks, vs))
        case .compr, .template:
            // Exactly one value (or none for an undefined template expression).
            var first: Value?
            try evalTerm(t) { v in if first == nil { first = v } }
            out = first
        }
        return true
    }

    /// `input.a.b…` (constant keys): walked once per evaluation, then read from the memo
    /// (a fresh memo is in effect while `with` modifiers apply, so `with input…` is seen).
    @inline(__always)
    func inputRefValue(_ r: InputRef) -> Value? {
        if let m = memo[r.id] { return m }
        var cur = input
        for k in r.keys {
            guard let c = cur?[k] else {
                cur = nil
                break
            }
            cur = c
        }
        memo.store(r.id, cur)
        return cur
    }

    /// The object of `keys[i]: values[i]` (a later equal key replaces an earlier one). Keys
    /// already strictly ascending, as in most literals, need no dictionary or sort.
    static func object(_ keys: [Value], _ values: [Value]) -> ObjectValue {
        var ascending = true
        var i = 1
        while i < keys.count {
            if Value.compare(keys[i - 1], keys[i]) >= 0 {
                ascending = false
                break
            }
            i += 1
        }
        if ascending { return ObjectValue(sortedKeys: keys, values: values) }
        // Lowering puts a literal's pairs in OPA's term order, so keys out of value order come
        // from variables (or repeat a key): keep the literal's iteration order.
        return ObjectValue(literalKeys: keys, values: values)
    }

    /// The values of `items` in order, stopping at the first undefined one (then
    /// `vals.count < items.count`). False when one may have several values.
    private func singles(_ items: [PTerm], _ vals: inout [Value]) throws -> Bool {
        vals.reserveCapacity(items.count)
        for it in items {
            var v: Value?
            guard try evalSingle(it, &v) else { return false }
            guard let v else { return true }
            vals.append(v)
        }
        return true
    }

    /// The key a path element selects, when it is a single value: `.some(nil)` undefined,
    /// nil when the element iterates (unbound variable or pattern).
    @inline(__always)
    private func singleKey(_ elem: PTerm) throws -> Value?? {
        switch elem {
        case .const(let k):
            return .some(k)
        case .local(let s):
            guard let b = slots[base + s] else { return nil }
            return .some(b)
        default:
            if elem.hasUnboundLocals(self) { return nil }
            var kv: Value?
            guard try evalSingle(elem, &kv) else { return nil }
            return .some(kv)
        }
    }

    /// `walk` for a path without iteration. `baseData`: `v` is base data, read by storage path
    /// as `walkBase` does (a number key an object lacks finds its string form) while the keys
    /// are constants or bound variables.
    func walkSingle(_ v: Value, _ path: [PTerm], _ start: Int, _ out: inout Value?, baseData: Bool = false) throws -> Bool {
        var cur = v
        var i = start
        var storagePath = baseData
        while i < path.count {
            if storagePath {
                switch path[i] {
                case .const, .local: break
                default: storagePath = false
                }
            }
            guard let key = try singleKey(path[i]) else { return false }
            guard let key else {
                out = nil
                return true
            }
            if let c = cur[key] {
                cur = c
            } else if storagePath, case .object(let o) = cur, case .number(let num) = key,
                      let c = o[Value.string(num.description)] {
                cur = c
            } else {
                out = nil
                return true
            }
            i += 1
        }
        out = cur
        return true
    }

    /// `evalData` for a path without iteration (and no `with data` overlay in effect).
    private func dataSingle(_ node: DataNode, _ path: [PTerm], _ out: inout Value?) throws -> Bool {
        if !dataOverlays.isEmpty { return false }
        // A rule referred to by name (`is_sensitive`, `not denied`): its value as is.
        if path.isEmpty {
            out = try nodeValue(node)
            return true
        }
        var n = node
        var i = 0
        while true {
            if n.hasRules || i == path.count {
                // Number-keyed rules are looked up by text (NumberKeyedRules): the general path.
                if n.hasNumberKeyedRules, i < path.count { return false }
                guard let v = try nodeValue(n) else {
                    out = nil
                    return true
                }
                return try walkSingle(v, path, i, &out)
            }
            guard let key = try singleKey(path[i]) else { return false }
            guard let key else {
                out = nil
                return true
            }
            if case .string(let s) = key, let c = n.child(s) {
                n = c
                i += 1
                continue
            }
            // Not a child node: only base data can answer (a number key finds its string form).
            guard let b = n.base else {
                out = nil
                return true
            }
            if let c = b[key] { return try walkSingle(c, path, i + 1, &out, baseData: true) }
            if case .number(let num) = key, let c = b[Value.string(num.description)] {
                return try walkSingle(c, path, i + 1, &out, baseData: true)
            }
            out = nil
            return true
        }
    }

    /// A call whose arguments are single values.
    /// Up to three arguments are passed inline (`Arguments`), without an array.
    func callSingle(_ call: PCall, _ out: inout Value?) throws -> Bool {
        if call.isWalk && replacements.isEmpty { return false }
        if call.inlineOperator != .none && replacements.isEmpty {
            // `==`, `<`, `x in xs`…: computed here, no `Arguments` and no call (same answers,
            // and these cannot fail). A `with` replacing a builtin takes the general path.
            var v: Value?
            guard try evalSingle(call.arg0, &v) else { return false }
            guard let a = v.take() else {
                out = nil
                return true
            }
            guard try evalSingle(call.arg1, &v) else { return false }
            guard let b = v.take() else {
                out = nil
                return true
            }
            out = .bool(call.inlineOperator.apply(a, b))
            return true
        }
        let n = call.args.count
        guard n <= 3 else {
            var args: [Value] = []
            guard try singles(call.args, &args) else { return false }
            guard args.count == n else {
                out = nil
                return true
            }
            out = try invoke(call, Arguments(args))
            return true
        }
        var a0 = Value.null, a1 = Value.null, a2 = Value.null
        // The argument terms are read from the call's `let` fields (no retain/release of each
        // term's box, as an element of `args` would cost); each value is moved out of `v`.
        // 0: several values, 1: undefined, 2: all set.
        var v: Value?
        var state = 2
        if n > 0 {
            if try !evalSingle(call.arg0, &v) { state = 0 } else if let x = v.take() { a0 = x } else { state = 1 }
        }
        if n > 1 && state == 2 {
            if try !evalSingle(call.arg1, &v) { state = 0 } else if let x = v.take() { a1 = x } else { state = 1 }
        }
        if n > 2 && state == 2 {
            if try !evalSingle(call.arg2, &v) { state = 0 } else if let x = v.take() { a2 = x } else { state = 1 }
        }
        if state == 0 { return false }
        if state == 1 {
            out = nil
            return true
        }
        // Moved into `Arguments` (no copy, and nothing left to destroy here).
        out = try invoke(call, Arguments(count: n, consume a0, consume a1, consume a2))
        return true
    }

    // MARK: expressions

    enum FastOutcome { case pass, fail, slow }

    /// Binds slot `s` of the current frame until the enclosing `evalBody` returns.
    @inline(__always)
    func bindTrailed(_ s: Int, _ v: Value) {
        slots[base + s] = v
        trail.append(base + s)
    }

    @inline(__always)
    func unwindTrail(_ mark: Int) {
        while trail.count > mark { slots[trail.removeLast()] = nil }
    }

    /// Evaluates an expression with at most one solution directly: `.pass` (its bindings are
    /// on the trail), `.fail`, or `.slow` when it needs the continuation-passing path (nothing
    /// has been bound then).
    func evalFast(_ e: PExpr) throws -> FastOutcome {
        guard e.withs.isEmpty else { return .slow }
        switch e.kind {
        case .term(let t):
            var v: Value?
            guard try evalSingle(t, &v) else { return .slow }
            return Self.truthy(v) != e.negated ? .pass : .fail
        case .call(let call, let output):
            guard let output else {
                var v: Value?
                guard try callSingle(call, &v) else { return .slow }
                return Self.truthy(v) != e.negated ? .pass : .fail
            }
            guard !e.negated, case .local(let s) = output, slots[base + s] == nil else { return .slow }
            var v: Value?
            guard try callSingle(call, &v) else { return .slow }
            guard let v else { return .fail }
            bindTrailed(s, v)
            return .pass
        case .unify(let a, let b):
            guard !e.negated else { return .slow }
            return try unifyFast(a, b)
        case .notBody(let body, _):
            return try bodySucceeds(body) == e.negated ? .pass : .fail
        case .noop:
            return e.negated ? .fail : .pass
        default:
            return .slow
        }
    }

    @inline(__always)
    static func truthy(_ v: Value?) -> Bool {
        guard let v else { return false }
        if case .bool(false) = v { return false }
        return true
    }

    private func unifyFast(_ a: PTerm, _ b: PTerm) throws -> FastOutcome {
        if case .local(let s) = a, slots[base + s] == nil {
            return try bindFast(s, b)
        }
        if case .local(let s) = b, slots[base + s] == nil {
            return try bindFast(s, a)
        }
        if a.hasUnboundLocals(self) || b.hasUnboundLocals(self) { return .slow }
        // Same order as `unify`: a bound pattern side is matched against the other's value.
        let (first, second) = a.isPattern ? (b, a) : (a, b)
        var x: Value?, y: Value?
        guard try evalSingle(first, &x) else { return .slow }
        guard let x else { return .fail }
        guard try evalSingle(second, &y) else { return .slow }
        guard let y else { return .fail }
        return x == y ? .pass : .fail
    }

    private func bindFast(_ s: Int, _ t: PTerm) throws -> FastOutcome {
        if t.hasUnboundLocals(self) { return .slow }
        var v: Value?
        guard try evalSingle(t, &v) else { return .slow }
        guard let v else { return .fail }
        bindTrailed(s, v)
        return .pass
    }
}
