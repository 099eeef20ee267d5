// Which variables a unification `a = b` (or `a := b`) binds, given those already bound: OPA's
// unifier rules for safety. Structures that cannot match (an array against a string, arrays of
// different lengths, objects with other keys) bind nothing, so their variables stay unsafe, and
// two unbound variables bind each other only once either is bound elsewhere in the expression.

struct UnifySafety {
    private(set) var safe: Set<Int>
    /// Slots that become safe once the key slot does.
    private var unknown: [Int: [Int]] = [:]

    init(safe: Set<Int>) { self.safe = safe }

    /// The slots `a = b` binds when `bound` are bound (ref-path variables, which refs bind by
    /// iterating, count as bound: `extra`).
    static func outputs(_ a: PTerm, _ b: PTerm, bound: Set<Int>, extra: Set<Int>) -> Set<Int> {
        var u = UnifySafety(safe: bound.union(extra))
        u.unify(a, b)
        return u.safe.subtracting(bound)
    }

    private mutating func markSafe(_ s: Int) {
        guard safe.insert(s).inserted else { return }
        if let then = unknown.removeValue(forKey: s) { then.forEach { markSafe($0) } }
    }

    private static func slots(_ t: PTerm) -> Set<Int> {
        var u = VarUse()
        u.value(t)
        return u.needs.union(u.provides)
    }

    private mutating func markAllSafe(_ t: PTerm) { Self.slots(t).forEach { markSafe($0) } }

    private func allSafe(_ t: PTerm) -> Bool { Self.slots(t).isSubset(of: safe) }

    /// Refs and calls bind the other side once their head (ref) or arguments (call) are bound.
    private func groundsOther(_ t: PTerm) -> Bool {
        switch t {
        case .data, .input, .inputRef: return true
        case .ref(let head, _): return allSafe(head)
        case .call(let c): return c.args.allSatisfy(allSafe)
        case .template(let xs): return xs.allSatisfy(allSafe)
        default: return false
        }
    }

    /// A constant array or object seen as a composite of constants.
    private static func expand(_ t: PTerm) -> PTerm {
        guard case .const(let v) = t else { return t }
        switch v {
        case .array(let xs): return .array(xs.map { .const($0) })
        case .object(let o): return .object(o.keys.map { .const($0) }, o.values.map { .const($0) })
        default: return t
        }
    }

    private mutating func unifyAll(_ x: Int, _ composite: PTerm) {
        if safe.contains(x) {
            markAllSafe(composite)
        } else if allSafe(composite) {
            markSafe(x)
        } else {
            unknown[x, default: []].append(contentsOf: Self.slots(composite).subtracting(safe))
        }
    }

    mutating func unify(_ a0: PTerm, _ b0: PTerm) {
        let a = Self.expand(a0), b = Self.expand(b0)
        switch a {
        case .local(let x):
            switch b {
            case .local(let y):
                if safe.contains(y) { markSafe(x) } else if safe.contains(x) { markSafe(y) } else {
                    unknown[x, default: []].append(y)
                    unknown[y, default: []].append(x)
                }
            case .array, .object: unifyAll(x, b)
            case .data, .input, .inputRef, .ref, .call, .template:
                if groundsOther(b) { markSafe(x) }
            default: markSafe(x)  // constants, sets, comprehensions
            }
        case .data, .input, .inputRef, .ref, .call, .template:
            guard groundsOther(a) else { return }
            switch b {
            case .local(let y): markSafe(y)
            case .array, .object: markAllSafe(b)
            default: break
            }
        case .compr:
            switch b {
            case .local(let y): markSafe(y)
            case .array: markAllSafe(b)
            default: break
            }
        case .array(let xs):
            switch b {
            case .local(let y): unifyAll(y, a)
            case .compr: markAllSafe(a)
            case .data, .input, .inputRef, .ref, .call, .template:
                if groundsOther(b) { markAllSafe(a) }
            case .array(let ys):
                if xs.count == ys.count { for (x, y) in zip(xs, ys) { unify(x, y) } }
            default: break
            }
        case .object(let ks, let vs):
            switch b {
            case .local(let y): unifyAll(y, a)
            case .data, .input, .inputRef, .ref, .call, .template:
                if groundsOther(b) { markAllSafe(a) }
            case .object(let ks2, let vs2):
                guard ks.count == ks2.count else { return }
                for (k, v) in zip(ks, vs) {
                    if let j = ks2.firstIndex(where: { Self.sameKey(k, $0) }) { unify(v, vs2[j]) }
                }
            default: break
            }
        default:
            if case .local(let y) = b { markSafe(y) }
        }
    }

    private static func sameKey(_ a: PTerm, _ b: PTerm) -> Bool {
        switch (a, b) {
        case (.const(let x), .const(let y)): return x == y
        case (.local(let x), .local(let y)): return x == y
        default: return false
        }
    }
}
