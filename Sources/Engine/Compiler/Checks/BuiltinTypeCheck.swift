/// Rejects builtin calls whose arguments are statically of the wrong type (literals, collection
/// literals, results of other builtins): `concat(1, ["a"])` →
/// `concat: invalid argument(s)\n\thave: (number, array<string>)\n\twant: (delimiter: string, collection: any<array[string], set[string]>, output: string)`.
/// Variables and refs have unknown types here and are never rejected.
enum BuiltinTypeCheck {
    static func run(_ calls: CallSites) -> [EngineError] {
        var errors: [EngineError] = []
        for site in calls.sites {
            guard case .builtin(let name, let decl?) = site.callee, decl.variadic == nil else { continue }
            let call = site.call, exprLevel = site.exprLevel
            let k = decl.args.count
            guard call.args.count == k || (exprLevel && call.args.count == k + 1) else { continue }
            for (i, arg) in call.args.prefix(k).enumerated() where !termFits(arg, decl.args[i], staticType) {
                errors.append(EngineError(
                    .typeError,
                    "\(name): invalid argument(s)\n\thave: \(haveList(call, exprLevel: exprLevel))\n\twant: \(wantList(decl))",
                    location: call.location))
                break
            }
        }
        return errors
    }

    /// Whether argument `t` fits `want` as OPA's checker unifies it: set and array literals
    /// element by element (`sum({1, "a"})`, `union({{1}, 5})` fail: one element does not fit),
    /// any other term by its type (`type`), where a union fits when one member does
    /// (`intersection({{"a"} - {"b"}, …})`: minus gives any<number, set[any]>).
    static func termFits(_ t: Term, _ want: TypeDecl, _ type: (Term) -> TypeDecl) -> Bool {
        switch (t.value, want) {
        case (_, .any): return true
        case (.set, .anyOf(let options)), (.array, .anyOf(let options)):
            return options.contains { termFits(t, $0, type) }
        case (.set(let xs), .set(let b)): return xs.allSatisfy { termFits($0, b, type) }
        case (.array(let xs), .array(let b)): return xs.allSatisfy { termFits($0, b, type) }
        // An object literal against an object type with known keys, key by key: a constant key
        // selects the known key's type, else the dynamic part's (no dynamic part: no fit), and
        // the value must fit it (`json.patch(t, [{"op": 1, "path": "/a"}])` fails: op is a
        // string). Values under other keys could be anything.
        // (A literal with a non-constant key is compared by its type, as OPA does.)
        case (.object(let items), .record(let fields, let rest))
            where items.allSatisfy({ if case .scalar = $0.key.value { return true }; return compositeKey($0.key) != nil }):
            return items.allSatisfy { item in
                guard case .scalar(let k) = item.key.value else { return true }
                if case .string(let name) = k, let field = fields.first(where: { $0.0 == name }) {
                    return termFits(item.value, field.1, type)
                }
                guard let rest, staticType(item.key).fits(rest.key) else { return false }
                return termFits(item.value, rest.value, type)
            }
        default: return type(t).fits(want)
        }
    }

    /// `(number, array<string>, ???)`: argument types, plus the unknown output of a call term.
    static func haveList(_ call: Call, exprLevel: Bool) -> String {
        var parts = call.args.map { typeText($0) }
        if !exprLevel { parts.append("???") }
        return "(" + parts.joined(separator: ", ") + ")"
    }

    static func wantList(_ decl: FunctionDecl) -> String {
        var parts = argTexts(decl)
        if let result = decl.result { parts.append(named(decl.resultName, result)) }
        return "(" + parts.joined(separator: ", ") + ")"
    }

    /// OPA's `want` for arity mismatches lists the arguments only (no result).
    static func wantArgs(_ decl: FunctionDecl) -> String {
        "(" + argTexts(decl).joined(separator: ", ") + ")"
    }

    private static func argTexts(_ decl: FunctionDecl) -> [String] {
        decl.args.enumerated().map { i, t in named(i < decl.argNames.count ? decl.argNames[i] : nil, t) }
    }

    /// `collection: any<…>`, or the bare type where OPA's metadata has no name.
    private static func named(_ name: String?, _ t: TypeDecl) -> String {
        guard let name, !name.isEmpty else { return t.description }
        return name + ": " + t.description
    }

    static func typeText(_ t: Term) -> String {
        if case .variable = t.value { return "???" }
        return staticType(t).description
    }

    /// The type a term certainly has, or `.any` when only evaluation can tell.
    static func staticType(_ t: Term) -> TypeDecl {
        switch t.value {
        case .scalar(let v):
            switch v {
            case .null: return .null
            case .bool: return .boolean
            case .number: return .number
            case .string: return .string
            default: return .any
            }
        case .variable, .ref: return .any
        // Empty literals have OPA's open types (`[]` is array[any], `{}` object[any: any]).
        case .array(let xs): return xs.isEmpty ? .array(.any) : .tuple(xs.map(staticType), rest: nil)
        case .set(let xs): return .set(union(xs.map(staticType)))
        case .object(let items): return objectLiteralType(items, staticType)
        case .arrayComprehension(let h, let b): return .array(comprehensionType(h, b))
        case .setComprehension(let h, let b): return .set(comprehensionType(h, b))
        case .objectComprehension(let k, let v, let b): return .object(comprehensionType(k, b), comprehensionType(v, b))
        case .template: return .string
        case .call(let c):
            return BuiltinDeclarations.lookup(c.name)?.result ?? .any
        }
    }

    /// The type of a comprehension's head from its own body: variables assigned with `:=` or
    /// bound by `some k, v in <collection of known type>` (`{v | some _, v in {"a", "b"}}` is
    /// set[string]). Anything else, outer variables included, is `any`. Given the names bound
    /// outside (`outer`), a variable that first appears as a ref's key is bound by the lookup
    /// to the collection's key type (`{k | v := [1, 2][k]}` is set[number]).
    static func comprehensionType(_ head: Term, _ body: Body, outer: Set<String>? = nil) -> TypeDecl {
        var env: [String: TypeDecl] = [:]
        var seen = outer ?? []
        func bindKeys(_ t: Term) {
            guard outer != nil else { return }
            ASTWalk.terms(in: t) { x in
                guard case .ref(let r) = x.value else { return }
                for (i, p) in r.parts.enumerated() {
                    guard case .bracket(let b) = p, case .variable(let v) = b.value,
                          !v.hasPrefix("$"), v != "_", !seen.contains(v), env[v] == nil else { continue }
                    let prefix = i == 0 ? r.head : Term(.ref(Ref(head: r.head, parts: Array(r.parts[..<i]))), location: x.location)
                    if let k = RefTypeCheck.keyType(typed(prefix, env)) { env[v] = k }
                }
            }
        }
        for e in body {
            switch e.kind {
            case .call(let c): for a in c.args { bindKeys(a) }
            case .term(let t): bindKeys(t)
            default: break
            }
            switch e.kind {
            case .call(let c) where c.infix == .assign && c.args.count == 2:
                if case .variable(let v) = c.args[0].value { env[v] = typed(c.args[1], env) }
            case .some(.membership(let k, let v, let coll)):
                let ct = typed(coll, env)
                for t in [k, v].compactMap({ $0 }) { if case .variable(let n) = t.value { env[n] = nil } }
                if let value = v ?? k, case .variable(let n) = value.value, let t = RefTypeCheck.memberType(ct) { env[n] = t }
                if v != nil, let k, case .variable(let n) = k.value, let t = RefTypeCheck.keyType(ct) { env[n] = t }
            case .some(.vars(let ts)):
                for t in ts { if case .variable(let n) = t.value { env[n] = nil } }
            default: break
            }
            // (`some x` declares x fresh: a lookup may still bind it.)
            if case .some(.vars) = e.kind { continue }
            ASTWalk.terms(in: e) { x in if case .variable(let v) = x.value { seen.insert(v) } }
        }
        return typed(head, env)
    }

    /// `staticType` with the types of local variables.
    private static func typed(_ t: Term, _ env: [String: TypeDecl]) -> TypeDecl {
        switch t.value {
        case .variable(let v): return env[v] ?? .any
        case .array(let xs): return xs.isEmpty ? .array(.any) : .tuple(xs.map { typed($0, env) }, rest: nil)
        case .set(let xs): return .set(union(xs.map { typed($0, env) }))
        case .object(let items): return objectLiteralType(items) { typed($0, env) }
        // `[1, 2][i]`, `xs[0]` with xs typed here: what the ref selects.
        case .ref(let r) where r.headVariable == nil: return RefTypeCheck.selectType(typed(r.head, env), r.parts[...])
        case .ref(let r):
            guard let v = r.headVariable, let known = env[v] else { return .any }
            return RefTypeCheck.selectType(known, r.parts[...])
        default: return staticType(t)
        }
    }

    /// An object literal's type: `object<k: V, …>` (keys in OPA's order) when every key is a constant scalar (string
    /// keys alone give a `.record`; a null, boolean or number key a `.keyedRecord`, which
    /// does not fit `object[string: any]`, as in OPA), else `object[any: any]`.
    static func objectLiteralType(_ items: [ObjectItem], _ valueType: (Term) -> TypeDecl) -> TypeDecl {
        if items.isEmpty { return .object(.any, .any) }
        var fields: [(String, TypeDecl)] = []
        var keyed: [TypeDecl.KeyedField] = []
        // OPA types the entries under non-constant keys by the first of them only
        // (`{concat("", xs): 1, abs(y): "s"}` is object[string: number]).
        var dynamic: TypeDecl.DynamicObject?
        for i in items {
            // A constant composite key (`[2]`, `{1: 2}`) is a static key too.
            if let k = compositeKey(i.key) {
                keyed.append(.init(key: k, keyType: staticType(i.key), value: valueType(i.value)))
                continue
            }
            guard case .scalar(let k) = i.key.value else {
                if dynamic == nil { dynamic = .init(key: valueType(i.key), value: valueType(i.value)) }
                continue
            }
            let kt: TypeDecl
            switch k {
            case .null: kt = .null
            case .bool: kt = .boolean
            case .number: kt = .number
            case .string(let s): kt = .string; fields.append((s, valueType(i.value)))
            default: return .object(.any, .any)
            }
            keyed.append(.init(key: k, keyType: kt, value: valueType(i.value)))
        }
        // OPA's static keys are sorted (types.NewObject): strings by bytes.
        if keyed.count == fields.count {
            if fields.isEmpty, let dynamic { return .object(dynamic.key, dynamic.value) }
            return .record(fields.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) }, rest: dynamic)
        }
        // Non-string constant keys beside non-constant ones: not modelled (`object<3: string>[string: number]`).
        if dynamic != nil { return .object(.any, .any) }
        return TypeDecl.keyed(keyed)
    }

    /// The value of an array, set or object literal made of constants only.
    static func compositeKey(_ t: Term) -> Value? {
        func value(_ t: Term) -> Value? {
            switch t.value {
            case .scalar(let v): return v
            case .array(let xs):
                let vs = xs.compactMap(value)
                return vs.count == xs.count ? .array(vs) : nil
            case .set(let xs):
                let vs = xs.compactMap(value)
                return vs.count == xs.count ? .set(SetValue(vs)) : nil
            case .object(let items):
                var pairs: [(Value, Value)] = []
                for i in items {
                    guard let k = value(i.key), let v = value(i.value) else { return nil }
                    pairs.append((k, v))
                }
                return .object(ObjectValue(pairs: pairs))
            default: return nil
            }
        }
        switch t.value {
        case .array, .set, .object: return value(t)
        default: return nil
        }
    }

    static func union(_ ts: [TypeDecl]) -> TypeDecl {
        var seen: [String: TypeDecl] = [:]
        var order: [String] = []
        // Unions nest flat (`{"a", {1} - {1}}` is set[any<number, string, set[any]>]).
        let flat = ts.flatMap { t -> [TypeDecl] in if case .anyOf(let ms) = t { return ms } else { return [t] } }
        // `any` absorbs the other members (`{true, input.x}` is set[any]).
        if flat.contains(where: { if case .any = $0 { return true } else { return false } }) { return .any }
        for t in flat where seen[t.description] == nil {
            seen[t.description] = t
            order.append(t.description)
        }
        if order.isEmpty { return .any }
        if order.count == 1 { return seen[order[0]]! }
        return .anyOf(order.map { seen[$0]! })
    }
}
