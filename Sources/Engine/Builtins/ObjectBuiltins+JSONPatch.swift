extension ObjectBuiltins {
    /// json.patch: RFC 6902 operations applied in order (paths are JSON pointers; the leading
    /// `/` is optional as in OPA; sets are addressed by element).
    static let jsonPatchBuiltins: [Builtin] = [
        Builtin("json.patch", arity: 2) { args, _ in
            var doc = args[0]
            var edits = JSONPatch.Edits()
            for p in try args.array(1) {
                guard case .object(let patch) = p else {
                    throw BuiltinError(.builtin, "must be an array of JSON-Patch objects, but at least one element is not an object")
                }
                doc = try JSONPatch.apply(patch, to: doc, &edits)
            }
            // OPA crashes rendering a deleted root (a nil dereference); we report it.
            if edits.rootDeleted { throw BuiltinError(.builtin, "cannot remove the root document") }
            return doc
        },
    ]
}

enum JSONPatch {
    static func fail(_ m: String) -> BuiltinError { BuiltinError(.builtin, m) }

    /// A JSON pointer string, or an array of path segments (any values, e.g. set members).
    static func pointer(_ patch: ObjectValue, _ field: String) throws -> [Value] {
        guard let v = patch[field] else { throw fail("missing required attribute '\(field)'") }
        if case .array(let segs) = v { return segs }
        guard case .string(let s) = v else {
            throw BuiltinError(.type, "operand 2 must be one of {set, array} containing string paths or array of path segments but got \(v.typeName)")
        }
        var t = Substring(s)
        if t.hasPrefix("/") { t = t.dropFirst() }
        if s.isEmpty { return [] }
        return t.split(separator: "/", omittingEmptySubsequences: false).map {
            .string($0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~"))
        }
    }

    static func text(_ seg: Value) -> String {
        if case .string(let s) = seg { return s }
        return RegoFormatter.format(seg)
    }

    /// What OPA's edit tree remembers of earlier operations of the same patch list, as far as
    /// it shows: keys removed from objects stay as deleted nodes (looking through one
    /// is `cannot unfold the already deleted scalar node for key "a"`, removing it again
    /// `cannot delete …`, adding over it revives it), and an object whose members were edited is
    /// printed in lookup errors as it was before those edits (its base). Keyed by path.
    struct Edits {
        /// Deleted keys: whether the deleted value was composite.
        var deleted: [[Value]: Bool] = [:]
        /// Nodes edited below: their value before the first such edit.
        var bases: [[Value]: Value] = [:]
        /// `remove` of the whole document: only an `add` of a new one comes back from it.
        var rootDeleted = false

        /// The text of `doc` (found at `path`) in a lookup error.
        func shown(_ doc: Value, _ path: ArraySlice<Value>) -> String {
            RegoFormatter.format(bases[Array(path)] ?? doc)
        }

        /// Looking through (or, `last`, at) `path`: the first deleted node on the way.
        func unfold(_ path: [Value], includingLast: Bool) throws {
            guard !deleted.isEmpty else { return }
            for k in stride(from: 1, through: includingLast ? path.count : path.count - 1, by: 1) {
                if let composite = deleted[Array(path[..<k])] {
                    throw fail("cannot unfold the already deleted \(composite ? "composite" : "scalar") node for key \(RegoFormatter.format(path[k - 1]))")
                }
            }
        }

        func delete(_ path: [Value]) throws {
            try unfold(path, includingLast: false)
            if let composite = deleted[path] {
                throw fail("cannot delete the already deleted \(composite ? "composite" : "scalar") node for key \(RegoFormatter.format(path[path.count - 1]))")
            }
        }

        /// Before changing `doc` at `path`: its ancestors keep their current value as base.
        mutating func willEdit(_ doc: Value, _ path: [Value]) {
            for k in 0..<path.count where bases[Array(path[..<k])] == nil {
                if let v = try? JSONPatch.get(doc, path[..<k], self, path) { bases[Array(path[..<k])] = v }
            }
        }

        /// `path` now holds a new value (or none): nothing below it is remembered.
        mutating func replaced(_ path: [Value]) {
            func below(_ p: [Value]) -> Bool { p.count >= path.count && Array(p[..<path.count]) == path }
            deleted = deleted.filter { !below($0.key) }
            bases = bases.filter { !below($0.key) }
        }

        mutating func added(_ doc: Value, _ path: [Value]) {
            willEdit(doc, path)
            replaced(path)
        }

        /// A removal from an object leaves a deleted node (arrays close the gap).
        mutating func removed(_ doc: Value, _ path: [Value], _ value: Value) {
            willEdit(doc, path)
            replaced(path)
            guard !path.isEmpty, let parent = try? JSONPatch.get(doc, path[..<(path.count - 1)], self, path) else { return }
            switch parent {
            case .object:  // (OPA fails on a deleted set member: a nil dereference)
                switch value {
                case .object, .array, .set: deleted[path] = true
                default: deleted[path] = false
                }
            default: break
            }
        }
    }

    static func apply(_ patch: ObjectValue, to doc: Value, _ e: inout Edits) throws -> Value {
        // OPA checks that path and op are there, then op's type, then reads the path.
        if patch["path"] == nil { throw fail("missing required attribute 'path'") }
        guard let opValue = patch["op"] else { throw fail("missing required attribute 'op'") }
        guard case .string(let op) = opValue else {
            throw fail("attribute 'op' must be a string but found: \(opValue.typeName)")
        }
        let path = try pointer(patch, "path")
        func value() throws -> Value {
            guard let v = patch["value"] else { throw fail("missing required attribute 'value'") }
            return v
        }
        if e.rootDeleted { return try applyToDeletedRoot(op, path, patch, value, &e) }
        switch op {
        case "add":
            try e.unfold(path, includingLast: false)
            let out = try add(doc, path[...], try value(), e, path)
            e.added(doc, path)
            return out
        case "remove":
            if path.isEmpty {
                e = Edits()
                e.rootDeleted = true
                return doc
            }
            try e.delete(path)
            let (out, removed) = try remove(doc, path[...], e, path)
            e.removed(doc, path, removed)
            return out
        case "replace":
            if path.isEmpty {
                let v = try value()
                e = Edits()
                return v
            }
            try e.delete(path)
            let (d, removed) = try remove(doc, path[...], e, path)
            e.removed(doc, path, removed)
            let out = try add(d, path[...], try value(), e, path)
            e.added(d, path)
            return out
        case "move":
            let from = try pointer(patch, "from")
            try e.unfold(from, includingLast: true)
            _ = try get(doc, from[...], e, from)  // OPA looks the value up before removing it
            if from.isEmpty {
                if path.isEmpty { return doc }
                throw fail("deleted node encountered during insert operation")
            }
            try e.delete(from)
            let (d, v) = try remove(doc, from[...], e, from)
            e.removed(doc, from, v)
            try e.unfold(path, includingLast: false)
            let out = try add(d, path[...], v, e, path)
            e.added(d, path)
            return out
        case "copy":
            let from = try pointer(patch, "from")
            try e.unfold(from, includingLast: true)
            let v = try get(doc, from[...], e, from)
            try e.unfold(path, includingLast: false)
            let out = try add(doc, path[...], v, e, path)
            e.added(doc, path)
            return out
        case "test":
            let want = try value()
            try e.unfold(path, includingLast: true)
            let found = try get(doc, path[...], e, path)
            if found != want {
                throw fail("value from EditTree != patch value.\n\nExpected: \(RegoFormatter.format(want))\n\nFound: \(RegoFormatter.format(found))")
            }
            return doc
        default:
            throw fail("unrecognized op: '\(op)'")
        }
    }

    /// An operation after `remove` of the whole document (OPA's edit tree holds a deleted root).
    static func applyToDeletedRoot(_ op: String, _ path: [Value], _ patch: ObjectValue, _ value: () throws -> Value,
                                   _ e: inout Edits) throws -> Value {
        let nilComposite = fail("nil value encountered where composite value was expected")
        switch op {
        case "add":
            guard path.isEmpty else { throw fail("deleted node encountered during insert operation") }
            let v = try value()
            e = Edits()
            return v
        case "remove", "replace":
            throw fail("deleted node encountered during delete operation")
        case "move":
            let from = try pointer(patch, "from")
            if from.isEmpty { throw fail("deleted node encountered during delete operation") }
            throw nilComposite
        case "copy":
            let from = try pointer(patch, "from")
            if from.isEmpty { throw fail("cannot insert nil value into EditTree") }
            throw nilComposite
        case "test":
            let want = try value()
            if path.isEmpty {
                throw fail("value from EditTree != patch value.\n\nExpected: \(RegoFormatter.format(want))\n\nFound: <nil>")
            }
            throw nilComposite
        default:
            throw fail("unrecognized op: '\(op)'")
        }
    }

    /// How an array index is used: where a path goes on (or a value is read), at the end of an
    /// `add`, or at the end of a `remove`; OPA words the out-of-bounds error for each.
    enum IndexUse { case lookup, insert, delete }

    static func arrayIndex(_ seg: Value, _ a: [Value], _ use: IndexUse) throws -> Int {
        let count = a.count
        var idx: Int?
        switch seg {
        case .string(let s):
            if s == "-" {
                idx = count  // past the end for every use, as OPA
            } else {
                let digits = s.hasPrefix("-") || s.hasPrefix("+") ? s.dropFirst() : Substring(s)
                guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                    throw fail("invalid string for indexing")
                }
                if digits.count > 1 && digits.hasPrefix("0") { throw fail("leading zeros are not allowed in JSON paths") }
                idx = Int(s)
            }
        case .number(let n): idx = n.exactInt
        default: break
        }
        switch use {
        case .insert:
            guard let i = idx, i >= 0, i <= count else { throw fail("index for array insertion out of bounds") }
            return i
        case .delete:
            guard let i = idx, i >= 0, i < count else { throw fail("index for array delete out of bounds") }
            return i
        case .lookup:
            guard let i = idx, i >= 0, i < count else {
                throw fail("path \(idx.map(String.init) ?? text(seg)) does not exist in array term \(RegoFormatter.format(.array(a)))")
            }
            return i
        }
    }

    /// OPA's error for a path that goes on below a scalar (`for path` names the next key).
    static func scalarParent(_ doc: Value, next seg: Value?) -> BuiltinError {
        let type: String = switch doc {
        case .number: "ast.Number"
        case .string: "ast.String"
        case .bool: "ast.Boolean"
        default: "ast.Null"
        }
        let path = seg.map { " for path \(RegoFormatter.format($0))" } ?? ""
        return fail("expected composite type\(path), found value: \(RegoFormatter.format(doc)) (type: \(type))")
    }

    static func setMember(_ s: SetValue, _ seg: Value) -> Value? {
        if s.contains(seg) { return seg }
        guard case .string(let t) = seg else { return nil }
        return s.elements.first { RegoFormatter.format($0) == t }
    }

    /// The value at `path` (a slice of `full`) in `doc`.
    static func get(_ doc: Value, _ path: ArraySlice<Value>, _ e: Edits, _ full: [Value]) throws -> Value {
        guard let seg = path.first else { return doc }
        switch doc {
        case .object(let o):
            guard let v = o[seg] else {
                throw fail("path \(RegoFormatter.format(seg)) does not exist in object term \(e.shown(doc, full[..<path.startIndex]))")
            }
            return try get(v, path.dropFirst(), e, full)
        case .array(let a):
            return try get(a[try arrayIndex(seg, a, .lookup)], path.dropFirst(), e, full)
        case .set(let s):
            guard let v = setMember(s, seg) else { throw fail("path \(text(seg)) does not exist in set term \(RegoFormatter.format(doc))") }
            return try get(v, path.dropFirst(), e, full)
        default:
            throw scalarParent(doc, next: seg)
        }
    }

    static func add(_ doc: Value, _ path: ArraySlice<Value>, _ value: Value, _ e: Edits, _ full: [Value]) throws -> Value {
        guard let seg = path.first else { return value }
        let rest = path.dropFirst()
        switch doc {
        case .object(let o):
            if rest.isEmpty { return .object(o.inserting(seg, value)) }
            guard let child = o[seg] else {
                throw fail("path \(RegoFormatter.format(seg)) does not exist in object term \(e.shown(doc, full[..<path.startIndex]))")
            }
            return .object(o.inserting(seg, try add(child, rest, value, e, full)))
        case .array(var a):
            if rest.isEmpty {
                a.insert(value, at: try arrayIndex(seg, a, .insert))
                return .array(a)
            }
            let i = try arrayIndex(seg, a, .lookup)
            a[i] = try add(a[i], rest, value, e, full)
            return .array(a)
        case .set(let s):
            if rest.isEmpty {
                guard value == seg else {
                    throw fail("set key \(RegoFormatter.format(seg)) does not equal value to be inserted \(RegoFormatter.format(value))")
                }
                return .set(s.inserting(value))
            }
            guard let member = setMember(s, seg) else { throw fail("path \(text(seg)) does not exist in set term \(RegoFormatter.format(doc))") }
            let updated = try add(member, rest, value, e, full)
            var b = SetBuilder()
            for e in s.elements where e != member { b.insert(e) }
            b.insert(updated)
            return .set(b.build())
        default:
            throw scalarParent(doc, next: rest.isEmpty ? Value?.none : seg)
        }
    }

    /// Returns the document without the addressed value, and that value.
    static func remove(_ doc: Value, _ path: ArraySlice<Value>, _ e: Edits, _ full: [Value]) throws -> (Value, Value) {
        guard let seg = path.first else { throw fail("cannot remove the root document") }
        let rest = path.dropFirst()
        switch doc {
        case .object(let o):
            guard let child = o[seg] else {
                // Only the last segment is deleted; a missing member on the way is a lookup error.
                if !rest.isEmpty {
                    throw fail("path \(RegoFormatter.format(seg)) does not exist in object term \(e.shown(doc, full[..<path.startIndex]))")
                }
                throw fail("cannot delete child key \(RegoFormatter.format(seg)) that does not exist")
            }
            if rest.isEmpty { return (.object(o.removing(seg)), child) }
            let (c, v) = try remove(child, rest, e, full)
            return (.object(o.inserting(seg, c)), v)
        case .array(var a):
            let i = try arrayIndex(seg, a, rest.isEmpty ? .delete : .lookup)
            if rest.isEmpty { let v = a.remove(at: i); return (.array(a), v) }
            let (c, v) = try remove(a[i], rest, e, full)
            a[i] = c
            return (.array(a), v)
        case .set(let s):
            // The deleted member must be the segment itself; on the way, its text will do.
            let member: Value? = rest.isEmpty ? (s.contains(seg) ? seg : Value?.none) : setMember(s, seg)
            guard let member else {
                if !rest.isEmpty { throw fail("path \(text(seg)) does not exist in set term \(RegoFormatter.format(doc))") }
                throw fail("cannot delete child key \(RegoFormatter.format(seg)) that does not exist")
            }
            var b = SetBuilder()
            for e in s.elements where e != member { b.insert(e) }
            if rest.isEmpty { return (.set(b.build()), member) }
            let (c, v) = try remove(member, rest, e, full)
            b.insert(c)
            return (.set(b.build()), v)
        default:
            throw scalarParent(doc, next: rest.isEmpty ? Value?.none : seg)
        }
    }
}
