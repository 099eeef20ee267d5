/// The order OPA's compiler gives the terms of a set literal (its `ast.Compare` on terms):
/// constants first by type and value (null, booleans, numbers, strings), then variables
/// (locals in declaration order, which is the order of OPA's `__localN__` names; nested calls
/// become later locals), then references (on locals, then `data`, then `input`, by path), then
/// arrays (element by element), objects, sets and comprehensions. OPA plugs a literal's values
/// in this order and iterates the resulting set in it (SetValue.init(literalOrder:)).
struct LiteralTermOrder {
    let frame: FrameAlloc

    init(_ frame: FrameAlloc) { self.frame = frame }

    func sorted(_ items: [PTerm]) -> [PTerm] { sortedIndices(items).map { items[$0] } }

    /// A set literal's terms in that order, each repeated term once (`{z, 1, z}` has two
    /// terms; a value two different terms share stays twice in the iteration order).
    func setTerms(_ items: [PTerm]) -> [PTerm] {
        var out: [PTerm] = []
        for t in sorted(items) {
            if out.contains(where: { sameTerm($0, t) }) { continue }
            out.append(t)
        }
        return out
    }

    private func sameTerm(_ a: PTerm, _ b: PTerm) -> Bool {
        switch (a, b) {
        case (.local(let x), .local(let y)): return x == y
        case (.const(let x), .const(let y)): return x == y
        case (.input, .input): return true
        case (.ref(let h, let p), .ref(let g, let q)):
            return sameTerm(h, g) && p.count == q.count && zip(p, q).allSatisfy { sameTerm($0, $1) }
        case (.data(let n, let p), .data(let m, let q)):
            return n === m && p.count == q.count && zip(p, q).allSatisfy { sameTerm($0, $1) }
        default: return false
        }
    }

    /// Indices of `items` in that order (stable).
    func sortedIndices(_ items: [PTerm]) -> [Int] {
        items.indices.sorted { x, y in
            let c = compare(items[x], items[y])
            return c != 0 ? c < 0 : x < y
        }
    }

    /// Type rank, then a sub-rank within it (ties compare further in `compare`).
    private func rank(_ t: PTerm) -> (Int, Int) {
        switch t {
        case .const(let v):
            switch v {
            case .null: return (0, 0)
            case .bool: return (1, 0)
            case .number: return (2, 0)
            case .string: return (3, 0)
            case .array: return (6, 0)
            case .object: return (7, 0)
            case .set: return (8, 0)
            }
        // Declared locals in declaration order; others (arguments, unification) by slot first.
        case .local(let s): return (4, frame.declarationOrder[s].map { 1_000_000 + $0 } ?? s)
        case .call, .template: return (4, Int.max)
        case .ref(.local(let s), _): return (5, s)
        case .ref(.input, _), .input, .inputRef: return (5, Int.max)
        case .data, .ref: return (5, Int.max - 1)
        case .array: return (6, 0)
        case .object: return (7, 0)
        case .set: return (8, 0)
        case .compr(let c):
            switch c.kind {
            case .array: return (9, 0)
            case .object: return (10, 0)
            case .set, .single: return (11, 0)
            }
        }
    }

    func compare(_ a: PTerm, _ b: PTerm) -> Int {
        let (ra, sa) = rank(a), (rb, sb) = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        if sa != sb { return sa < sb ? -1 : 1 }
        switch (a, b) {
        case (.const(let x), .const(let y)): return Value.compare(x, y)
        case (.ref(.input, let p), .ref(.input, let q)): return compareLists(p, q)
        case (.data(let n, let p), .data(let m, let q)):
            let c = compareLists(n.path.map { .const(.string($0)) }, m.path.map { .const(.string($0)) })
            return c != 0 ? c : compareLists(p, q)
        case (.input, .ref(.input, _)): return -1
        case (.ref(.input, _), .input): return 1
        default:
            // Arrays element by element (a constant array as its constant elements), objects
            // pair by pair in key order, sets element by element in their order.
            if let x = arrayItems(a), let y = arrayItems(b) { return compareLists(x, y) }
            if let x = objectPairs(a), let y = objectPairs(b) {
                for (p, q) in zip(x, y) {
                    let c = compare(p.0, q.0)
                    if c != 0 { return c }
                    let d = compare(p.1, q.1)
                    if d != 0 { return d }
                }
                return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
            }
            if let x = setItems(a), let y = setItems(b) { return compareLists(x, y) }
            return 0
        }
    }

    private func objectPairs(_ t: PTerm) -> [(PTerm, PTerm)]? {
        switch t {
        case .object(let ks, let vs):
            return sortedIndices(ks).map { (ks[$0], vs[$0]) }
        case .const(.object(let o)):
            return o.pairs.map { (.const($0.0), .const($0.1)) }
        default: return nil
        }
    }

    private func setItems(_ t: PTerm) -> [PTerm]? {
        switch t {
        case .set(let xs): return sorted(xs)
        case .const(.set(let s)): return s.elements.map { .const($0) }
        default: return nil
        }
    }

    private func arrayItems(_ t: PTerm) -> [PTerm]? {
        switch t {
        case .array(let xs): return xs
        case .const(.array(let a)): return a.map { .const($0) }
        default: return nil
        }
    }

    private func compareLists(_ x: [PTerm], _ y: [PTerm]) -> Int {
        for (p, q) in zip(x, y) {
            let c = compare(p, q)
            if c != 0 { return c }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}
