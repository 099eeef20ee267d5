/// Rejects constant ref keys that cannot select anything from a statically typed collection,
/// as OPA's type checker does: `["a", "b"][1.0]`, `split(s, "")[1e0]`, `[1, 2][-1]`,
/// `[1, 2][5]`, `xs["k"]` after `xs := [1, 2]`, `{"a": 1}.b` →
/// `undefined ref: ["a", "b"][1.0]` (rego_type_error) with OPA's have/want detail.
///
/// OPA selects with the key's text read as an int64 (`strconv.ParseInt`: `1.0` and `1e0` are refused),
/// by static position in an array literal (else the element type of a builtin's array result),
/// by key in an object literal, and by type in a set. Types come from literals, builtin
/// results and body-local variables assigned (`:=`) one of those; anything else (input, data,
/// rule values, function arguments) is unknown here and never rejected. Checking stops at the
/// first non-constant key.
enum RefTypeCheck {
    /// Errors found, and the numbers of OPA's generated keys (`some v in xs`) for messages.
    struct Findings {
        var list: [EngineError] = []
        let generatedKeys: [SourceLocation: Int]
        /// The module's rule names as OPA prints them in rewritten terms (`r0` → `data.fz.r0`).
        var ruleRefs: [String: String] = [:]
        /// The module's names (package rules, imports) and the rule's own locals, which shadow them.
        var resolver: NameResolver?
        var locals: Set<String> = []
        /// The last bare use of any package rule name in the module (`r`, `f(1)`, `with … as f`):
        /// OPA's rewritten refs share their `data` term, which ends up with the location of the
        /// last rewrite, and errors on refs through a bare name carry that location.
        var lastUse: SourceLocation?
        /// Checking an ad-hoc query: OPA's refused-key errors carry the ref's location there,
        /// not the key's, and it reports no unification (`match error`) of a query's terms.
        var isQuery = false
        mutating func append(_ e: EngineError) { list.append(e) }
        var names: Names? { resolver.map { Names(resolver: $0, locals: locals) } }
    }

    static func run(_ modules: [Module], index: RuleIndex, resolvers: [NameResolver]) -> [EngineError] {
        var errors = Findings(generatedKeys: LocalNumbering(modules).keys)
        let rules = ruleTypes(modules, index, resolvers)
        for (mi, m) in modules.enumerated() {
            errors.ruleRefs = [:]
            errors.resolver = mi < resolvers.count ? resolvers[mi] : nil
            let pkg = RefText.ref(m.package.path)
            for rule in m.rules { if let name = rule.head.ref.headVariable { errors.ruleRefs[name] = pkg + "." + name } }
            errors.lastUse = lastUses(m, errors.resolver)
            for rule in m.rules {
                errors.locals = ASTWalk.localNames(in: rule)
                var env = TypeEnv(rules: rules)
                scan(rule.body, &env, &errors)
                for b in rule.elseChain {
                    var elseEnv = TypeEnv(rules: rules)
                    scan(b.body, &elseEnv, &errors)
                }
                // Head terms see the body's variables.
                if let v = rule.head.value { terms(in: v, env, &errors) }
                if rule.head.kind == .partialSet, let k = rule.head.key { terms(in: k, env, &errors) }
            }
        }
        return errors.list
    }

    /// The ref errors of an ad-hoc query against compiled rule types (`QueryTypes.rules`,
    /// keyed by `RuleIndex.key`): a query names rules by their `data` path only.
    static func checkQuery(_ body: Body, rules: [String: TypeDecl]) -> [EngineError] {
        var errors = Findings(generatedKeys: [:])
        errors.isQuery = true
        var env = TypeEnv(rules: Dictionary(uniqueKeysWithValues: rules.map { ("\u{0}" + $0.key, $0.value) }))
        scan(body, &env, &errors)
        return errors.list
    }

    private static func lastUses(_ m: Module, _ resolver: NameResolver?) -> SourceLocation? {
        guard let resolver else { return nil }
        var out: SourceLocation?
        for rule in m.rules {
            let locals = ASTWalk.localNames(in: rule)
            ASTWalk.terms(in: rule) { t in
                let name: String, loc: SourceLocation
                switch t.value {
                case .variable(let v): name = v; loc = t.location
                case .ref(let r):
                    guard let v = r.headVariable else { return }
                    name = v; loc = r.head.location
                case .call(let c):
                    guard let v = c.function.headVariable else { return }
                    name = v; loc = c.function.head.location
                default: return
                }
                guard resolver.packageRules.contains(name), !locals.contains(name) else { return }
                if let old = out, (old.row, old.col) >= (loc.row, loc.col) { return }
                out = loc
            }
        }
        return out
    }

    /// Walks a body in order: refs are checked with the types of the variables assigned so far.
    /// Nested bodies (comprehensions, `every`, `not { }`, `and`/`or`) are scopes of their own.
    private static func scan(_ body: Body, _ env: inout TypeEnv, _ errors: inout Findings) {
        for e in body {
            // `some x` / `some k, v in …` declare new locals that may shadow an outer name.
            switch e.kind {
            case .some(.vars(let ts)): for t in ts { if case .variable(let n) = t.value { env[n] = nil } }
            case .some(.membership(let k, let v, let coll)):
                for t in [k, v].compactMap({ $0 }) { if case .variable(let n) = t.value { env[n] = nil } }
                // `some x in [1, 2]`: x has the collection's element type (united over a literal's items).
                let collType = staticType(coll, env, errors.names)
                // `some k, v in upper(s)` is `upper(s)[k]` to OPA, `some v in n` (n a number)
                // `n[__localN__]` with the key it generates: nothing can be selected from a scalar.
                if isScalar(collType) {
                    var key: String?
                    if let k, case .variable(let kn) = k.value { key = kn.hasPrefix("$") ? "_" : kn }
                    else if k == nil, let n = errors.generatedKeys[e.location] { key = "__local\(n)__" }
                    switch coll.value {
                    case .call, .variable:
                        if let key {
                            let base = RefText.term(coll, names: errors.ruleRefs), text = base + "[" + key + "]"
                            errors.append(EngineError(
                                .typeError,
                                "undefined ref: \(text)\n\t\(text)\n\t\(String(repeating: "^", count: base.count))\n\thave: \(collType)",
                                location: e.location))
                        }
                    default: break
                    }
                }
                // Over a scalar literal (`some x in "abc"`, `some k, v in 5`) OPA's rewritten
                // unification has no types on either side.
                if case .scalar = coll.value {
                    errors.append(EngineError(.typeError, "match error\n\tleft  : ???\n\tright : ???", location: e.location))
                }
                if case .variable(let n) = v.value, let t = memberType(collType) { env[n] = t }
                if let k, case .variable(let n) = k.value, let t = keyType(collType) { env[n] = t }
            default: break
            }
            // Under `with data…` a rule's value may be replaced: its static type says nothing
            // (`with input…` and builtin mocks leave rule types alone, as OPA's checker does).
            let known = replacesData(e) ? TypeEnv(rules: [:], locals: env.locals) : env
            terms(in: e, known, &errors)
            let names = errors.names
            if !errors.isQuery { UnifyTypeCheck.check(e, { staticType($0, known, names) }, &errors.list) }
            // A variable is fresh (unbound, OPA's `???`) when no earlier expression of this body
            // or an enclosing one mentions it and it names no rule; function parameters are
            // untyped, `???` too.
            if !errors.isQuery { UnifyTypeCheck.checkPattern(e, { staticType($0, known, names) }, fresh: { v in
                v != "input" && v != "data" && known[v] == nil && known[seenKey(v)] == nil
                    && names?.dataRef(Ref(head: Term(.variable(v), location: e.location), parts: []), known) == nil
            }, &errors.list) }
            if !e.negated { bindKeys(in: e, known, &env, names) }
            // `some x` declares x without binding it: it stays fresh (`???`), and a later
            // `xs[x]` still types it.
            if case .some(.vars) = e.kind { continue }
            ASTWalk.terms(in: e) { t in
                switch t.value {
                case .variable(let v): env[seenKey(v)] = .any
                case .ref(let r): if let v = r.headVariable { env[seenKey(v)] = .any }
                default: break
                }
            }
            if case .call(let c) = e.kind, c.infix == .assign, c.args.count == 2,
               case .variable(let name) = c.args[0].value {
                let t = staticType(c.args[1], known, names)
                if case .any = t { env[name] = nil } else { env[name] = t }
            }
        }
    }

    /// Fresh variable keys of the expression's refs (`[1, 2][k]`, `xs[i][j]`) take the key type
    /// of the collection they select from, as OPA's checker binds them; nested bodies are
    /// scopes of their own and left out.
    private static func bindKeys(in e: Expr, _ known: TypeEnv, _ env: inout TypeEnv, _ names: Names?) {
        func visit(_ t: Term) {
            switch t.value {
            case .ref(let r):
                if r.headVariable == nil { visit(r.head) }
                for (i, p) in r.parts.enumerated() {
                    guard case .bracket(let b) = p else { continue }
                    visit(b)
                    guard case .variable(let v) = b.value, !v.hasPrefix("$"), v != "_",
                          env[v] == nil, env[seenKey(v)] == nil,
                          names?.dataRef(Ref(head: b, parts: []), known) == nil else { continue }
                    let prefix = i == 0 ? r.head : Term(.ref(Ref(head: r.head, parts: Array(r.parts[..<i]))), location: t.location)
                    if let k = keyType(staticType(prefix, known, names)) { env[v] = k }
                }
            case .array(let xs), .set(let xs): xs.forEach(visit)
            case .object(let items): for i in items { visit(i.key); visit(i.value) }
            case .call(let c): c.args.forEach(visit)
            default: break
            }
        }
        switch e.kind {
        case .term(let t): visit(t)
        case .call(let c): c.args.forEach(visit)
        default: break
        }
    }

    /// True if a `with` of the expression targets `data` or a path below it.
    static func replacesData(_ e: Expr) -> Bool {
        e.with.contains { w in
            switch w.target.value {
            case .variable(let v): return v == "data"
            case .ref(let r): return r.headVariable == "data"
            default: return false
            }
        }
    }

    /// The type of every member of a collection type (a union for a literal's mixed items).
    static func memberType(_ t: TypeDecl) -> TypeDecl? {
        switch t {
        case .array(let e), .set(let e), .object(_, let e):
            if case .any = e { return nil }
            return e
        case .tuple(let items, nil) where !items.isEmpty: return flatUnion(items)
        case .record(let fields, nil) where !fields.isEmpty: return flatUnion(fields.map(\.1))
        case .keyedRecord(let fields): return flatUnion(fields.map(\.value))
        default: return nil
        }
    }

    /// The type of a collection type's keys (`some k, v in …`).
    static func keyType(_ t: TypeDecl) -> TypeDecl? {
        switch t {
        case .array, .tuple: return .number
        case .record(let fields, nil) where !fields.isEmpty: return .string
        case .keyedRecord(let fields): return flatUnion(fields.map(\.keyType))
        case .object(let k, _): if case .any = k { return nil } else { return k }
        case .set(let e): if case .any = e { return nil } else { return e }
        default: return nil
        }
    }

    private static func flatUnion(_ ts: [TypeDecl]) -> TypeDecl? {
        var flat: [TypeDecl] = []
        for t in ts {
            switch t {
            case .any: return nil
            case .anyOf(let ms): flat += ms
            default: flat.append(t)
            }
        }
        return BuiltinTypeCheck.union(flat)
    }

    private static func terms(in e: Expr, _ env: TypeEnv, _ errors: inout Findings) {
        switch e.kind {
        case .term(let t): terms(in: t, env, &errors)
        case .call(let c): for a in c.args { terms(in: a, env, &errors) }
        case .some(.vars): break
        case .some(.membership(let k, let v, let coll)):
            for t in [k, v, coll].compactMap({ $0 }) { terms(in: t, env, &errors) }
        case .every(let ev):
            terms(in: ev.collection, env, &errors)
            var inner = env
            for t in [ev.key, ev.value].compactMap({ $0 }) { if case .variable(let n) = t.value { inner[n] = nil } }
            scan(ev.body, &inner, &errors)
        case .logical(let l):
            var lhs = env, rhs = env
            scan(l.lhs, &lhs, &errors)
            scan(l.rhs, &rhs, &errors)
        case .notBody(let b):
            var inner = env
            scan(b, &inner, &errors)
        }
        for w in e.with { terms(in: w.value, env, &errors) }
    }

    private static func terms(in t: Term, _ env: TypeEnv, _ errors: inout Findings) {
        check(t, env, &errors)
        switch t.value {
        case .scalar, .variable: break
        case .ref(let r):
            if r.headVariable == nil { terms(in: r.head, env, &errors) }
            for p in r.parts { if case .bracket(let b) = p { terms(in: b, env, &errors) } }
        case .array(let xs), .set(let xs): for x in xs { terms(in: x, env, &errors) }
        case .object(let items): for i in items { terms(in: i.key, env, &errors); terms(in: i.value, env, &errors) }
        case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
            var inner = env
            scan(b, &inner, &errors)
            terms(in: h, inner, &errors)
        case .objectComprehension(let k, let v, let b):
            var inner = env
            scan(b, &inner, &errors)
            terms(in: k, inner, &errors)
            terms(in: v, inner, &errors)
        case .call(let c): for a in c.args { terms(in: a, env, &errors) }
        case .template(let ts):
            for p in ts.parts { if case .expr(let e) = p { terms(in: e, env, &errors) } }
        }
    }

    private static func staticType(_ t: Term, _ env: TypeEnv, _ names: Names? = nil) -> TypeDecl {
        switch t.value {
        case .variable(let v):
            if let known = env[v] { return known }
            // A package rule's bare name is its document.
            return names == nil || v == "data" ? .any : staticType(Term(.ref(Ref(head: t, parts: [])), location: t.location), env, names)
        case .ref(let r):
            // `x[0]` on a typed local, `[1, 2][i]`, `data.p.r.x` / `r.x` on a typed rule.
            if r.headVariable == nil { return selectType(staticType(r.head, env, names), r.parts[...]) }
            guard let v = r.headVariable, v != "input" else { return .any }
            if let known = env[v] { return selectType(known, r.parts[...]) }
            let ref = names.flatMap { $0.dataRef(r, env) } ?? r
            guard ref.headVariable == "data" else { return .any }
            var path: [String] = []
            for (i, p) in ref.parts.enumerated() {
                guard let k = p.stringKey else { break }
                path.append(k)
                if let rt = env[ruleKey(path)] { return selectType(rt, ref.parts[(i + 1)...]) }
            }
            return .any
        default: return BuiltinTypeCheck.staticType(t)
        }
    }

    /// The type a ref's parts select from a value of type `t` (`any` wherever it is unknown).
    static func selectType(_ t: TypeDecl, _ parts: ArraySlice<RefPart>) -> TypeDecl {
        var type = t
        for p in parts {
            if case .any = type { return .any }
            guard case .scalar(let k) = p.term.value else {
                guard let next = elementType(type) else { return .any }
                type = next
                continue
            }
            guard case .type(let next) = select(type, k) else { return .any }
            type = next
        }
        return type
    }

    /// How a rule's bare names resolve (package rules, imports; locals shadow them).
    struct Names {
        let resolver: NameResolver
        let locals: Set<String>

        /// `r.x` → `data.fz.r.x` when r is a package rule or an import and no local.
        func dataRef(_ r: Ref, _ env: TypeEnv) -> Ref? {
            guard let v = r.headVariable, v != "data", v != "input", env[v] == nil, !locals.contains(v),
                  let base = resolver.dataPath(Ref(head: r.head, parts: []), locals: locals) else { return nil }
            return Ref(head: Term(.variable("data"), location: r.head.location),
                       parts: base.map { .field($0, r.head.location) } + r.parts)
        }
    }

    /// The types a body's checks see: the rule types (`ruleKey`), built once per check and
    /// shared by every rule's environment, apart from the locals each scope adds and drops, so
    /// a scope's first local does not copy every rule type of the policy (that copy, per rule,
    /// was quadratic in the number of rules).
    struct TypeEnv {
        let rules: [String: TypeDecl]
        var locals: [String: TypeDecl] = [:]

        subscript(key: String) -> TypeDecl? {
            get { key.utf8.first == 0 ? rules[key] : locals[key] }
            set { locals[key] = newValue }
        }
    }

    /// Environment keys marking variables mentioned earlier (no variable name starts with U+0001).
    private static func seenKey(_ v: String) -> String { "\u{1}" + v }

    /// Environment keys of rule types (no variable name starts with NUL).
    private static func ruleKey(_ path: [String]) -> String { "\u{0}" + RuleIndex.key(path) }

    /// The inferred types of the documents value rules produce (`RuleValueTypes`), by path:
    /// `data.fz.r.x` and `r.x` select from them.
    private static func ruleTypes(_ modules: [Module], _ index: RuleIndex, _ resolvers: [NameResolver]) -> [String: TypeDecl] {
        var checker = FunctionTypeCheck.Checker(modules: modules, index: index, resolvers: resolvers)
        var out: [String: TypeDecl] = [:]
        for e in index.entries where out[ruleKey(e.path)] == nil && e.rule.kind != .function {
            if let t = checker.ruleValueType(e.path) { out[ruleKey(e.path)] = t }
        }
        return out
    }

    private static func check(_ t: Term, _ env: TypeEnv, _ errors: inout Findings) {
        guard case .ref(var r) = t.value else { return }
        // A package rule or an import named without `data` is the data ref OPA rewrites it to
        // (`r.x` → `data.fz.r.x`), unless a local of the rule shadows the name.
        var location = t.location, rewritten = false
        if let data = errors.names?.dataRef(r, env) {
            if let last = errors.lastUse { location = last; rewritten = true }
            r = data
        }
        var type: TypeDecl
        var start = 0
        if let v = r.headVariable {
            if v == "data" {
                // `data.fz.r.x`: the parts after a complete rule select from its value's type.
                var path: [String] = []
                var found: TypeDecl?
                for (i, p) in r.parts.enumerated() {
                    guard let k = p.stringKey else { break }
                    path.append(k)
                    if let t = env[ruleKey(path)], i + 1 < r.parts.count { found = t; start = i + 1; break }
                }
                guard let found else { return }
                type = found
            } else {
                guard v != "input", let known = env[v] else { return }
                type = known
            }
        } else {
            type = BuiltinTypeCheck.staticType(r.head)
            if let e = nonStringKeyMiss(r) { errors.append(e); return }
        }
        // A comprehension head prints as OPA rewrote it.
        let head = RewrittenText.comprehension(r.head, keys: errors.generatedKeys, names: errors.ruleRefs)
        func text(_ n: Int) -> String { RefText.ref(Ref(head: r.head, parts: Array(r.parts[..<n])), head: head) }
        let whole = text(r.parts.count)
        for (i, part) in r.parts.enumerated() where i >= start {
            let key = part.term
            if isScalar(type) {
                // Nothing can be selected from a scalar: OPA underlines the prefix.
                let carets = String(repeating: "^", count: text(i).count)
                errors.append(EngineError(.typeError, "undefined ref: \(whole)\n\t\(whole)\n\t\(carets)\n\thave: \(type)",
                                          location: location))
                return
            }
            // The whole ref, the caret under the refused key (after `[` or `.`).
            let pad = String(repeating: " ", count: text(i).count + 1)
            guard case .scalar(let k) = key.value else {
                // A constant composite key (`{1, 2}[[1]]`) must have the type of the keys.
                if isGroundCollection(key) {
                    let have = BuiltinTypeCheck.staticType(key)
                    guard let (want, next) = compositeSelection(type) else { return }
                    if UnifyTypeCheck.disjoint(have, want) {
                        errors.append(EngineError(
                            .typeError,
                            "undefined ref: \(whole)\n\t\(whole)\n\t\(pad)^\n\t\(pad)have (type): \(UnifyTypeCheck.sorted(have))\n\t\(pad)want (type): \(UnifyTypeCheck.sorted(want))",
                            location: rewritten || errors.isQuery ? location : key.location))
                        return
                    }
                    guard let next else { return }
                    type = next
                    continue
                }
                // A variable key selects some element: go on when all elements have one type.
                guard let next = elementType(type) else { return }
                type = next
                continue
            }
            switch select(type, k) {
            case .unknown: return
            case .type(let next): type = next
            case .refused(let want):
                errors.append(EngineError(
                    .typeError,
                    "undefined ref: \(whole)\n\t\(whole)\n\t\(pad)^\n\t\(pad)have: \(RefText.term(key))\n\t\(pad)\(want)",
                    location: rewritten || errors.isQuery ? location : key.location))
                return
            }
        }
    }

    /// An array, set or object literal without variables, refs or calls.
    private static func isGroundCollection(_ t: Term) -> Bool {
        switch t.value {
        case .array, .set, .object: break
        default: return false
        }
        var ground = true
        ASTWalk.terms(in: t) { x in
            switch x.value {
            case .scalar, .array, .set, .object: break
            default: ground = false
            }
        }
        return ground
    }

    /// The key type a collection type wants and the type selected when the key fits.
    private static func compositeSelection(_ t: TypeDecl) -> (TypeDecl, TypeDecl?)? {
        switch t {
        case .array, .tuple: return (.number, nil)
        case .set(let e): return (e, e)
        case .object(let k, let v): return (k, v)
        case .record(_, let rest): return (rest?.key ?? .string, rest?.value)
        default: return nil
        }
    }

    /// `{1: "a", "x": "b"}[true]`: an object literal with keys other than strings (which the
    /// record type does not cover) selected by a constant key it lacks.
    private static func nonStringKeyMiss(_ r: Ref) -> EngineError? {
        guard case .object(let items) = r.head.value, let first = r.parts.first,
              case .scalar(let k) = first.term.value else { return nil }
        var keys: [Value] = []
        for i in items {
            guard case .scalar(let kv) = i.key.value else { return nil }
            keys.append(kv)
        }
        guard keys.contains(where: { if case .string = $0 { return false } else { return true } }),
              !keys.contains(k) else { return nil }
        let sorted = Set(keys).sorted { Value.compare($0, $1) < 0 }
        let text = RefText.ref(Ref(head: r.head, parts: [first]))
        let pad = String(repeating: " ", count: RefText.ref(Ref(head: r.head, parts: [])).count + 1)
        let want = sorted.map { RefText.term(Term(.scalar($0), location: first.term.location)) }.joined(separator: " ")
        return EngineError(.typeError,
                           "undefined ref: \(text)\n\t\(text)\n\t\(pad)^\n\t\(pad)have: \(RefText.term(first.term))\n\t\(pad)want (one of): [\(want)]",
                           location: first.term.location)
    }

    private enum Selection {
        case unknown
        case type(TypeDecl)
        /// The `want` line of OPA's error.
        case refused(String)
    }

    private static func select(_ type: TypeDecl, _ key: Value) -> Selection {
        switch type {
        case .tuple(let items, let rest):
            guard case .number(let n) = key, let pos = Int(n.description), pos >= 0 else { return .refused("want (type): number") }
            if pos < items.count { return .type(items[pos]) }
            return rest.map { .type($0) } ?? .refused("want (type): number")
        case .array(let elem):
            guard case .number(let n) = key, let pos = Int(n.description), pos >= 0 else { return .refused("want (type): number") }
            return .type(elem)
        case .object(let k, let v):
            return fits(key, k) ? .type(v) : .refused("want (type): \(k)")
        case .set(let e):
            guard fits(key, e) else { return .refused("want (type): \(e)") }
            // A set lookup yields the key itself, so a scalar key's type (`s.zz.x` is
            // `undefined ref`, have: string; `s.zz == 1` a match error with s a set of
            // any<number, string>).
            switch key {
            case .null: return .type(.null)
            case .bool: return .type(.boolean)
            case .number: return .type(.number)
            case .string: return .type(.string)
            default: return .type(e)
            }
        case .record(let fields, let rest):
            if case .string(let s) = key, let f = fields.first(where: { $0.0 == s }) { return .type(f.1) }
            if let rest, fits(key, rest.key) { return .type(rest.value) }
            // Go's `%v` of the key list: space-separated.
            let names = fields.map { "\"\($0.0)\"" }.joined(separator: " ")
            return .refused("want (one of): [\(names)]")
        default:
            return .unknown
        }
    }

    private static func isScalar(_ t: TypeDecl) -> Bool {
        switch t {
        case .null, .boolean, .number, .string: return true
        case .anyOf(let ts): return !ts.isEmpty && ts.allSatisfy(isScalar)
        default: return false
        }
    }

    /// The one type of every element of a collection type, if it has one.
    private static func elementType(_ t: TypeDecl) -> TypeDecl? {
        var types: [TypeDecl]
        switch t {
        case .array(let e), .set(let e), .object(_, let e): return e
        case .tuple(let items, let rest): types = items + (rest.map { [$0] } ?? [])
        case .record(let fields, let rest): types = fields.map(\.1) + (rest.map { [$0.value] } ?? [])
        default: return nil
        }
        guard let first = types.first else { return nil }
        if types.allSatisfy({ "\($0)" == "\(first)" }) { return first }
        // Mixed scalars: OPA's `any<…>` in type order.
        let rank: [String: Int] = ["null": 0, "boolean": 1, "number": 2, "string": 3]
        guard types.allSatisfy(isScalar) else { return nil }
        let names = Set(types.map { "\($0)" }).sorted { rank[$0]! < rank[$1]! }
        return .anyOf(names.map { n in types.first { "\($0)" == n }! })
    }

    private static func fits(_ key: Value, _ t: TypeDecl) -> Bool {
        switch (key, t) {
        case (_, .any): return true
        case (.string, .string), (.number, .number), (.bool, .boolean), (.null, .null): return true
        case (_, .anyOf(let ts)): return ts.contains { fits(key, $0) }
        default: return false
        }
    }
}

/// OPA's text for the terms in a ref error (`["a", "b"][1.0]`, `split("ab", "").x`).
enum RefText {
    /// Terms in OPA's order: by kind (null, boolean, number, string, var, ref, array, object,
    /// set, …), scalars by value, the rest by their text.
    static func sortedTerms(_ ts: [Term]) -> [Term] {
        func rank(_ t: Term) -> Int {
            switch t.value {
            case .scalar(.null): return 0
            case .scalar(.bool): return 1
            case .scalar(.number): return 2
            case .scalar(.string): return 3
            case .scalar: return 4
            case .variable: return 5
            case .ref: return 6
            case .array: return 7
            case .object: return 8
            case .set: return 9
            default: return 10
            }
        }
        return ts.enumerated().sorted { a, b in
            let (ra, rb) = (rank(a.element), rank(b.element))
            if ra != rb { return ra < rb }
            if case .scalar(let x) = a.element.value, case .scalar(let y) = b.element.value {
                let c = Value.compare(x, y)
                if c != 0 { return c < 0 }
            } else {
                let (x, y) = (term(a.element), term(b.element))
                if x != y { return x < y }
            }
            return a.offset < b.offset
        }.map(\.element)
    }

    static func ref(_ r: Ref, head: String? = nil) -> String {
        var s = head ?? term(r.head)
        for p in r.parts {
            // Keywords print as keys (`future.keywords["in"]`, `data.x["true"]`), as OPA prints them.
            if case .scalar(.string(let k)) = p.term.value, RefPart.isIdentifier(k),
               !Parser.coreKeywords.contains(k), !Parser.futureKeywords.contains(k) {
                s += "." + k
            } else {
                s += "[" + term(p.term) + "]"
            }
        }
        return s
    }

    /// `names` renames variables (rule names to the refs OPA resolves them to).
    static func term(_ t: Term, names: [String: String] = [:]) -> String {
        func sub(_ x: Term) -> String { term(x, names: names) }
        switch t.value {
        case .scalar(let v): return JSONWriter.string(v)
        case .variable(let v): return names[v] ?? v
        case .ref(let r) where names.isEmpty: return ref(r)
        case .ref(let r):
            var s = sub(r.head)
            for p in r.parts {
                // Keywords print as keys (`future.keywords["in"]`, `data.x["true"]`), as OPA prints them.
            if case .scalar(.string(let k)) = p.term.value, RefPart.isIdentifier(k),
               !Parser.coreKeywords.contains(k), !Parser.futureKeywords.contains(k) { s += "." + k } else { s += "[" + sub(p.term) + "]" }
            }
            return s
        case .array(let xs): return "[" + xs.map(sub).joined(separator: ", ") + "]"
        // OPA keeps a literal's set members and object keys in term order.
        case .set(let xs): return xs.isEmpty ? "set()" : "{" + sortedTerms(xs).map(sub).joined(separator: ", ") + "}"
        case .object(let items):
            let byKey = Dictionary(items.map { ($0.key.location, $0) }, uniquingKeysWith: { a, _ in a })
            let keys = sortedTerms(items.map(\.key))
            guard byKey.count == items.count else {
                return "{" + items.map { sub($0.key) + ": " + sub($0.value) }.joined(separator: ", ") + "}"
            }
            return "{" + keys.map { k in sub(k) + ": " + sub(byKey[k.location]!.value) }.joined(separator: ", ") + "}"
        case .call(let c): return c.name + "(" + c.args.map(sub).joined(separator: ", ") + ")"
        default: return "…"
        }
    }
}
