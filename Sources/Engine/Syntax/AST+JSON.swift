import Foundation

// The module as OPA's JSON AST (what `rego.parse_module` returns): terms are
// {"type", "value"}, expressions {"index", "terms", "negated"?, "with"?}, rules
// {"head", "body", "default"?, "else"?}. Locations are not included, as in OPA's output.

extension Module {
    public var opaJSON: Value {
        var o: [(String, Value)] = [("package", obj([("path", .array(package.path.termList.map(\.opaJSON)))]))]
        if !imports.isEmpty {
            o.append(("imports", .array(imports.map { imp in
                var fields: [(String, Value)] = [("path", Term(.ref(imp.path), location: imp.location).opaJSON)]
                if let a = imp.alias { fields.append(("alias", .string(a))) }
                return obj(fields)
            })))
        }
        if !rules.isEmpty { o.append(("rules", .array(rules.map(\.opaJSON)))) }
        if !comments.isEmpty {
            o.append(("comments", .array(comments.map { c in
                obj([("Text", .string(Data(c.text.utf8).base64EncodedString())), ("Location", c.location.opaJSON)])
            })))
        }
        return obj(o)
    }
}

extension SourceLocation {
    var opaJSON: Value { obj([("file", .string(file)), ("row", .int(row)), ("col", .int(col))]) }
}

private func obj(_ fields: [(String, Value)]) -> Value {
    .object(ObjectValue(pairs: fields.map { (Value.string($0.0), $0.1) }))
}

extension Rule {
    public var opaJSON: Value {
        let bodyless = body.count == 1 && body[0].generated
        var o: [(String, Value)] = [("head", head.opaJSON(bodyless: bodyless, isDefault: isDefault)), ("body", body.opaJSON)]
        if isDefault { o.append(("default", .true)) }
        // Else branches nest: each carries a copy of the head with its own value.
        var elseValue: Value?
        for branch in elseChain.reversed() {
            var h = head
            h.value = branch.value
            h.assign = branch.assign
            if let a = branch.args { h.args = a }
            var e: [(String, Value)] = [("head", h.opaJSON(bodyless: bodyless, isDefault: isDefault)), ("body", branch.body.opaJSON)]
            if let inner = elseValue { e.append(("else", inner)) }
            elseValue = obj(e)
        }
        if let e = elseValue { o.append(("else", e)) }
        return obj(o)
    }
}

extension RuleHead {
    /// OPA's quirks: a two-element ref (`p.x`, `p[x]`) gets a "name" when the value is explicit
    /// and the rule is not a default, and a "key" when the key is a variable (or the rule has no
    /// body, which OPA parses through another path).
    public func opaJSON(bodyless: Bool, isDefault: Bool) -> Value {
        var o: [(String, Value)] = [("ref", .array(ref.termList.map(\.opaJSON)))]
        let twoElements = ref.parts.count == 1 && kind != .partialSet && !isDefault
        let legacyKey = twoElements && kind != .function
            && (bodyless || ref.parts[0].stringKey == nil && !ref.parts[0].term.isScalar)
        let named = ref.parts.isEmpty || (twoElements && !valueGenerated && !(kind == .function && bodyless))
        if named { o.append(("name", .string(ref.headVariable ?? ""))) }
        if let args { o.append(("args", .array(args.map(\.opaJSON)))) }
        if kind == .partialSet, let key { o.append(("key", key.opaJSON)) }
        if legacyKey { o.append(("key", ref.parts[0].term.opaJSON)) }
        if let value { o.append(("value", value.opaJSON)) }
        if assign { o.append(("assign", .true)) }
        return obj(o)
    }
}

extension Term {
    var isScalar: Bool { if case .scalar = value { return true } else { return false } }
}

extension Array where Element == Expr {
    public var opaJSON: Value { .array(enumerated().map { $0.element.opaJSON(index: $0.offset) }) }
}

extension Expr {
    public func opaJSON(index: Int) -> Value {
        var o: [(String, Value)] = [("index", .int(index))]
        if negated { o.append(("negated", .true)) }
        switch kind {
        case .term(let t):
            o.append(("terms", t.opaJSON))
        case .call(let c):
            o.append(("terms", .array([Term(.ref(c.function), location: c.location).opaJSON] + c.args.map(\.opaJSON))))
        case .some(let decl):
            switch decl {
            case .vars(let vs):
                o.append(("terms", obj([("symbols", .array(vs.map(\.opaJSON)))])))
            case .membership(let key, let value, let coll):
                let name = key == nil ? "internal.member_2" : "internal.member_3"
                let args = (key.map { [$0] } ?? []) + [value, coll]
                let call = Term(.call(Call(function: .dotted(name, location), args: args, location: location)), location: location)
                o.append(("terms", obj([("symbols", .array([call.opaJSON]))])))
            }
        case .every(let e):
            let f: [(String, Value)] = [("key", e.key?.opaJSON ?? .null), ("value", e.value.opaJSON),
                                        ("domain", e.collection.opaJSON), ("body", e.body.opaJSON)]
            o.append(("terms", obj(f)))
        case .logical(let l):
            o.append(("terms", obj([("type", .string(l.op.rawValue)), ("lhs", l.lhs.opaJSON), ("rhs", l.rhs.opaJSON)])))
        case .notBody(let b):
            o.append(("terms", obj([("type", .string("not")), ("body", b.opaJSON), ("explicit_body", .true)])))
        }
        if !with.isEmpty {
            o.append(("with", .array(with.map { obj([("target", $0.target.opaJSON), ("value", $0.value.opaJSON)]) })))
        }
        return obj(o)
    }
}

extension Ref {
    /// OPA's ref form: the head term followed by one term per part (dot fields as strings).
    var termList: [Term] { [head] + parts.map(\.term) }
}

extension Term {
    public var opaJSON: Value {
        func t(_ type: String, _ v: Value) -> Value { obj([("type", .string(type)), ("value", v)]) }
        switch value {
        case .scalar(let v):
            switch v {
            case .null: return t("null", .emptyObject)
            case .bool: return t("boolean", v)
            case .number: return t("number", v)
            case .string: return t("string", v)
            default: return t(v.typeName, v)
            }
        case .variable(let name): return t("var", .string(name))
        case .ref(let r): return t("ref", .array(r.termList.map(\.opaJSON)))
        case .array(let items): return t("array", .array(items.map(\.opaJSON)))
        case .set(let items):
            // OPA prints sets and objects in its term order, without duplicates.
            var sorted = items.sorted { Term.compareOPA($0, $1) < 0 }
            sorted = sorted.enumerated().filter { $0.offset == 0 || Term.compareOPA(sorted[$0.offset - 1], $0.element) != 0 }.map(\.element)
            return t("set", .array(sorted.map(\.opaJSON)))
        case .object(let items):
            let sorted = items.enumerated().sorted {
                let c = Term.compareOPA($0.element.key, $1.element.key)
                return c != 0 ? c < 0 : $0.offset < $1.offset
            }.map(\.element)
            return t("object", .array(sorted.map { .array([$0.key.opaJSON, $0.value.opaJSON]) }))
        case .arrayComprehension(let term, let body):
            return t("arraycomprehension", obj([("term", term.opaJSON), ("body", body.opaJSON)]))
        case .setComprehension(let term, let body):
            return t("setcomprehension", obj([("term", term.opaJSON), ("body", body.opaJSON)]))
        case .objectComprehension(let k, let v, let body):
            return t("objectcomprehension", obj([("key", k.opaJSON), ("value", v.opaJSON), ("body", body.opaJSON)]))
        case .call(let c):
            return t("call", .array([Term(.ref(c.function), location: c.location).opaJSON] + c.args.map(\.opaJSON)))
        case .template(let ts):
            let parts: [Value] = ts.parts.map { p in
                switch p {
                case .text(let s): return t("string", .string(s))
                case .expr(let e):
                    // OPA keeps a constant `{42}` as the bare term.
                    if case .term(let term) = e.kind, term.isScalar, !e.negated, e.with.isEmpty { return term.opaJSON }
                    return e.opaJSON(index: 0)
                }
            }
            return t("templatestring", obj([("multi_line", .bool(ts.multiLine)), ("parts", parts.isEmpty ? .null : .array(parts))]))
        }
    }
}

extension Term {
    /// OPA's order on terms (scalars by value, then vars, refs, collections, comprehensions, calls).
    static func compareOPA(_ a: Term, _ b: Term) -> Int {
        let ra = a.value.opaRank, rb = b.value.opaRank
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a.value, b.value) {
        case (.scalar(let x), .scalar(let y)): return Value.compare(x, y)
        case (.variable(let x), .variable(let y)): return x == y ? 0 : (Array(x.utf8).lexicographicallyPrecedes(Array(y.utf8)) ? -1 : 1)
        case (.ref(let x), .ref(let y)): return compareLists(x.termList, y.termList)
        case (.array(let x), .array(let y)), (.set(let x), .set(let y)): return compareLists(x, y)
        case (.object(let x), .object(let y)):
            return compareLists(x.flatMap { [$0.key, $0.value] }, y.flatMap { [$0.key, $0.value] })
        case (.call(let x), .call(let y)):
            return compareLists([Term(.ref(x.function), location: a.location)] + x.args,
                                [Term(.ref(y.function), location: b.location)] + y.args)
        default: return 0
        }
    }

    private static func compareLists(_ x: [Term], _ y: [Term]) -> Int {
        for (l, r) in zip(x, y) {
            let c = compareOPA(l, r)
            if c != 0 { return c }
        }
        return x.count == y.count ? 0 : (x.count < y.count ? -1 : 1)
    }
}

extension TermValue {
    var opaRank: Int {
        switch self {
        case .scalar(let v):
            switch v {
            case .null: return 0
            case .bool: return 1
            case .number: return 2
            default: return 3
            }
        case .variable: return 4
        case .ref: return 5
        case .array: return 6
        case .object: return 7
        case .set: return 8
        case .arrayComprehension: return 9
        case .objectComprehension: return 10
        case .setComprehension: return 11
        case .call: return 12
        case .template: return 13
        }
    }
}
