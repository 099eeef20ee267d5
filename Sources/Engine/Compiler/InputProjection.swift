// Input projection: which parts of `input` can the rules reachable from one entrypoint
// observe? Decided once per compiled policy and entrypoint, so a request's input JSON is
// turned into values only where the policy can look (JSONReader.parse(_:shape:)).
//
// Conservative by construction: every occurrence of `input` in reachable code is an
// observation of the subtree at its static prefix (`input.a.b[x]` observes all of `input.a.b`,
// bare `input`, `walk(input)` or `f(input)` observe everything). The only refinement is
// `object.get(input.p, "k" | ["k1", …], d)`, which reads `input.p.k…` (unless a reachable
// `with` replaces `object.get`). Reachable code: the entry node's subtree, and the subtree of
// every node a reachable `data` reference, call or `with` replacement names.
//
// Why a projected value gives the same answers: a lookup of a kept path returns the same value
// (objects on the way keep the shape's keys; non-objects are kept whole), and no reachable
// code observes a value anywhere else. `with input.a as v` upserts along its path: on a kept
// path the result is the same; off the shape it creates keys nothing reads.

struct InputUse {
    private let root = InputShape.Builder()
    private var visited = Set<Int>()
    private var work: [DataNode] = []
    /// `object.get` calls on an input path with constant keys: (path, keys).
    private var objectGets: [([String], [String])] = []
    private var replacesObjectGet = false

    /// The shape of `input` that evaluating `entry` can observe; nil = all of it.
    static func shape(_ entry: Entrypoint) -> InputShape? {
        var u = InputUse()
        if let n = entry.node { u.visit(n) } else { u.term(entry.term) }
        while let n = u.work.popLast(), !u.root.whole {
            for r in n.rules { u.rule(r) }
            if let d = n.defaultRule { u.rule(d) }
            for c in n.children.values { u.visit(c) }
        }
        for (path, keys) in u.objectGets { u.root.add((u.replacesObjectGet ? path : path + keys)[...]) }
        return u.root.build()
    }

    private mutating func visit(_ n: DataNode) {
        if visited.insert(n.id).inserted { work.append(n) }
    }

    private mutating func rule(_ r: PRule) {
        terms(r.keyPath)
        if let k = r.key { term(k) }
        if let v = r.value { term(v) }
        terms(r.args)
        body(r.body)
        for e in r.elseChain {
            term(e.value)
            body(e.body)
        }
    }

    private mutating func body(_ b: PBody) {
        for e in b { expr(e) }
    }

    private mutating func expr(_ e: PExpr) {
        for w in e.withs {
            switch w.value {
            case .value(let t): term(t)
            case .target(.function(let n)): visit(n)
            case .target(.builtin): break
            }
            if case .function("object.get") = w.target { replacesObjectGet = true }
        }
        switch e.kind {
        case .term(let t): term(t)
        case .unify(let a, let b): term(a); term(b)
        case .call(let c, let output):
            call(c)
            if let o = output { term(o) }
        case .print(let ts): terms(ts)
        case .someIn(let k, let v, let coll):
            if let k { term(k) }
            term(v)
            term(coll)
        case .every(let k, let v, let coll, let b, _):
            if let k { term(k) }
            term(v)
            term(coll)
            body(b)
        case .logical(_, let a, let b): body(a); body(b)
        case .notBody(let b, _): body(b)
        case .noop: break
        }
    }

    private mutating func terms(_ ts: [PTerm]) {
        for t in ts { term(t) }
    }

    private mutating func term(_ t: PTerm) {
        switch t {
        case .const, .local: break
        case .input: root.add([])
        case .inputRef(let r): root.add(Self.staticPrefix(r.path)[...])
        case .data(let n, let rest):
            visit(n)
            terms(rest)
        case .ref(let head, let path):
            if case .input = head { root.add(Self.staticPrefix(path)[...]) } else { term(head) }
            terms(path)
        case .array(let xs), .set(let xs), .template(let xs): terms(xs)
        case .object(let ks, let vs): terms(ks); terms(vs)
        case .call(let c): call(c)
        case .compr(let c):
            term(c.head)
            if let v = c.value { term(v) }
            body(c.body)
        }
    }

    private mutating func call(_ c: PCall) {
        switch c.target {
        case .function(let n): visit(n)
        case .builtin(let b):
            if b.name == "object.get", c.args.count == 3, let path = Self.inputPath(c.args[0]),
               let keys = Self.constKeys(c.args[1]) {
                objectGets.append((path, keys))
                term(c.args[2])
                return
            }
        }
        terms(c.args)
    }

    /// The leading constant string keys of a ref path.
    private static func staticPrefix(_ path: [PTerm]) -> [String] {
        var keys: [String] = []
        for p in path {
            guard case .const(.string(let s)) = p else { break }
            keys.append(s)
        }
        return keys
    }

    /// `input` or `input.a.b` with constant string keys only.
    private static func inputPath(_ t: PTerm) -> [String]? {
        switch t {
        case .input: return []
        case .inputRef(let r):
            let keys = staticPrefix(r.path)
            return keys.count == r.path.count ? keys : nil
        case .ref(.input, let path):
            let keys = staticPrefix(path)
            return keys.count == path.count ? keys : nil
        default: return nil
        }
    }

    /// `object.get`'s key operand when constant: a string, or an array of strings (a path).
    private static func constKeys(_ t: PTerm) -> [String]? {
        switch t {
        case .const(.string(let s)): return [s]
        case .const(.array(let items)):
            var keys: [String] = []
            for i in items {
                guard case .string(let s) = i else { return nil }
                keys.append(s)
            }
            return keys
        default: return nil
        }
    }
}

/// Input shapes of a policy's entrypoints, computed on first use (the analysis walks the
/// reachable rules once) and shared by every `PreparedQuery` for the same node.
final class InputShapeCache: @unchecked Sendable {
    private var shapes: [Int: InputShape?] = [:]
    private let lock = Lock()

    func shape(_ entry: Entrypoint) -> InputShape? {
        guard let node = entry.node else { return InputUse.shape(entry) }
        if let s = lock.withLock({ shapes[node.id] }) { return s }
        // Computed outside the lock: two threads may both compute it; the answers are equal.
        let s = InputUse.shape(entry)
        lock.withLock { shapes[node.id] = .some(s) }
        return s
    }
}
