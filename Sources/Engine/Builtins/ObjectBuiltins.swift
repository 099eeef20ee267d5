/// The object.* builtins. json.filter / json.remove are in ObjectBuiltins+JSONPaths.swift,
/// json.patch in ObjectBuiltins+JSONPatch.swift.
enum ObjectBuiltins {
    static let builtins: [Builtin] = [
        Builtin("object.get", arity: 3) { args, _ in
            let o = try args.object(0)
            if case .array(let path) = args[1] {
                var cur = Value.object(o)
                for key in path {
                    switch cur {
                    case .object, .array, .set:
                        guard let next = cur[key] else { return args[2] }
                        cur = next
                    default: return args[2]
                    }
                }
                return cur
            }
            return o[args[1]] ?? args[2]
        },
        Builtin("object.keys", arity: 1) { args, _ in .set(SetValue(try args.object(0).keys)) },
        Builtin("object.remove", arity: 2) { args, _ in
            let o = try args.object(0)
            let keys = try keyCollection(args, 1)
            var b = ObjectBuilder(minimumCapacity: o.count)
            for (k, v) in o.pairs where !keys.contains(k) { b[k] = v }
            return .object(b.build())
        },
        Builtin("object.filter", arity: 2) { args, _ in
            let o = try args.object(0)
            let keys = try keyCollection(args, 1)
            var b = ObjectBuilder(minimumCapacity: keys.count)
            for (k, v) in o.pairs where keys.contains(k) { b[k] = v }
            return .object(b.build())
        },
        Builtin("object.union", arity: 2) { args, _ in
            // Equal operands give the first one as it is (OPA: `{"a": 1}` ∪ `{"a": 1.0}` keeps 1).
            let a = try args.object(0), b = try args.object(1)
            return .object(Value.object(a) == Value.object(b) ? a : union(a, b))
        },
        Builtin("object.union_n", arity: 1) { args, _ in
            var acc = ObjectValue()
            for v in try args.array(0) {
                guard case .object(let o) = v else {
                    throw BuiltinError(.type, "operand 1 must be array of objects but got array containing \(v.typeName)")
                }
                acc = union(acc, o, laterKeys: true)
            }
            return .object(acc)
        },
        Builtin("object.subset", arity: 2) { args, _ in
            switch (args[0], args[1]) {
            case (.object, .object), (.set, .set), (.array, .array), (.array, .set):
                return .bool(isSubset(args[0], args[1]))
            default:
                throw BuiltinError(.type, "both arguments object.subset must be of the same type or array and set")
            }
        },
    ] + jsonPathBuiltins + jsonPatchBuiltins

    /// Keys given as an array, set or object (its keys).
    static func keyCollection(_ args: Arguments, _ i: Int) throws -> Set<Value> {
        switch args[i] {
        case .array(let a): return Set(a)
        case .set(let s): return Set(s.elements)
        case .object(let o): return Set(o.keys)
        default:
            throw BuiltinError(.type, "operand \(i + 1) must be one of {object, set, array} but got \(args[i].typeName)")
        }
    }

    /// Deep merge; `b` wins on conflicts, nested objects merge. Of two equal keys (1, 1.0)
    /// `a`'s is kept, or `b`'s with `laterKeys` (OPA's object.union_n, at every level).
    static func union(_ a: ObjectValue, _ b: ObjectValue, laterKeys: Bool = false) -> ObjectValue {
        if a.isEmpty { return b }
        if b.isEmpty { return a }
        var out = ObjectBuilder(a)
        for (k, v) in b.pairs {
            let merged: Value
            if case .object(let bo) = v, case .object(let ao)? = out[k] {
                merged = .object(union(ao, bo, laterKeys: laterKeys))
            } else {
                merged = v
            }
            if laterKeys { out[k] = nil }
            out[k] = merged
        }
        return out.build()
    }

    /// object.subset: objects by keys (recursively), sets by membership, arrays as contiguous
    /// slices, a set inside an array by OPA's counting walk; anything else by equality.
    static func isSubset(_ sup: Value, _ sub: Value) -> Bool {
        switch (sup, sub) {
        case (.object(let a), .object(let b)):
            for (k, v) in b.pairs {
                guard let av = a[k] else { return false }
                switch (av, v) {
                case (.object, .object), (.set, .set), (.array, .array):
                    if !isSubset(av, v) { return false }
                default:
                    if av != v { return false }
                }
            }
            return true
        case (.set(let a), .set(let b)):
            return b.elements.allSatisfy { a.contains($0) }
        case (.array(let a), .set(let b)):
            // OPA walks the array counting elements found in the set (duplicates count again)
            // and answers true once the count reaches the set's size: an empty array is never a
            // superset (not even of the empty set), `[1, 1]` is one of `{1, 2}`.
            var unmatched = b.count
            for e in a {
                if b.contains(e) { unmatched -= 1 }
                if unmatched <= 0 { return true }
            }
            return false
        case (.array(let a), .array(let b)):
            if b.isEmpty { return true }
            if b.count > a.count { return false }
            for start in 0...(a.count - b.count) where a[start] == b[0] {
                if a[start..<(start + b.count)].elementsEqual(b) { return true }
            }
            return false
        default:
            return sup == sub
        }
    }
}
