/// A Rego set: elements stored sorted in Rego's value order (deterministic iteration and
/// output), with a hash index for large sets. Immutable; copying is one reference.
public struct SetValue: Sendable {
    @usableFromInline let storage: Storage

    @usableFromInline
    final class Storage: Sendable {
        @usableFromInline let elements: [Value]
        @usableFromInline let index: ValueIndex?
        /// Iteration order when it is not `elements` (a literal with variables; see
        /// `init(literalOrder:)`); nil for every other set.
        @usableFromInline let order: [Value]?

        @usableFromInline
        init(sorted: [Value], order: [Value]? = nil) {
            elements = sorted
            index = sorted.count > SetValue.indexThreshold ? ValueIndex(sorted) : nil
            self.order = order
        }
    }

    @usableFromInline static let indexThreshold = 16
    private static let empty = Storage(sorted: [])

    public init() { storage = SetValue.empty }

    /// Elements must already be sorted and unique.
    @usableFromInline
    init(sortedUnique: [Value]) { storage = Storage(sorted: sortedUnique) }

    /// Builds a set from elements in any order; duplicates collapse.
    public init<S: Sequence>(_ elements: S) where S.Element == Value {
        var builder = SetBuilder()
        for e in elements { builder.insert(e) }
        self = builder.build()
    }

    /// A set literal whose elements are not all constants, from its values in the literal's
    /// compiled order (Lowering sorts the terms as OPA's compiler does: constants by value,
    /// then variables, then references, and drops repeated terms). OPA plugs the values into
    /// the literal's term list and iterates that list, so iteration keeps this order and also
    /// a value two terms share (`[y | z := 2; some y in {z, 1, 3}]` is `[1, 3, 2]`,
    /// `[y | z := 1; some y in {z, 1}]` is `[1, 1]`), while equality, count, printing and
    /// builtins see the sorted, unique elements.
    public init(literalOrder values: [Value]) {
        var seen = SetBuilder()
        for v in values { seen.insert(v) }
        let sorted = seen.build()
        if sorted.elements.elementsEqual(values, by: { Value.compare($0, $1) == 0 }) {
            self = sorted
        } else {
            storage = Storage(sorted: sorted.elements, order: values)
        }
    }

    /// Elements in the order `some x in s`, `s[_]` and `every` visit them: Rego's order
    /// except for a literal with variables (see `init(literalOrder:)`).
    @inlinable public var iterationOrder: [Value] { storage.order ?? storage.elements }

    @inlinable public var count: Int { storage.elements.count }
    @inlinable public var isEmpty: Bool { storage.elements.isEmpty }
    /// Elements in Rego's order.
    @inlinable public var elements: [Value] { storage.elements }

    @inlinable
    public func contains(_ v: Value) -> Bool {
        if let idx = storage.index { return idx.find(v, in: storage.elements) != nil }
        let e = storage.elements
        if e.count <= 8 {
            // A string (the usual member) is compared with string elements only, without the
            // generic two-value switch and the copy of each element it costs.
            if case .string(let vs) = v {
                for i in 0..<e.count {
                    if case .string(let s) = e[i], regoStringsEqual(s, vs) { return true }
                }
                return false
            }
            for x in e where x == v { return true }
            return false
        }
        var lo = 0, hi = e.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let c = Value.compare(e[mid], v)
            if c == 0 { return true }
            if c < 0 { lo = mid + 1 } else { hi = mid - 1 }
        }
        return false
    }

    public func union(_ other: SetValue) -> SetValue {
        if other.isEmpty { return self }
        if isEmpty { return other }
        var b = SetBuilder(self)
        for e in other.elements { b.insert(e) }
        return b.build()
    }

    /// Elements come from the smaller operand (`self` on a tie), as OPA keeps them: which of
    /// two equal numbers (1, 1.0) survives is visible through `json.marshal`.
    public func intersection(_ other: SetValue) -> SetValue {
        if other.count < count { return other.intersection(self) }
        return SetValue(sortedUnique: elements.filter { other.contains($0) })
    }

    public func subtracting(_ other: SetValue) -> SetValue {
        SetValue(sortedUnique: elements.filter { !other.contains($0) })
    }

    public func inserting(_ v: Value) -> SetValue {
        if contains(v) { return self }
        var b = SetBuilder(self)
        b.insert(v)
        return b.build()
    }
}

/// Accumulates elements (in any order) and produces a sorted `SetValue`.
///
/// Most sets built during an evaluation are small (a partial set rule's few messages, a
/// comprehension over a short list): up to `smallLimit` elements are kept in an array and
/// searched linearly, so a small set costs no hash table and no hashing of its elements.
/// Beyond that the elements move into a `Set`. Either way a repeated element keeps the first
/// one inserted (`{1.0, 1}` keeps `1.0`).
public struct SetBuilder {
    private var small: [Value] = []
    /// Every element, once there are more than `smallLimit` (then `small` is empty).
    private var members: Set<Value>?

    @usableFromInline static let smallLimit = 8

    public init() {}
    public init(_ s: SetValue) {
        if s.count <= SetBuilder.smallLimit {
            small = s.elements
        } else {
            members = Set(s.elements)
        }
    }

    /// Returns true if the element was new.
    @discardableResult
    public mutating func insert(_ v: Value) -> Bool {
        if members != nil { return members!.insert(v).inserted }
        for x in small where x == v { return false }
        if small.count < SetBuilder.smallLimit {
            // Room for a few at once (one allocation, not one per doubling from 1).
            if small.isEmpty { small.reserveCapacity(4) }
            small.append(v)
            return true
        }
        var m = Set<Value>(minimumCapacity: 2 * SetBuilder.smallLimit)
        for x in small { m.insert(x) }
        m.insert(v)
        members = m
        small = []
        return true
    }

    public func contains(_ v: Value) -> Bool {
        if let members { return members.contains(v) }
        for x in small where x == v { return true }
        return false
    }

    public var count: Int { members?.count ?? small.count }

    public func build() -> SetValue {
        if let members {
            return SetValue(sortedUnique: members.sorted { Value.compare($0, $1) < 0 })
        }
        if small.isEmpty { return SetValue() }
        var sorted = small
        if sorted.count > 1 { sorted.sort { Value.compare($0, $1) < 0 } }
        return SetValue(sortedUnique: sorted)
    }
}
