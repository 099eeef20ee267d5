// Top-down evaluation with backtracking. Continuations are non-escaping closures (stack
// allocated), so iterating a body costs no heap allocation per step. Variables live in one
// slot array; each rule, function or query invocation takes a window of it (`base`).

/// Thrown to stop an iteration early (negation, `every`, existence checks). Never escapes.
struct StopIteration: Error {}

final class Evaluator {
    let plan: Plan
    var ctx: EvalContext
    var limits: EvalLimits
    var input: Value?

    var slots: [Value?] = []
    var base = 0
    var top = 0

    /// Rule-set and package values computed in this evaluation, by node id. `.some(nil)`
    /// records "undefined".
    var memo = MemoTable()
    /// Cleared memo tables of ended `with` scopes, reused by the next ones (Evaluator+Exprs).
    var spareMemos: [MemoTable] = []
    /// `with data.x as v` overlays in effect (path under data, value).
    var dataOverlays: [([Value], Value)] = []
    /// `with f as g` replacements in effect, keyed by builtin name or node path.
    var replacements: [String: EvalReplacement] = [:]

    /// Absolute slots bound by directly evaluated expressions (`evalFast`), undone when the
    /// `evalBody` that bound them returns.
    var trail: [Int] = []

    /// Errors a function call raised after its first value (FunctionConflictOrder.swift),
    /// raised once the caller's continuation has run.
    var deferredErrors: [any Error] = []

    var steps = 0
    var depth = 0
    /// Consult rule indexes (tests turn this off to compare with scanning every rule).
    var useRuleIndex = true
    /// Rule bodies entered (for tests of the rule index).
    var rulesRun = 0

    /// The context of evaluations whose caller gave only the time (`begin(input:nowNs:limits:)`):
    /// made with the evaluator, reset per evaluation. A `let`, so reading it costs no
    /// retain and release per decision.
    let ownContext: EvalContext

    /// `ownsContext`: `context` is the evaluator's own (reset by later `begin(input:nowNs:limits:)`
    /// calls); otherwise it is the caller's, left alone, and the evaluator makes its own.
    init(plan: Plan, input: Value?, context: EvalContext, limits: EvalLimits, ownsContext: Bool = false) {
        self.plan = plan
        self.input = input
        self.ctx = context
        self.limits = limits
        ownContext = ownsContext ? context : EvalContext(nowNs: 0)
        slots = [Value?](repeating: nil, count: 32)
        trail.reserveCapacity(32)
    }

    /// Thrown to stop at the first solution; preallocated, since throwing a fresh error boxes it.
    static let stop: any Error = StopIteration()
    /// `stop`'s box, when an error existential is one reference (Swift's native runtime): a
    /// caught error is recognised by identity first, since `catch is StopIteration` costs a
    /// runtime dynamic cast per caught stop (every first-solution rule pays it).
    /// (`as any Error` keeps the existential closed: passed to a generic parameter it would be
    /// opened, and the bytes read would be the payload's.)
    private static let stopBox: UInt? = errorIsOneWord ? withUnsafeBytes(of: stop as any Error) { $0.load(as: UInt.self) } : nil
    static let errorIsOneWord = MemoryLayout<any Error>.size == MemoryLayout<UInt>.size

    /// True for the stop signal.
    @inline(__always)
    static func isStop(_ e: any Error) -> Bool {
        isStopBox(e) || e is StopIteration
    }

    /// `e` is `stop` itself (the same box).
    @inline(__always)
    static func isStopBox(_ e: any Error) -> Bool {
        guard let box = stopBox else { return false }
        return withUnsafeBytes(of: e as any Error) { $0.load(as: UInt.self) } == box
    }

    /// Prepares a reused evaluator for a new evaluation.
    func begin(input: Value?, context: EvalContext, limits: EvalLimits) {
        self.input = input
        self.ctx = context
        self.limits = limits
        steps = 0
        depth = 0
        rulesRun = 0
        deferredErrors.removeAll()
    }

    /// Prepares a reused evaluator for a new evaluation in its own context, reset to a fresh
    /// one's state at `nowNs`.
    func begin(input: Value?, nowNs: Int64, limits: EvalLimits) {
        ownContext.reset(nowNs: nowNs)
        if ctx !== ownContext { ctx = ownContext }
        self.input = input
        self.limits = limits
        steps = 0
        depth = 0
        rulesRun = 0
        deferredErrors.removeAll()
    }

    /// Drops what the finished evaluation computed (frames are already empty).
    func end() {
        input = nil
        memo.reset()
        base = 0
        top = 0
        if !dataOverlays.isEmpty { dataOverlays = [] }
        if !replacements.isEmpty { replacements = [:] }
    }

    /// The rules of `node` that can succeed for the current input: a plan buffer (the node's or
    /// its index's), lent for the evaluation without reference counting.
    @inline(__always)
    func candidateRules(_ node: DataNode) -> UnsafeBufferPointer<PRule> {
        // A `with` replacing a function can make any call raise: then every clause runs with
        // the checks for that (RaiseAnalysis).
        guard replacements.isEmpty else { return node.guardedRuleBuffer }
        if let idx = node.index, useRuleIndex { return idx.candidates(input) }
        return node.ruleBuffer
    }

    // MARK: frames

    /// Opens a frame of `count` fresh slots; returns the previous base to restore. Slots above
    /// `top` are always nil (popFrame clears what a frame used), so nothing is cleared here.
    @inline(__always)
    func pushFrame(_ count: Int) throws -> (Int, Int) {
        let saved = (base, top)
        base = top
        top += count
        if top > slots.count {
            slots.append(contentsOf: repeatElement(nil, count: max(top - slots.count, slots.count)))
        }
        return saved
    }

    @inline(__always)
    func popFrame(_ saved: (Int, Int)) {
        // One uniqueness check for the whole frame, not one per slot.
        let (lo, hi) = (base, top)
        slots.withUnsafeMutableBufferPointer { s in
            for i in lo..<hi { s[i] = nil }
        }
        base = saved.0
        top = saved.1
    }

    func enter() throws {
        depth += 1
        if limits.maxDepth > 0 && depth > limits.maxDepth {
            throw EngineError(.evalLimitError, "evaluation exceeded the maximum depth of \(limits.maxDepth)")
        }
    }

    @inline(__always)
    func step() throws {
        steps += 1
        if limits.maxSteps > 0 && steps > limits.maxSteps {
            throw EngineError(.evalLimitError, "evaluation exceeded the step budget of \(limits.maxSteps)")
        }
        if limits.deadlineNs > 0 && steps & 1023 == 0 && EvalContext.wallClockNs() > limits.deadlineNs {
            throw EngineError(.evalCancelError, "evaluation deadline exceeded")
        }
    }

    // MARK: bodies

    /// Runs `body[start...]`, then `k` once per solution. Expressions with at most one solution
    /// run in a loop (their bindings go on the trail); the first one that may have several
    /// continues through the continuation-passing path.
    func evalBody(_ body: PBody, _ start: Int, _ k: () throws -> Void) throws {
        let pending = deferredErrors.count
        do { try evalBodyExprs(body, start, k) } catch { try settleDeferred(since: pending, thrown: error) }
        if deferredErrors.count > pending { try raiseDeferred(since: pending) }
    }

    /// `evalBody` without the deferred function errors' check (its continuations stay inside
    /// the outer call's check).
    private func evalBodyExprs(_ body: PBody, _ start: Int, _ k: () throws -> Void) throws {
        let mark = trail.count
        defer { unwindTrail(mark) }
        var i = start
        while i < body.count {
            try step()
            // Retained, not lent (`withBorrowed`): lending it here measured slower (e_regex
            // +30 %: the continuation closures built below then cost more than the retain).
            let e = body[i]
            switch try evalFast(e) {
            case .pass:
                i += 1
            case .fail:
                return
            case .slow:
                let next = i + 1
                if try iterateSomeIn(e, { try evalBodyExprs(body, next, k) }) { return }
                return try evalExprStepped(e) { try evalBodyExprs(body, next, k) }
            }
        }
        // Each solution counts too, so iteration-heavy bodies stay within the budget.
        try step()
        try k()
    }

    /// Runs the leading expressions of `body` that have at most one solution (bindings go on
    /// the trail, which the caller unwinds). Returns the index of the first expression that
    /// needs the continuation path (`body.count` when none does), or nil when the body failed.
    func runStraight(_ body: PBody) throws -> Int? {
        try body.withUnsafeBufferPointer { try runStraight($0) }
    }

    /// `runStraight(_:)` over a rule's `straightBody` (or any buffer the caller keeps alive):
    /// expressions are lent to `evalFast`, not retained.
    func runStraight(_ body: UnsafeBufferPointer<PExpr>) throws -> Int? {
        var i = 0
        while i < body.count {
            try step()
            switch try Unmanaged.passUnretained(body[i])._withUnsafeGuaranteedRef({ try evalFast($0) }) {
            case .pass:
                i += 1
            case .fail:
                return nil
            case .slow:
                steps -= 1  // evalBody counts it again
                return i
            }
        }
        return i
    }

    /// `some x in coll` / `some k, x in coll` with fresh `k` and `x` and a single-valued
    /// collection: binds them to each entry in turn without the generic unification path.
    /// False when not applicable.
    @inline(__always)
    func iterateSomeIn(_ e: PExpr, _ k: () throws -> Void) throws -> Bool {
        guard e.withs.isEmpty, !e.negated, case .someIn(key: let key, value: .local(let s), collection: let coll) = e.kind,
              slots[base + s] == nil else { return false }
        var keySlot = -1
        if let key {
            guard case .local(let ks) = key, ks != s, slots[base + ks] == nil else { return false }
            keySlot = base + ks
        }
        var cv: Value?
        guard try evalSingle(coll, &cv) else { return false }
        let slot = base + s
        defer {
            slots[slot] = nil
            if keySlot >= 0 { slots[keySlot] = nil }
        }
        switch cv {
        case .array(let a)?:
            for j in 0..<a.count {
                if keySlot >= 0 { slots[keySlot] = .int(j) }
                slots[slot] = a[j]
                try k()
            }
        case .set(let st)?:
            for x in st.iterationOrder {
                if keySlot >= 0 { slots[keySlot] = x }
                slots[slot] = x
                try k()
            }
        case .object(let o)?:
            let keys = o.keys, vals = o.values
            if let order = o.iterationPermutation {
                for j in order {
                    if keySlot >= 0 { slots[keySlot] = keys[j] }
                    slots[slot] = vals[j]
                    try k()
                }
                return true
            }
            for j in 0..<keys.count {
                if keySlot >= 0 { slots[keySlot] = keys[j] }
                slots[slot] = vals[j]
                try k()
            }
        default:
            break
        }
        return true
    }

    /// True if `body` has at least one solution (bindings are undone afterwards).
    func bodySucceeds(_ body: PBody) throws -> Bool {
        do {
            try evalBody(body, 0) { throw Evaluator.stop }
        } catch let e where Evaluator.isStop(e) {
            return true
        }
        return false
    }

    // MARK: terms

    func evalTerm(_ t: PTerm, _ k: (Value) throws -> Void) throws {
        switch t {
        case .const(let v): try k(v)
        case .local(let i):
            if let v = slots[base + i] { try k(v) }
        case .input:
            if let v = input { try k(v) }
        case .inputRef(let r):
            if let v = inputRefValue(r) { try k(v) }
        case .data(let node, let path):
            var v: Value?
            if try evalSingle(t, &v) {
                if let v { try k(v) }
                return
            }
            try evalData(node, path, k)
        case .ref(let head, let path):
            var v: Value?
            if try evalSingle(t, &v) {
                if let v { try k(v) }
                return
            }
            try evalTerm(head) { v in try walk(v, path, 0, k) }
        case .array(let items):
            try evalList(items, { try k(.array($0)) })
        case .set(let items):
            try evalList(items, { try k(.set(SetValue(literalOrder: $0))) })
        case .object(let keys, let values):
            try evalList(keys) { ks in
                try evalList(values) { vs in
                    try k(.object(Self.object(ks, vs)))
                }
            }
        case .call(let call):
            var v: Value?
            if try callSingle(call, &v) {
                if let v { try k(v) }
                return
            }
            try evalCall(call) { try k($0) }
        case .compr(let c):
            try enter(); defer { depth -= 1 }
            switch c.kind {
            case .array:
                var out: [Value] = []
                try evalBody(c.body, 0) { try evalTerm(c.head) { out.append($0) } }
                try k(.array(out))
            case .set:
                var out = SetBuilder()
                try evalBody(c.body, 0) { try evalTerm(c.head) { out.insert($0) } }
                try k(.set(out.build()))
            case .single:
                var first: Value?
                do {
                    try evalBody(c.body, 0) {
                        try evalTerm(c.head) { first = $0; throw Evaluator.stop }
                    }
                } catch let e where Evaluator.isStop(e) {}
                if let first { try k(first) }
            case .object:
                var out = ObjectBuilder()
                try evalBody(c.body, 0) {
                    try evalTerm(c.head) { key in
                        try evalTerm(c.value!) { val in
                            if let old = out[key], old != val {
                                throw EngineError(.evalConflictError, "object keys must be unique", location: c.location)
                            }
                            out[key] = val
                        }
                    }
                }
                try k(.object(out.build()))
            }
        case .template(let parts):
            var text = ""
            for p in parts {
                var piece: String?
                try evalTerm(p) { v in
                    if piece == nil {
                        if case .string(let x) = v { piece = x } else { piece = RegoFormatter.format(v) }
                    }
                }
                text += piece ?? "<undefined>"
            }
            try k(.string(text))
        }
    }

    /// Evaluates each term in turn (cartesian product over their solutions), collecting the
    /// values in one buffer (one allocation per list, not one per element).
    func evalList(_ items: [PTerm], _ k: ([Value]) throws -> Void) throws {
        var buf: [Value] = []
        buf.reserveCapacity(items.count)
        try evalList(items, 0, &buf, k)
    }

    private func evalList(_ items: [PTerm], _ i: Int, _ buf: inout [Value], _ k: ([Value]) throws -> Void) throws {
        if i == items.count { return try k(buf) }
        var single: Value?
        if try evalSingle(items[i], &single) {
            guard let v = single else { return }
            buf.append(v)
            defer { buf.removeLast() }
            return try evalList(items, i + 1, &buf, k)
        }
        try evalTerm(items[i]) { v in
            buf.append(v)
            defer { buf.removeLast() }
            try evalList(items, i + 1, &buf, k)
        }
    }

    /// Applies `path[i...]` to `v`; unbound local path elements iterate over the collection.
    func walk(_ v: Value, _ path: [PTerm], _ i: Int, _ k: (Value) throws -> Void) throws {
        if i == path.count { return try k(v) }
        let elem = path[i]
        switch elem {
        case .const(let key):
            if let c = v[key] { try walk(c, path, i + 1, k) }
        case .local(let s) where slots[base + s] == nil:
            let slot = base + s
            switch v {
            case .object(let o):
                let keys = o.keys, vals = o.values
                if let order = o.iterationPermutation {
                    for j in order {
                        slots[slot] = keys[j]
                        try walk(vals[j], path, i + 1, k)
                    }
                } else {
                    for j in 0..<keys.count {
                        slots[slot] = keys[j]
                        try walk(vals[j], path, i + 1, k)
                    }
                }
                slots[slot] = nil
            case .array(let a):
                for j in 0..<a.count {
                    slots[slot] = .int(j)
                    try walk(a[j], path, i + 1, k)
                }
                slots[slot] = nil
            case .set(let s):
                for e in s.iterationOrder {
                    slots[slot] = e
                    try walk(e, path, i + 1, k)
                }
                slots[slot] = nil
            default: break
            }
        default:
            if elem.hasUnboundLocals(self) {
                // A pattern key such as `x[[a, b]]`: match against every key.
                try forEachEntry(v) { key, child in
                    try unifyValue(elem, key) { try walk(child, path, i + 1, k) }
                }
                return
            }
            try evalTerm(elem) { key in
                if let c = v[key] { try walk(c, path, i + 1, k) }
            }
        }
    }

    func forEachEntry(_ v: Value, _ k: (Value, Value) throws -> Void) throws {
        switch v {
        case .object(let o):
            let keys = o.keys, vals = o.values
            if let order = o.iterationPermutation {
                for j in order { try k(keys[j], vals[j]) }
            } else {
                for j in 0..<keys.count { try k(keys[j], vals[j]) }
            }
        case .array(let a):
            for j in 0..<a.count { try k(.int(j), a[j]) }
        case .set(let s):
            for e in s.iterationOrder { try k(e, e) }
        default: break
        }
    }

    // MARK: unification

    func unify(_ a: PTerm, _ b: PTerm, _ k: () throws -> Void) throws {
        if case .local(let s) = a, slots[base + s] == nil {
            return try evalTerm(b) { v in try unifyValue(a, v, k) }
        }
        if case .local(let s) = b, slots[base + s] == nil {
            return try evalTerm(a) { v in try unifyValue(b, v, k) }
        }
        if case .array(let xs) = a, case .array(let ys) = b {
            guard xs.count == ys.count else { return }
            return try unifyPairs(xs, ys, 0, k)
        }
        if case .object(let ak, let av) = a, case .object(let bk, let bv) = b,
           ak.allSatisfy(\.isConst), bk.allSatisfy(\.isConst) {
            guard ak.count == bk.count else { return }
            var xs: [PTerm] = [], ys: [PTerm] = []
            for (i, key) in ak.enumerated() {
                guard let j = bk.firstIndex(where: { $0.constValue == key.constValue }) else { return }
                xs.append(av[i])
                ys.append(bv[j])
            }
            return try unifyPairs(xs, ys, 0, k)
        }
        if a.isPattern, !b.isPattern || b.hasUnboundLocals(self) == false {
            return try evalTerm(b) { v in try unifyValue(a, v, k) }
        }
        try evalTerm(a) { v in try unifyValue(b, v, k) }
    }

    private func unifyPairs(_ xs: [PTerm], _ ys: [PTerm], _ i: Int, _ k: () throws -> Void) throws {
        if i == xs.count { return try k() }
        try unify(xs[i], ys[i]) { try unifyPairs(xs, ys, i + 1, k) }
    }

    /// Unifies term `t` with the value `v`, binding unbound locals of `t`.
    func unifyValue(_ t: PTerm, _ v: Value, _ k: () throws -> Void) throws {
        switch t {
        case .const(let c):
            if c == v { try k() }
        case .local(let s):
            let slot = base + s
            if let cur = slots[slot] {
                if cur == v { try k() }
            } else {
                slots[slot] = v
                defer { slots[slot] = nil }
                try k()
            }
        case .array(let items):
            guard case .array(let vs) = v, vs.count == items.count else { return }
            try unifyElements(items, vs, 0, k)
        case .object(let keys, let vals):
            guard case .object(let o) = v, o.count == keys.count else { return }
            var children: [Value] = []
            var terms: [PTerm] = []
            for (kt, vt) in zip(keys, vals) {
                var found: Value?
                try evalTerm(kt) { key in found = o[key] }
                guard let c = found else { return }
                children.append(c)
                terms.append(vt)
            }
            try unifyElements(terms, children, 0, k)
        default:
            try evalTerm(t) { tv in if tv == v { try k() } }
        }
    }

    private func unifyElements(_ ts: [PTerm], _ vs: [Value], _ i: Int, _ k: () throws -> Void) throws {
        if i == ts.count { return try k() }
        try unifyValue(ts[i], vs[i]) { try unifyElements(ts, vs, i + 1, k) }
    }
}

extension Array where Element: AnyObject {
    /// Calls `body` with element `i` without retaining and releasing it around the call, which
    /// loading an element of an array otherwise costs (the compiler cannot see that the array
    /// stays unchanged during the call). Only for the plan's arrays: they are never mutated
    /// during evaluation, and the caller holds the array for the whole call.
    @inline(__always)
    func withBorrowed<R>(_ i: Int, _ body: (Element) throws -> R) rethrows -> R {
        try Unmanaged.passUnretained(self[i])._withUnsafeGuaranteedRef(body)
    }
}

extension PTerm {
    /// Arrays/objects that may bind variables by unification.
    var isPattern: Bool {
        switch self {
        case .local, .array, .object: return true
        default: return false
        }
    }

    func hasUnboundLocals(_ e: Evaluator) -> Bool {
        switch self {
        case .local(let s): return e.slots[e.base + s] == nil
        case .array(let xs), .set(let xs): return xs.contains { $0.hasUnboundLocals(e) }
        case .object(let ks, let vs): return ks.contains { $0.hasUnboundLocals(e) } || vs.contains { $0.hasUnboundLocals(e) }
        default: return false
        }
    }
}

/// A `with` replacement of a function, as the evaluator applies it.
enum EvalReplacement {
    case value(Value)
    case target(CallTarget)
}
