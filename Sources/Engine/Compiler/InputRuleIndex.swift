// Rule indexing (as OPA's indexer does for equality tests on input): for the rules of one
// rule set whose bodies test `input.a.b == constant` (also `=`, `constant == input.a.b`, and
// `input.a.b in {constants}` / `[constants]`), a map from the constant to the rules that can
// match. At evaluation, the value at `input.a.b` selects the candidates, so a rule whose test
// would fail is never entered. Rules without such a test on the chosen ref always run.
//
// The test is a top-level, non-negated, `with`-free expression of the body, so when it fails
// the body has no solution whatever else it does: skipping the rule cannot change the answer.
// The evaluator reads the current `input` (the overridden one under `with input as …`) and
// falls back to running every rule while a `with` replaces a function.

final class InputRuleIndex {
    /// Constant keys under `input` that the indexed tests read.
    let path: [Value]
    /// The tested constants, distinct, and for each the candidate rules: the rules testing that
    /// constant plus every unindexed rule, in definition order. Looked up as an object's keys
    /// are (a scan of a few, a `ValueIndex` beyond): a decision does not pay `Hasher`'s set-up.
    let constants: [Value]
    let buckets: [[PRule]]
    private let lookup: ValueIndex?
    /// Rules without a test on `path` (all a lookup miss or an undefined ref can run).
    let unindexed: [PRule]
    /// `buckets` and `unindexed` again as plan buffers (`PlanBuffer`), which `candidates`
    /// returns: no reference counting of the lists or their rules per lookup.
    private let bucketBuffers: UnsafeMutableBufferPointer<UnsafeBufferPointer<PRule>>
    private let unindexedBuffer: UnsafeBufferPointer<PRule>

    init(path: [Value], buckets: [Value: [PRule]], unindexed: [PRule]) {
        self.path = path
        let sorted = buckets.sorted { Value.compare($0.key, $1.key) < 0 }
        constants = sorted.map(\.key)
        self.buckets = sorted.map(\.value)
        lookup = sorted.count > InputRuleIndex.scanLimit ? ValueIndex(constants) : nil
        self.unindexed = unindexed
        bucketBuffers = .allocate(capacity: sorted.count)
        _ = bucketBuffers.initialize(from: sorted.map { PlanBuffer.copy($0.value) })
        unindexedBuffer = PlanBuffer.copy(unindexed)
    }

    deinit {
        for b in bucketBuffers { PlanBuffer.free(b) }
        bucketBuffers.deallocate()
        PlanBuffer.free(unindexedBuffer)
    }

    private static let scanLimit = 8

    /// The rules that can succeed for `input` (a buffer this index owns).
    func candidates(_ input: Value?) -> UnsafeBufferPointer<PRule> {
        guard var cur = input else { return unindexedBuffer }
        for key in path {
            guard let c = cur[key] else { return unindexedBuffer }
            cur = c
        }
        if let lookup {
            guard let i = lookup.find(cur, in: constants) else { return unindexedBuffer }
            return bucketBuffers[i]
        }
        for i in 0..<constants.count where constants[i] == cur { return bucketBuffers[i] }
        return unindexedBuffer
    }

    /// Builds the index of `node`'s rules, or nil when no rule has an indexable test.
    static func build(_ node: DataNode) -> InputRuleIndex? {
        switch node.kind {
        case .complete, .partialSet, .partialObject: break
        case .function, .package: return nil
        }
        // The tests of each rule, then the ref tested by the most rules.
        var tests: [[(path: [Value], values: [Value])]] = []
        var counts: [[Value]: Int] = [:]
        for r in node.rules {
            var found: [(path: [Value], values: [Value])] = []
            // `else` bodies run when the first one fails: such a rule must always run.
            if r.elseChain.isEmpty {
                for e in r.body {
                    guard let t = indexableTest(e), !found.contains(where: { $0.path == t.path }) else { continue }
                    found.append(t)
                }
            }
            for t in found { counts[t.path, default: 0] += 1 }
            tests.append(found)
        }
        guard let best = counts.max(by: { a, b in
            a.value != b.value ? a.value < b.value : Value.compare(.array(a.key), .array(b.key)) > 0
        })?.key else { return nil }
        var unindexed: [PRule] = []
        var byValue: [Value: [Int]] = [:]
        for (i, r) in node.rules.enumerated() {
            guard let t = tests[i].first(where: { $0.path == best }) else {
                unindexed.append(r)
                continue
            }
            for v in t.values where byValue[v]?.last != i { byValue[v, default: []].append(i) }
        }
        let unindexedIDs = node.rules.indices.filter { i in !tests[i].contains { $0.path == best } }
        var buckets: [Value: [PRule]] = [:]
        for (v, ids) in byValue {
            // Merge in definition order (both lists are sorted).
            let merged = (ids + unindexedIDs).sorted()
            buckets[v] = merged.map { node.rules[$0] }
        }
        return InputRuleIndex(path: best, buckets: buckets, unindexed: unindexed)
    }

    /// `input.path == const`, `const == input.path`, `input.path = const`, `input.path in consts`.
    static func indexableTest(_ e: PExpr) -> (path: [Value], values: [Value])? {
        guard !e.negated, e.withs.isEmpty else { return nil }
        switch e.kind {
        case .unify(let a, let b):
            return equality(a, b)
        case .call(let call, let output):
            guard output == nil, case .builtin(let b) = call.target, call.args.count == 2 else { return nil }
            switch b.name {
            case "equal":
                return equality(call.args[0], call.args[1])
            case "internal.member_2":
                guard let p = inputPath(call.args[0]), case .const(let coll) = call.args[1] else { return nil }
                // OPA's index files scalars and arrays of scalars only; with another member
                // the clause runs (and may raise) whatever the input.
                switch coll {
                case .set(let s) where s.elements.allSatisfy(ClauseReads.indexable): return (p, s.elements)
                case .array(let xs) where xs.allSatisfy(ClauseReads.indexable): return (p, xs)
                default: return nil
                }
            default:
                return nil
            }
        default:
            return nil
        }
    }

    private static func equality(_ a: PTerm, _ b: PTerm) -> (path: [Value], values: [Value])? {
        if let p = inputPath(a), case .const(let c) = b, ClauseReads.indexable(c) { return (p, [c]) }
        if let p = inputPath(b), case .const(let c) = a, ClauseReads.indexable(c) { return (p, [c]) }
        return nil
    }

    /// The constant keys of `input.a.b…`, or nil for any other term.
    private static func inputPath(_ t: PTerm) -> [Value]? {
        switch t {
        case .input: return []
        case .inputRef(let r): return r.keys
        case .ref(.input, let parts):
            var keys: [Value] = []
            for p in parts {
                guard case .const(let k) = p else { return nil }
                keys.append(k)
            }
            return keys
        default: return nil
        }
    }
}
