/// Small AST traversal helpers shared by the static checks.
enum ASTWalk {
    /// Calls `visit(call, exprLevel)` for every call in `body` (expression-level calls may take
    /// one extra output argument; call terms may not).
    static func calls(in body: Body, _ visit: (Call, Bool) -> Void) {
        for e in body { calls(in: e, visit) }
    }

    static func calls(in e: Expr, _ visit: (Call, Bool) -> Void) {
        switch e.kind {
        case .term(let t): calls(in: t, visit)
        case .call(let c):
            visit(c, true)
            for a in c.args { calls(in: a, visit) }
        case .some(.vars): break
        case .some(.membership(let k, let v, let coll)):
            for t in [k, v, coll].compactMap({ $0 }) { calls(in: t, visit) }
        case .every(let ev):
            calls(in: ev.collection, visit)
            calls(in: ev.body, visit)
        case .logical(let l):
            calls(in: l.lhs, visit)
            calls(in: l.rhs, visit)
        case .notBody(let b): calls(in: b, visit)
        }
        for w in e.with { calls(in: w.value, visit) }
    }

    static func calls(in t: Term, _ visit: (Call, Bool) -> Void) {
        switch t.value {
        case .scalar, .variable: break
        case .ref(let r):
            calls(in: r.head, visit)
            for p in r.parts { if case .bracket(let b) = p { calls(in: b, visit) } }
        case .array(let xs), .set(let xs): for x in xs { calls(in: x, visit) }
        case .object(let items): for i in items { calls(in: i.key, visit); calls(in: i.value, visit) }
        case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
            calls(in: h, visit)
            calls(in: b, visit)
        case .objectComprehension(let k, let v, let b):
            calls(in: k, visit)
            calls(in: v, visit)
            calls(in: b, visit)
        case .call(let c):
            visit(c, false)
            for a in c.args { calls(in: a, visit) }
        case .template(let ts):
            for p in ts.parts { if case .expr(let e) = p { calls(in: e, visit) } }
        }
    }

    /// Every term (depth first) in a rule: head, bodies, else branches.
    static func terms(in rule: Rule, _ visit: (Term) -> Void) {
        // The head ref names the rule itself; only its bracket parts hold terms.
        var roots: [Term] = rule.head.ref.parts.compactMap { if case .bracket(let b) = $0 { return b } else { return nil } }
        roots += rule.head.args ?? []
        if let k = rule.head.key { roots.append(k) }
        if let v = rule.head.value { roots.append(v) }
        for t in roots { terms(in: t, visit) }
        terms(in: rule.body, visit)
        for b in rule.elseChain {
            terms(in: b.value, visit)
            terms(in: b.body, visit)
        }
    }

    static func terms(in body: Body, _ visit: (Term) -> Void) {
        for e in body { terms(in: e, visit) }
    }

    static func terms(in e: Expr, _ visit: (Term) -> Void) {
        switch e.kind {
        case .term(let t): terms(in: t, visit)
        case .call(let c):
            visit(Term(.call(c), location: c.location))
            for a in c.args { terms(in: a, visit) }
        case .some(.vars(let vs)): for v in vs { visit(v) }
        case .some(.membership(let k, let v, let coll)):
            for t in [k, v, coll].compactMap({ $0 }) { terms(in: t, visit) }
        case .every(let ev):
            for t in [ev.key, ev.value, ev.collection].compactMap({ $0 }) { terms(in: t, visit) }
            terms(in: ev.body, visit)
        case .logical(let l):
            terms(in: l.lhs, visit)
            terms(in: l.rhs, visit)
        case .notBody(let b): terms(in: b, visit)
        }
        for w in e.with {
            terms(in: w.target, visit)
            terms(in: w.value, visit)
        }
    }

    static func terms(in t: Term, _ visit: (Term) -> Void) {
        visit(t)
        switch t.value {
        case .scalar, .variable: break
        case .ref(let r):
            // A variable head is part of the ref itself (visited as the ref).
            if r.headVariable == nil { terms(in: r.head, visit) }
            for p in r.parts { if case .bracket(let b) = p { terms(in: b, visit) } }
        case .array(let xs), .set(let xs): for x in xs { terms(in: x, visit) }
        case .object(let items): for i in items { terms(in: i.key, visit); terms(in: i.value, visit) }
        case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
            terms(in: h, visit)
            terms(in: b, visit)
        case .objectComprehension(let k, let v, let b):
            terms(in: k, visit)
            terms(in: v, visit)
            terms(in: b, visit)
        case .call(let c):
            for a in c.args { terms(in: a, visit) }
        case .template(let ts):
            for p in ts.parts { if case .expr(let e) = p { terms(in: e, visit) } }
        }
    }

    /// The ref of every `with` target in a rule (including nested bodies).
    static func withTargets(in rule: Rule, _ visit: (Ref) -> Void) {
        func scan(_ body: Body) {
            for e in body {
                for w in e.with { if case .ref(let r) = w.target.value { visit(r) } }
                switch e.kind {
                case .every(let ev): scan(ev.body)
                case .logical(let l): scan(l.lhs); scan(l.rhs)
                case .notBody(let b): scan(b)
                default: break
                }
            }
        }
        scan(rule.body)
        for b in rule.elseChain { scan(b.body) }
        terms(in: rule) { t in
            switch t.value {
            case .arrayComprehension(_, let b), .setComprehension(_, let b), .objectComprehension(_, _, let b): scan(b)
            default: break
            }
        }
    }

    /// All calls in a rule (bodies, head terms, else branches).
    static func calls(in rule: Rule, _ visit: (Call, Bool) -> Void) {
        for t in (rule.head.args ?? []) + [rule.head.key, rule.head.value].compactMap({ $0 }) { calls(in: t, visit) }
        calls(in: rule.body, visit)
        for b in rule.elseChain {
            calls(in: b.value, visit)
            calls(in: b.body, visit)
        }
    }

    /// Names a rule declares locally: function parameters, `some`, `:=` targets, `every` and
    /// `some … in` variables, partial-object key variables.
    static func localNames(in rule: Rule) -> Set<String> {
        var out = Set<String>()
        func patternVars(_ t: Term) {
            terms(in: t) { if case .variable(let v) = $0.value { out.insert(v) } }
        }
        for a in rule.head.args ?? [] { patternVars(a) }
        for p in rule.head.ref.parts { if case .bracket(let b) = p { patternVars(b) } }
        if rule.kind == .partialSet, let k = rule.head.key { patternVars(k) }
        func scan(_ body: Body) {
            for e in body {
                switch e.kind {
                case .some(.vars(let vs)): vs.forEach(patternVars)
                case .some(.membership(let k, let v, _)):
                    if let k { patternVars(k) }
                    patternVars(v)
                case .every(let ev):
                    if let k = ev.key { patternVars(k) }
                    patternVars(ev.value)
                    scan(ev.body)
                case .call(let c) where c.name == "assign" && c.args.count == 2:
                    patternVars(c.args[0])
                case .logical(let l):
                    scan(l.lhs)
                    scan(l.rhs)
                case .notBody(let b): scan(b)
                default: break
                }
            }
        }
        scan(rule.body)
        for b in rule.elseChain { scan(b.body) }
        // Comprehension bodies declare too.
        terms(in: rule) { t in
            switch t.value {
            case .arrayComprehension(_, let b), .setComprehension(_, let b), .objectComprehension(_, _, let b): scan(b)
            default: break
            }
        }
        return out
    }
}

/// Resolves names in one module the way the compiler does: package rules, `data` refs,
/// imports, builtins. A class: the AST walks capture it in closures for every term, and copying
/// a struct holding the rule index cost a dozen retains per copy (half of compile time for a
/// 1,000-module bundle).
final class NameResolver {
    let module: Module
    let index: RuleIndex
    let packageRules: Set<String>
    /// Import-bound name → path below `data` (only `data` imports; `input` imports bind input).
    var dataImports: [String: [String]] = [:]
    var inputImports: Set<String> = []

    init(module: Module, index: RuleIndex) {
        self.module = module
        self.index = index
        self.packageRules = index.namesInPackage[RuleIndex.key(module.package.segments)] ?? []
        for imp in module.imports {
            guard let name = imp.boundName else { continue }
            let keys = imp.path.parts.compactMap(\.stringKey)
            if imp.path.headVariable == "data" { dataImports[name] = keys } else { inputImports.insert(name) }
        }
    }

    /// The path below `data` a ref names, if it names one: `data.a.b`, a package rule `p.q`,
    /// or an import `lib.f`. Stops at the first non-constant part.
    func dataPath(_ r: Ref, locals: Set<String> = []) -> [String]? {
        guard let h = r.headVariable, !locals.contains(h) else { return nil }
        var rest: [String] = []
        for p in r.parts {
            guard let k = p.stringKey else { break }
            rest.append(k)
        }
        if h == "data" { return rest }
        if packageRules.contains(h) { return module.package.segments + [h] + rest }
        if let base = dataImports[h] { return base + rest }
        return nil
    }

    enum Callee {
        case builtin(String, FunctionDecl?)
        case user([String], arity: Int)
        /// With the `data` path the name resolved to, when it names one (OPA reports that).
        case undefined([String]?)
    }

    func callee(_ c: Call) -> Callee {
        let name = c.name
        if let path = dataPath(c.function), c.function.isGroundPath {
            let rules = index.rules(at: path)
            if let f = rules.first(where: { $0.rule.kind == .function }) {
                return .user(path, arity: f.rule.head.args?.count ?? 0)
            }
            if !rules.isEmpty || c.function.headVariable == "data" || dataImports[c.function.headVariable ?? ""] != nil {
                if BuiltinDeclarations.lookup(name) == nil && BuiltinRegistry.lookup(name) == nil { return .undefined(path) }
            }
        }
        if let d = BuiltinDeclarations.lookup(name) { return .builtin(name, d) }
        if BuiltinRegistry.lookup(name) != nil || BuiltinRegistry.refusedByDesign[name] != nil { return .builtin(name, nil) }
        return .undefined(nil)
    }
}
