/// A Rego object: keys are any values, stored sorted in Rego's value order so iteration and
/// output are deterministic. Small objects are searched linearly or by bisection; large ones
/// (data documents with thousands of keys) also carry a hash index built once at construction
/// (`ValueIndex`).
///
/// The storage is an immutable box: copying an object is one reference, and objects are
/// shared freely across threads (bundle data is read by every request).
public struct ObjectValue: Sendable {
    @usableFromInline let storage: Storage

    @usableFromInline
    final class Storage: Sendable {
        @usableFromInline let keys: [Value]
        @usableFromInline let values: [Value]
        @usableFromInline let index: ValueIndex?
        /// Iteration order (indices into `keys`) when it is not key order: an object literal
        /// with variable keys (see `init(literalKeys:values:)`); nil for every other object.
        @usableFromInline let order: [Int]?

        @usableFromInline
        init(sortedKeys: [Value], values: [Value], order: [Int]? = nil) {
            self.keys = sortedKeys
            self.values = values
            index = sortedKeys.count > ObjectValue.indexThreshold ? ValueIndex(sortedKeys) : nil
            self.order = order
        }
    }

    @usableFromInline static let indexThreshold = 16
    private static let empty = Storage(sortedKeys: [], values: [])

    public init() { storage = ObjectValue.empty }

    /// Keys must already be sorted and unique.
    @usableFromInline
    init(sortedKeys: [Value], values: [Value]) {
        storage = Storage(sortedKeys: sortedKeys, values: values)
    }

    /// Builds an object from pairs in any order; a later pair replaces an earlier one with an
    /// equal key.
    public init<S: Sequence>(pairs: S) where S.Element == (Value, Value) {
        var builder = ObjectBuilder()
        for (k, v) in pairs { builder[k] = v }
        self = builder.build()
    }

    /// An object literal whose keys are not all constants, from its pairs in the literal's
    /// compiled order (as SetValue.init(literalOrder:)): OPA iterates it in that order
    /// (`[k | z := 2; some k, _ in {z: 1, 1: 1, 3: 1}]` is `[1, 3, 2]`). A later pair
    /// replaces an earlier one with an equal key.
    public init(literalKeys ks: [Value], values vs: [Value]) {
        var b = ObjectBuilder(minimumCapacity: ks.count)
        for (k, v) in zip(ks, vs) { b[k] = v }
        let sorted = b.build()
        var order: [Int] = []
        var seen = Set<Int>()
        for k in ks {
            if let i = sorted.indexOf(k), seen.insert(i).inserted { order.append(i) }
        }
        if order.elementsEqual(0..<order.count) {
            self = sorted
        } else {
            storage = Storage(sortedKeys: sorted.keys, values: sorted.values, order: order)
        }
    }

    /// The order `some k, v in o` and `o[k]` visit the pairs, as indices into `keys`, when it
    /// is not key order (a literal with variable keys); nil otherwise.
    @inlinable public var iterationPermutation: [Int]? { storage.order }

    public init(_ dict: [String: Value]) {
        self.init(pairs: dict.map { (Value.string($0.key), $0.value) })
    }

    @inlinable public var count: Int { storage.keys.count }
    @inlinable public var isEmpty: Bool { storage.keys.isEmpty }
    /// Keys in Rego's order.
    @inlinable public var keys: [Value] { storage.keys }
    /// Values, in the order of `keys`.
    @inlinable public var values: [Value] { storage.values }

    /// Key/value pairs in key order.
    public var pairs: Zip2Sequence<[Value], [Value]> { zip(storage.keys, storage.values) }

    @inlinable
    public func indexOf(_ key: Value) -> Int? {
        if let idx = storage.index { return idx.find(key, in: storage.keys) }
        let keys = storage.keys
        if keys.count <= 8 {
            // A string key (the usual one) is compared with string keys only, without the
            // generic two-value switch.
            if case .string(let ks) = key {
                for i in 0..<keys.count {
                    if case .string(let s) = keys[i], regoStringsEqual(s, ks) { return i }
                }
                return nil
            }
            for i in 0..<keys.count where keys[i] == key { return i }
            return nil
        }
        var lo = 0, hi = keys.count - 1
        while lo <= hi {
            let mid = (lo + hi) >> 1
            let c = Value.compare(keys[mid], key)
            if c == 0 { return mid }
            if c < 0 { lo = mid + 1 } else { hi = mid - 1 }
        }
        return nil
    }

    @inlinable
    public subscript(key: Value) -> Value? {
        guard let i = indexOf(key) else { return nil }
        return storage.values[i]
    }

    @inlinable
    public subscript(key: String) -> Value? {
        // Hot path: string keys of small input objects; compare without wrapping in a Value.
        if storage.index == nil && storage.keys.count <= 8 {
            let keys = storage.keys
            for i in 0..<keys.count {
                if case .string(let s) = keys[i], regoStringsEqual(s, key) {
                    return storage.values[i]
                }
            }
            return nil
        }
        return self[Value.string(key)]
    }

    /// A new object with `key` set to `value`.
    public func inserting(_ key: Value, _ value: Value) -> ObjectValue {
        var b = ObjectBuilder(self)
        b[key] = value
        return b.build()
    }

    /// A new object without `key`.
    public func removing(_ key: Value) -> ObjectValue {
        guard let i = indexOf(key) else { return self }
        var k = storage.keys, v = storage.values
        k.remove(at: i)
        v.remove(at: i)
        return ObjectValue(sortedKeys: k, values: v)
    }
}

/// Accumulates key/value pairs (in any order) and produces a sorted `ObjectValue`.
public struct ObjectBuilder {
    private var dict: [Value: Value]

    public init(minimumCapacity: Int = 0) { dict = [:]; dict.reserveCapacity(minimumCapacity) }

    public init(_ object: ObjectValue) {
        dict = [:]
        dict.reserveCapacity(object.count)
        for (k, v) in object.pairs { dict[k] = v }
    }

    public subscript(key: Value) -> Value? {
        get { dict[key] }
        set { dict[key] = newValue }
    }

    public var count: Int { dict.count }

    public func build() -> ObjectValue {
        if dict.isEmpty { return ObjectValue() }
        let sorted = dict.sorted { Value.compare($0.key, $1.key) < 0 }
        return ObjectValue(sortedKeys: sorted.map(\.key), values: sorted.map(\.value))
    }
}
