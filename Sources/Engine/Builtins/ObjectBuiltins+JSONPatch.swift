extension ObjectBuiltins {
    /// json.patch: RFC 6902 operations applied in order (paths are JSON pointers; the leading
    /// `/` is optional as in OPA; sets are addressed by element).
    static let jsonPatchBuiltins: [Builtin] = [
        Builtin("json.patch", arity: 2) { args, _ in
            var doc = args[0]
            for p in try args.array(1) {
                guard case .object(let patch) = p else {
                    throw BuiltinError(.builtin, "must be an array of JSON-Patch objects, but at least one element is not an object")
                }
                doc = try JSONPatch.apply(patch, to: doc)
            }
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

    static func apply(_ patch: ObjectValue, to doc: Value) throws -> Value {
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
        switch op {
        case "add": return try add(doc, path[...], try value())
        case "remove": return try remove(doc, path[...]).0
        case "replace":
            if path.isEmpty { return try value() }
            return try add(try remove(doc, path[...]).0, path[...], try value())
        case "move":
            let from = try pointer(patch, "from")
            _ = try get(doc, from[...])  // OPA looks the value up before removing it
            let (d, v) = try remove(doc, from[...])
            return try add(d, path[...], v)
        case "copy":
            let from = try pointer(patch, "from")
            return try add(doc, path[...], try get(doc, from[...]))
        case "test":
            let want = try value()
            let found = try get(doc, path[...])
            if found != want {
                throw fail("value from EditTree != patch value.\n\nExpected: \(RegoFormatter.format(want))\n\nFound: \(RegoFormatter.format(found))")
            }
            return doc
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
        let path = seg.map { " for path \(GoQuote.quote(text($0)))" } ?? ""
        return fail("expected composite type\(path), found value: \(RegoFormatter.format(doc)) (type: \(type))")
    }

    static func setMember(_ s: SetValue, _ seg: Value) -> Value? {
        if s.contains(seg) { return seg }
        guard case .string(let t) = seg else { return nil }
        return s.elements.first { RegoFormatter.format($0) == t }
    }

    static func get(_ doc: Value, _ path: ArraySlice<Value>) throws -> Value {
        guard let seg = path.first else { return doc }
        switch doc {
        case .object(let o):
            guard let v = o[seg] else { throw fail("path \(RegoFormatter.format(seg)) does not exist in object term \(RegoFormatter.format(doc))") }
            return try get(v, path.dropFirst())
        case .array(let a):
            return try get(a[try arrayIndex(seg, a, .lookup)], path.dropFirst())
        case .set(let s):
            guard let v = setMember(s, seg) else { throw fail("path \(RegoFormatter.format(seg)) does not exist in set term \(RegoFormatter.format(doc))") }
            return try get(v, path.dropFirst())
        default:
            throw scalarParent(doc, next: seg)
        }
    }

    static func add(_ doc: Value, _ path: ArraySlice<Value>, _ value: Value) throws -> Value {
        guard let seg = path.first else { return value }
        let rest = path.dropFirst()
        switch doc {
        case .object(let o):
            if rest.isEmpty { return .object(o.inserting(seg, value)) }
            guard let child = o[seg] else {
                throw fail("path \(GoQuote.quote(text(seg))) does not exist in object term \(RegoFormatter.format(doc))")
            }
            return .object(o.inserting(seg, try add(child, rest, value)))
        case .array(var a):
            if rest.isEmpty {
                a.insert(value, at: try arrayIndex(seg, a, .insert))
                return .array(a)
            }
            let i = try arrayIndex(seg, a, .lookup)
            a[i] = try add(a[i], rest, value)
            return .array(a)
        case .set(let s):
            if rest.isEmpty {
                guard value == seg else {
                    throw fail("set key \(GoQuote.quote(text(seg))) does not equal value to be inserted \(RegoFormatter.format(value))")
                }
                return .set(s.inserting(value))
            }
            guard let member = setMember(s, seg) else { throw fail("cannot add child key \(GoQuote.quote(text(seg))): parent does not exist") }
            let updated = try add(member, rest, value)
            var b = SetBuilder()
            for e in s.elements where e != member { b.insert(e) }
            b.insert(updated)
            return .set(b.build())
        default:
            throw scalarParent(doc, next: rest.isEmpty ? Value?.none : seg)
        }
    }

    /// Returns the document without the addressed value, and that value.
    static func remove(_ doc: Value, _ path: ArraySlice<Value>) throws -> (Value, Value) {
        guard let seg = path.first else { throw fail("cannot remove the root document") }
        let rest = path.dropFirst()
        switch doc {
        case .object(let o):
            guard let child = o[seg] else {
                // Only the last segment is deleted; a missing member on the way is a lookup error.
                if !rest.isEmpty { throw fail("path \(RegoFormatter.format(seg)) does not exist in object term \(RegoFormatter.format(doc))") }
                throw fail("cannot delete child key \(GoQuote.quote(text(seg))) that does not exist")
            }
            if rest.isEmpty { return (.object(o.removing(seg)), child) }
            let (c, v) = try remove(child, rest)
            return (.object(o.inserting(seg, c)), v)
        case .array(var a):
            let i = try arrayIndex(seg, a, rest.isEmpty ? .delete : .lookup)
            if rest.isEmpty { let v = a.remove(at: i); return (.array(a), v) }
            let (c, v) = try remove(a[i], rest)
            a[i] = c
            return (.array(a), v)
        case .set(let s):
            guard let member = setMember(s, seg) else {
                if !rest.isEmpty { throw fail("path \(RegoFormatter.format(seg)) does not exist in set term \(RegoFormatter.format(doc))") }
                throw fail("cannot delete child key \(GoQuote.quote(text(seg))) that does not exist")
            }
            var b = SetBuilder()
            for e in s.elements where e != member { b.insert(e) }
            if rest.isEmpty { return (.set(b.build()), member) }
            let (c, v) = try remove(member, rest)
            b.insert(c)
            return (.set(b.build()), v)
        default:
            throw scalarParent(doc, next: rest.isEmpty ? Value?.none : seg)
        }
    }
}
