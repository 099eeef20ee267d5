/// A JSON Schema validator (drafts 4–7 keywords) reporting errors as OPA's json.match_schema
/// does (gojsonschema's error types, texts, field paths and order, `(Root)` for the document).
/// `$ref` supports local JSON pointers (`#`, `#/definitions/x`).
struct JSONSchema {
    struct SchemaError: Error { let message: String }

    struct Failure {
        let field: String, type: String, desc: String
        var value: Value {
            ["desc": .string(desc), "error": .string(field + ": " + desc), "field": .string(field), "type": .string(type)]
        }
    }

    let root: Value
    static let typeNames = ["array", "boolean", "integer", "number", "null", "object", "string"]

    init(_ schema: Value) throws(SchemaError) {
        root = schema
        try JSONSchema.check(schema)
    }

    /// Rejects schemas gojsonschema refuses to load (the common case: an unknown type name).
    static func check(_ s: Value) throws(SchemaError) {
        guard case .object(let o) = s else {
            if case .bool = s { return }
            throw SchemaError(message: "Invalid type. Expected: object, given: \(s.typeName)")
        }
        if let t = o["type"] {
            let names: [Value]
            switch t {
            case .string: names = [t]
            case .array(let a): names = a
            default: throw SchemaError(message: "Invalid type. Expected: string/array, given: \(t.typeName)")
            }
            for n in names {
                guard case .string(let name) = n, typeNames.contains(name) else {
                    throw SchemaError(message: "has a primitive type that is NOT VALID -- given: /\(n.stringValue ?? RegoFormatter.format(n))/ Expected valid values are:[array boolean integer number null object string]")
                }
            }
        }
        for (k, v) in o.pairs {
            switch k.stringValue ?? "" {
            case "properties", "definitions", "patternProperties", "dependencies":
                if case .object(let m) = v { for x in m.values where x.objectValue != nil || x.boolValue != nil { try check(x) } }
            case "items":
                if case .array(let a) = v { for x in a { try check(x) } } else { try check(v) }
            case "anyOf", "allOf", "oneOf":
                if case .array(let a) = v { for x in a { try check(x) } }
            case "not", "additionalProperties", "additionalItems", "propertyNames", "contains":
                if v.objectValue != nil { try check(v) }
            default: break
            }
        }
    }

    func validate(_ doc: Value) -> [Failure] {
        var out: [Failure] = []
        var score = 0
        validate(doc, root, [], &out, &score)
        return out
    }

    static func field(_ path: [String]) -> String { path.isEmpty ? "(Root)" : path.joined(separator: ".") }

    static func jsonType(_ v: Value) -> String {
        switch v {
        case .number(let n): return n.isInteger ? "integer" : "number"
        case .bool: return "boolean"
        case .set: return "array"
        default: return v.typeName
        }
    }

    func resolve(_ ref: String) -> Value? {
        guard ref.hasPrefix("#") else { return nil }
        var cur = root
        for seg in ref.dropFirst().split(separator: "/") {
            let key = seg.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
            if case .array(let a) = cur, let i = Int(key), i < a.count { cur = a[i]; continue }
            guard let next = cur[key] else { return nil }
            cur = next
        }
        return cur
    }

    private func validate(_ v: Value, _ schemaValue: Value, _ path: [String], _ out: inout [Failure], _ score: inout Int) {
        let f = JSONSchema.field(path)
        func fail(_ type: String, _ desc: String) { out.append(Failure(field: f, type: type, desc: desc)) }
        guard case .object(let s) = schemaValue else {
            if case .bool(false) = schemaValue { fail("false", "False always fails validation") }
            return
        }
        if case .string(let ref)? = s["$ref"], let target = resolve(ref) {
            validate(v, target, path, &out, &score)
            return
        }
        // Type first; a mismatch ends this schema's checks.
        if let t = s["type"] {
            let names = (t.arrayValue ?? [t]).compactMap(\.stringValue)
            let actual = JSONSchema.jsonType(v)
            let ok = names.contains(actual) || (actual == "integer" && names.contains("number"))
            if !ok {
                let expected = names.count == 1 ? names[0] : "[" + names.joined(separator: ",") + "]"
                fail("invalid_type", "Invalid type. Expected: \(expected), given: \(actual)")
                return
            }
        }
        score += 1  // the type check passed (or there was none): anyOf/oneOf prefer such branches
        // Combinators.
        if case .array(let subs)? = s["anyOf"] {
            var best: ([Failure], Int)? = nil
            var valid = false
            for sub in subs {
                var e: [Failure] = [], sc = 0
                validate(v, sub, path, &e, &sc)
                if e.isEmpty { valid = true; break }
                if best == nil || sc > best!.1 { best = (e, sc) }
            }
            if !valid { fail("number_any_of", "Must validate at least one schema (anyOf)"); out += best?.0 ?? [] } else { score += 1 }
        }
        if case .array(let subs)? = s["oneOf"] {
            var best: ([Failure], Int)? = nil
            var validCount = 0
            for sub in subs {
                var e: [Failure] = [], sc = 0
                validate(v, sub, path, &e, &sc)
                if e.isEmpty { validCount += 1 } else if best == nil || sc > best!.1 { best = (e, sc) }
            }
            if validCount != 1 {
                fail("number_one_of", "Must validate one and only one schema (oneOf)")
                if validCount == 0 { out += best?.0 ?? [] }
            } else { score += 1 }
        }
        if case .array(let subs)? = s["allOf"] {
            var all = true
            for sub in subs {
                var e: [Failure] = [], sc = 0
                validate(v, sub, path, &e, &sc)
                if !e.isEmpty { all = false; out += e }
                score += sc
            }
            if !all { fail("number_all_of", "Must validate all the schemas (allOf)") }
        }
        if let sub = s["not"] {
            var e: [Failure] = [], sc = 0
            validate(v, sub, path, &e, &sc)
            if e.isEmpty { fail("number_not", "Must not validate the schema (not)") } else { score += 1 }
        }
        if case .object(let deps)? = s["dependencies"], case .object(let o) = v {
            for (k, d) in deps.pairs where o[k] != nil {
                if case .array(let needed) = d {
                    for n in needed where o[n] == nil { fail("missing_dependency", "Has a dependency on \(n.stringValue ?? "")") }
                } else {
                    validate(v, d, path, &out, &score)
                }
            }
        }
        switch v {
        case .object(let o): validateObject(o, s, path, &out, &score)
        case .array(let a): validateArray(a, s, path, &out, &score)
        case .set(let st): validateArray(st.elements, s, path, &out, &score)
        case .string(let str): validateString(str, s, f, &out, &score)
        case .number(let n): validateNumber(n, s, f, &out, &score)
        default: break
        }
        if let c = s["const"] {
            if c != v { fail("const", "\(f) does not match: \(JSONWriter.string(c))") } else { score += 1 }
        }
        if case .array(let allowed)? = s["enum"] {
            if !allowed.contains(v) {
                fail("enum", "\(f) must be one of the following: " + allowed.map { JSONWriter.string($0) }.joined(separator: ", "))
            } else { score += 1 }
        }
    }

    private func validateObject(_ o: ObjectValue, _ s: ObjectValue, _ path: [String], _ out: inout [Failure], _ score: inout Int) {
        let f = JSONSchema.field(path)
        func fail(_ type: String, _ desc: String) { out.append(Failure(field: f, type: type, desc: desc)) }
        if let m = s["maxProperties"]?.numberValue?.exactInt, o.count > m { fail("array_max_properties", "Must have at most \(m) properties") }
        if let m = s["minProperties"]?.numberValue?.exactInt, o.count < m { fail("array_min_properties", "Must have at least \(m) properties") }
        if case .array(let req)? = s["required"] {
            for r in req where o[r] == nil { fail("required", "\(r.stringValue ?? RegoFormatter.format(r)) is required") }
        }
        let props = s["properties"]?.objectValue ?? ObjectValue()
        for (k, sub) in props.pairs {
            if let pv = o[k] { validate(pv, sub, path + [k.stringValue ?? RegoFormatter.format(k)], &out, &score) }
        }
        let patterns = s["patternProperties"]?.objectValue ?? ObjectValue()
        var matchedByPattern = Set<Value>()
        for (p, sub) in patterns.pairs {
            guard case .string(let ps) = p, let re = try? RegexCache.get(ps) else { continue }
            for (k, pv) in o.pairs {
                if case .string(let ks) = k, re.matches(ks) {
                    matchedByPattern.insert(k)
                    validate(pv, sub, path + [ks], &out, &score)
                }
            }
        }
        if let ap = s["additionalProperties"] {
            for (k, pv) in o.pairs where props[k] == nil && !matchedByPattern.contains(k) {
                let name = k.stringValue ?? RegoFormatter.format(k)
                if case .bool(false) = ap { fail("additional_property_not_allowed", "Additional property \(name) is not allowed") }
                else if ap.objectValue != nil { validate(pv, ap, path + [name], &out, &score) }
            }
        }
        if let pn = s["propertyNames"], pn.objectValue != nil {
            for k in o.keys {
                var e: [Failure] = [], sc = 0
                validate(k, pn, path, &e, &sc)
                if !e.isEmpty {
                    fail("invalid_property_name", "Property name of \(JSONWriter.string(k)) does not match")
                    out += e
                }
            }
        }
    }

    private func validateArray(_ a: [Value], _ s: ObjectValue, _ path: [String], _ out: inout [Failure], _ score: inout Int) {
        let f = JSONSchema.field(path)
        func fail(_ type: String, _ desc: String) { out.append(Failure(field: f, type: type, desc: desc)) }
        switch s["items"] {
        case .array(let tuple)?:
            for (i, x) in a.enumerated() {
                if i < tuple.count { validate(x, tuple[i], path + [String(i)], &out, &score) }
                else if case .bool(false)? = s["additionalItems"] {
                    fail("array_no_additional_items", "No additional items allowed on array"); break
                } else if let ai = s["additionalItems"], ai.objectValue != nil {
                    validate(x, ai, path + [String(i)], &out, &score)
                }
            }
        case let item?:
            for (i, x) in a.enumerated() { validate(x, item, path + [String(i)], &out, &score) }
        case nil: break
        }
        if let m = s["minItems"]?.numberValue?.exactInt, a.count < m { fail("array_min_items", "Array must have at least \(m) items") }
        if let m = s["maxItems"]?.numberValue?.exactInt, a.count > m { fail("array_max_items", "Array must have at most \(m) items") }
        if case .bool(true)? = s["uniqueItems"] {
            outer: for i in 0..<a.count {
                for j in (i + 1)..<max(a.count, i + 1) where a[i] == a[j] {
                    fail("unique", "array items[\(i),\(j)] must be unique"); break outer
                }
            }
        }
        if let c = s["contains"] {
            let any = a.contains { x in var e: [Failure] = [], sc = 0; validate(x, c, path, &e, &sc); return e.isEmpty }
            if !any { fail("contains", "At least one of the items must match") }
        }
    }

    private func validateString(_ str: String, _ s: ObjectValue, _ f: String, _ out: inout [Failure], _ score: inout Int) {
        func fail(_ type: String, _ desc: String) { out.append(Failure(field: f, type: type, desc: desc)) }
        if case .string(let format)? = s["format"], !JSONSchema.checkFormat(format, str) {
            fail("format", "Does not match format '\(format)'")
        }
        let n = str.unicodeScalars.count
        if let m = s["minLength"]?.numberValue?.exactInt, n < m { fail("string_gte", "String length must be greater than or equal to \(m)") }
        if let m = s["maxLength"]?.numberValue?.exactInt, n > m { fail("string_lte", "String length must be less than or equal to \(m)") }
        if case .string(let p)? = s["pattern"], let re = try? RegexCache.get(p), !re.matches(str) {
            fail("pattern", "Does not match pattern '\(p)'")
        }
    }

    static func checkFormat(_ format: String, _ s: String) -> Bool {
        switch format {
        case "email":
            let parts = s.split(separator: "@", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
        case "ipv4":
            let p = s.split(separator: ".", omittingEmptySubsequences: false)
            return p.count == 4 && p.allSatisfy { Int($0).map { (0...255).contains($0) } ?? false }
        case "uri": return (try? GoURL.parse(s))?["scheme"] != nil
        default: return true  // unknown formats pass, as in gojsonschema
        }
    }

    private func validateNumber(_ n: Number, _ s: ObjectValue, _ f: String, _ out: inout [Failure], _ score: inout Int) {
        func fail(_ type: String, _ desc: String) { out.append(Failure(field: f, type: type, desc: desc)) }
        let d = n.doubleValue
        if let m = s["multipleOf"]?.numberValue, m.doubleValue != 0 {
            let q = d / m.doubleValue
            if q != q.rounded() { fail("multiple_of", "Must be a multiple of \(m)") }
        }
        if let m = s["maximum"]?.numberValue {
            if case .bool(true)? = s["exclusiveMaximum"] {
                if d >= m.doubleValue { fail("number_lt", "Must be less than \(m)") }
            } else if d > m.doubleValue { fail("number_lte", "Must be less than or equal to \(m)") }
        }
        if let m = s["exclusiveMaximum"]?.numberValue, d >= m.doubleValue { fail("number_lt", "Must be less than \(m)") }
        if let m = s["minimum"]?.numberValue {
            if case .bool(true)? = s["exclusiveMinimum"] {
                if d <= m.doubleValue { fail("number_gt", "Must be greater than \(m)") }
            } else if d < m.doubleValue { fail("number_gte", "Must be greater than or equal to \(m)") }
        }
        if let m = s["exclusiveMinimum"]?.numberValue, d <= m.doubleValue { fail("number_gt", "Must be greater than \(m)") }
    }
}
