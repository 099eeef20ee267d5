/// The type OPA's checker gives the document a value rule produces, inferred from its clauses'
/// bodies as for functions (`FunctionTypeCheck.Checker.walk`): a complete rule has the union of
/// its values' types (`r := x if { x := 5 }` is number, `r if …` boolean), a partial set is a
/// set of its keys' type, and each variable part of a ref head wraps the type in an object keyed
/// by that variable's type (`o[k][i] := v` with k and i numbers is
/// `object[number: object[number: …]]`), each constant part after it in `object[string: …]`
/// (OPA does not keep the field's name: `r[k].all` accepts `r[0].b`).
/// Refs into the document are checked against it (`RefTypeCheck`): `data.p.r.nope` on a number
/// rule, `o["x"]` on an object keyed by numbers.
///
/// Types the walk cannot settle are `any`, which never refuses a key. A path with rules below
/// it, a function, or a clause whose body has a type error (OPA gives those up) has no type.
extension FunctionTypeCheck.Checker {
    mutating func ruleValueType(_ path: [String]) -> TypeDecl? {
        let key = RuleIndex.key(path)
        if let t = ruleTypes[key] { return t }
        guard inProgress.insert(key).inserted else { return nil }
        let (savedLocals, savedWith) = (locals, underWith)
        defer { inProgress.remove(key); locals = savedLocals; underWith = savedWith }
        underWith = false
        let clauses = index.rules(at: path)
        var out: TypeDecl?
        if !clauses.isEmpty, index.entries(below: path).isEmpty,
           clauses.allSatisfy({ $0.rule.kind != .function }) {
            let saved = failedCalls
            defer { failedCalls = saved }
            var types: [TypeDecl] = []
            for c in clauses {
                failedCalls = 0
                guard let t = clauseType(c), failedCalls == 0 else { types = []; break }
                types.append(t)
            }
            if !types.isEmpty { out = merge(types) }
        }
        ruleTypes[key] = .some(out)
        return out
    }

    /// One clause's contribution (else values included), wrapped by the ref's variable parts.
    private mutating func clauseType(_ c: RuleIndex.Entry) -> TypeDecl? {
        var env: [String: TypeDecl] = [:]
        var ignored: [EngineError] = []
        var t = walk(c.rule, module: c.module, env: &env, errors: &ignored)
        if c.rule.kind == .partialSet {
            t = .set(c.rule.head.key.map { type($0, env, c.module) } ?? .any)
        } else {
            var values = [t]
            for b in c.rule.elseChain {
                var elseEnv: [String: TypeDecl] = [:]
                body(b.body, c.module, &elseEnv, &ignored)
                values.append(type(b.value, elseEnv, c.module))
            }
            t = union(values)
        }
        let ref = c.rule.head.ref
        let fixed = ref.staticPrefix.count - 1
        guard fixed < ref.parts.count else { return t }
        for p in ref.parts[fixed...].reversed() {
            if p.stringKey != nil { t = .object(.string, t) } else { t = .object(type(p.term, env, c.module), t) }
        }
        return t
    }

    /// Clauses united: objects key by key type and value type, sets by element, else a union.
    private func merge(_ ts: [TypeDecl]) -> TypeDecl {
        var keys: [TypeDecl] = [], values: [TypeDecl] = [], elems: [TypeDecl] = []
        for t in ts {
            switch t {
            case .object(let k, let v): keys.append(k); values.append(v)
            case .set(let e): elems.append(e)
            default: break
            }
        }
        if keys.count == ts.count { return .object(union(keys), union(values)) }
        if elems.count == ts.count { return .set(union(elems)) }
        return union(ts)
    }

    /// The type of what a ref selects: from a typed local, a literal or call (`[x | …][1]`), or
    /// a value rule's document (`data.p.r.x`, `r.x`; not under `with`, which may replace it).
    mutating func refType(_ r: Ref, _ env: [String: TypeDecl], _ module: Int?) -> TypeDecl {
        guard let v = r.headVariable else { return RefTypeCheck.selectType(type(r.head, env, module), r.parts[...]) }
        if v == "input" { return .any }
        if let t = env[v] { return RefTypeCheck.selectType(t, r.parts[...]) }
        if !underWith, let m = module, isQuery(m), v == "data" {
            // A query's `data.…`: the rule at a prefix of the path, from the compiled types.
            var path: [String] = []
            for (i, p) in r.parts.enumerated() {
                guard let k = p.stringKey else { break }
                path.append(k)
                if let t = ruleTypes[RuleIndex.key(path)] { return t.map { RefTypeCheck.selectType($0, r.parts[(i + 1)...]) } ?? .any }
            }
            return .any
        }
        guard !underWith, let m = module, !isQuery(m), !locals.contains(v),
              let base = resolvers[m].dataPath(Ref(head: r.head, parts: []), locals: locals) else { return .any }
        var path = base
        if index.byPath[RuleIndex.key(path)] != nil, v != "data" {
            return ruleValueType(path).map { RefTypeCheck.selectType($0, r.parts[...]) } ?? .any
        }
        for (i, p) in r.parts.enumerated() {
            guard let k = p.stringKey else { break }
            path.append(k)
            if index.byPath[RuleIndex.key(path)] != nil {
                return ruleValueType(path).map { RefTypeCheck.selectType($0, r.parts[(i + 1)...]) } ?? .any
            }
        }
        return .any
    }
}
