// Lowers the AST of one module (or a query) into the evaluation form: names resolved to
// slots, rule nodes or builtins; constants folded; bodies ordered for safety.

/// Per-module name resolution context.
struct ModuleEnv {
    var package: [String]
    /// Import name → the imported ref (`data.x.y` / `input.z`).
    var imports: [String: Ref]
    /// Names of rules defined in this package (by any module).
    var ruleNames: Set<String>
}

final class Lowerer {
    let plan: PlanBuilder
    let env: ModuleEnv
    var errors: [EngineError] = []
    /// Indices into `errors` of unsafe rule-head variables.
    var headSafetyErrors = Set<Int>()
    /// The rule whose bodies are being lowered (nil for queries); see Lowering+Metadata.swift.
    var currentRule: Rule?
    /// First slot of the outermost comprehension or `every` being lowered (TemplateVarCheck).
    var nestedSince: Int?

    init(plan: PlanBuilder, env: ModuleEnv) {
        self.plan = plan
        self.env = env
    }

    func error(_ code: EngineError.Code, _ msg: String, _ loc: SourceLocation) {
        errors.append(EngineError(code, msg, location: loc))
    }

    // MARK: bodies

    /// Lowers and safety-orders a body in `scope`. `bound`: slots bound on entry.
    func lowerBody(_ body: Body, scope: Scope, bound: Set<Int>) -> (PBody, Set<Int>) {
        predeclare(body, scope: scope)
        var out: PBody = []
        for e in body {
            if let pe = lowerExpr(e, scope: scope) { out.append(pe) }
        }
        let (ordered, endBound, unsafe, rest) = SafetyOrder.order(out, bound: bound, wildcards: scope.frame.wildcards)
        for (slot, loc) in unsafe {
            let name = scope.frame.names[slot]
            error(.unsafeVarError, "var \(name.hasPrefix("$") ? "_" : name) is unsafe", loc)
        }
        checkTemplateVars(ordered + rest, bound: bound, frame: scope.frame)
        return (ordered, endBound)
    }

    /// Declares, in `scope`, the variables that appear at the top level of `body` and are not
    /// visible already, so a variable used in a nested comprehension and later in the body is
    /// one variable.
    func predeclare(_ body: Body, scope: Scope) {
        var names: [String] = []
        for e in body { collectNames(e, &names) }
        for n in names where resolveGlobal(n) == nil && scope.lookup(n) == nil {
            scope.declare(n)
        }
    }

    func collectNames(_ e: Expr, _ out: inout [String]) {
        switch e.kind {
        case .term(let t): collectNames(t, &out)
        case .call(let c) where c.name == "assign" && c.args.count == 2:
            // `x := …` declares x at that point, not before.
            collectNames(c.args[1], &out)
        case .call(let c): c.args.forEach { collectNames($0, &out) }
        case .some(let d):
            switch d {
            case .vars: break
            case .membership(_, _, let coll): collectNames(coll, &out)
            }
        case .every(let ev): collectNames(ev.collection, &out)
        case .logical(let l):
            l.lhs.forEach { collectNames($0, &out) }
            l.rhs.forEach { collectNames($0, &out) }
        case .notBody: break
        }
        for w in e.with {
            // `with f as count`: a function name is not a variable.
            if case .variable(let v) = w.value.value, BuiltinRegistry.resolve(v) != nil || env.ruleNames.contains(v) { continue }
            if case .ref(let r) = w.value.value, resolveFunction(r, location: w.location, report: false) != nil { continue }
            collectNames(w.value, &out)
        }
    }

    func collectNames(_ t: Term, _ out: inout [String]) {
        switch t.value {
        case .scalar: break
        case .variable(let v): if !t.isWildcard { out.append(v) }
        case .ref(let r):
            collectNames(r.head, &out)
            for p in r.parts { if case .bracket(let bt) = p { collectNames(bt, &out) } }
        case .array(let xs), .set(let xs): xs.forEach { collectNames($0, &out) }
        case .object(let items):
            for it in items {
                collectNames(it.key, &out)
                collectNames(it.value, &out)
            }
        case .call(let c): c.args.forEach { collectNames($0, &out) }
        case .template(let ts):
            for p in ts.parts { if case .expr(let e) = p { collectNames(e, &out) } }
        case .arrayComprehension, .setComprehension, .objectComprehension: break
        }
    }

    // MARK: expressions

    func lowerExpr(_ e: Expr, scope: Scope) -> PExpr? {
        var assigned: String??
        if case .call(let c) = e.kind, c.name == "assign" { assigned = .some(c.args.first?.variableName) }
        let withs = e.with.compactMap { lowerWith($0, scope: scope, assigned: assigned) }
        var kind: PExpr.Kind
        switch e.kind {
        case .term(let t):
            kind = .term(lowerTerm(t, scope: scope))
        case .call(let c):
            kind = lowerCallExpr(c, scope: scope)
        case .some(let d):
            switch d {
            case .vars(let vs):
                for v in vs { if let n = v.variableName { scope.frame.noteDeclared(scope.declare(n)) } }
                kind = .noop
            case .membership(let key, let value, let coll):
                let pc = lowerTerm(coll, scope: scope)
                if let key { declarePattern(key, scope: scope) }
                declarePattern(value, scope: scope)
                kind = .someIn(key: key.map { lowerTerm($0, scope: scope) }, value: lowerTerm(value, scope: scope), collection: pc)
            }
        case .every(let ev):
            let pc = lowerTerm(ev.collection, scope: scope)
            let inner = Scope(parent: scope, frame: scope.frame)
            let start = scope.frame.count
            let outermost = nestedSince == nil
            if outermost { nestedSince = start }
            defer { if outermost { nestedSince = nil } }
            if let key = ev.key { declarePattern(key, scope: inner, fresh: true) }
            declarePattern(ev.value, scope: inner, fresh: true)
            let pk = ev.key.map { lowerTerm($0, scope: inner) }
            let pv = lowerTerm(ev.value, scope: inner)
            var innerBound = Set<Int>()
            var u = VarUse()
            if let pk { u.pattern(pk) }
            u.pattern(pv)
            innerBound = u.provides
            let (body, _) = lowerBody(ev.body, scope: inner, bound: allSlots(scope).union(innerBound))
            let end = scope.frame.count
            let captured = capturedSlots(body: body, extra: [], start: start, end: end)
            kind = .every(key: pk, value: pv, collection: pc, body: body, captured: captured)
        case .logical(let l):
            // Each side is its own scope: `a := 1` on both sides are different variables.
            let ls = Scope(parent: scope, frame: scope.frame)
            let rs = Scope(parent: scope, frame: scope.frame)
            let lhs = l.lhs.compactMap { lowerExpr($0, scope: ls) }
            let rhs = l.rhs.compactMap { lowerExpr($0, scope: rs) }
            kind = .logical(isAnd: l.op == .and, lhs, rhs)
        case .notBody(let b):
            let inner = Scope(parent: scope, frame: scope.frame)
            let start = scope.frame.count
            var names: [String] = []
            for x in b { collectNames(x, &names) }
            for n in names where resolveGlobal(n) == nil && scope.lookup(n) == nil { inner.declare(n) }
            let (body, _) = lowerBody(b, scope: inner, bound: allSlots(scope))
            let captured = capturedSlots(body: body, extra: [], start: start, end: scope.frame.count)
            kind = .notBody(body, captured: captured)
        }
        return PExpr(kind: kind, negated: e.negated, withs: withs, location: e.location)
    }

    /// Every slot visible from `scope` (treated as bound inside nested bodies; the outer order
    /// guarantees it through `captured`).
    func allSlots(_ scope: Scope) -> Set<Int> {
        var s = Set<Int>()
        var cur: Scope? = scope
        while let c = cur {
            s.formUnion(c.vars.values)
            cur = c.parent
        }
        return s
    }

    func capturedSlots(body: PBody, extra: [PTerm], start: Int, end: Int) -> [Int] {
        var u = VarUse()
        for e in body {
            let x = VarUse.of(e, wildcards: [])
            u.needs.formUnion(x.needs)
            u.needs.formUnion(x.provides)
        }
        for t in extra { u.value(t) }
        return u.needs.filter { $0 < start || $0 >= end }.sorted()
    }

    /// Declares the variables of a pattern (`x`, `[a, b]`, `{"k": v}`).
    func declarePattern(_ t: Term, scope: Scope, fresh: Bool = false) {
        switch t.value {
        case .variable(let v):
            if t.isWildcard { return }
            if fresh || scope.vars[v] == nil { scope.declareFresh(v) }
            if let slot = scope.vars[v] { scope.frame.noteDeclared(slot) }
        case .array(let xs): xs.forEach { declarePattern($0, scope: scope, fresh: fresh) }
        case .object(let items): items.forEach { declarePattern($0.value, scope: scope, fresh: fresh) }
        default: break
        }
    }

    private func lowerCallExpr(_ c: Call, scope: Scope) -> PExpr.Kind {
        let name = c.name
        switch name {
        case "eq":
            return .unify(lowerTerm(c.args[0], scope: scope), lowerTerm(c.args[1], scope: scope))
        case "assign":
            let rhs = lowerTerm(c.args[1], scope: scope)
            declarePattern(c.args[0], scope: scope)
            return .unify(lowerTerm(c.args[0], scope: scope), rhs)
        case "print":
            return .print(c.args.map { lowerTerm($0, scope: scope) })
        default:
            if c.args.count <= 1, let v = metadataConstant(name, argCount: 0) {
                return c.args.isEmpty ? .term(.const(v)) : .unify(lowerTerm(c.args[0], scope: scope), .const(v))
            }
            guard let (target, arity) = resolveFunction(c.function, location: c.location) else {
                return .term(.const(.false))
            }
            var args = c.args.map { lowerTerm($0, scope: scope) }
            var output: PTerm?
            if arity >= 0 && args.count == arity + 1 {
                output = args.removeLast()
            }
            return .call(PCall(target: target, name: name, args: args, location: c.location), output: output)
        }
    }

    // MARK: with

    /// `assigned`: set when the expression is `x := …` (to the name of x, if a variable).
    func lowerWith(_ w: WithModifier, scope: Scope, assigned: String?? = nil) -> PWith? {
        guard case .ref(let r) = refOf(w.target), let head = r.headVariable else {
            error(.typeError, "with keyword target must reference existing input, data, or a function", w.location)
            return nil
        }
        let keys = r.parts.map { $0.stringKey.map { Value.string($0) } }
        // Other keys stay in the path (applying it fails: `bad document path`), variables too:
        // OPA does not bind a target's variables. In `x := … with input[y] as …` they are
        // unsafe (as is x).
        var constKeys: [Value] = []
        for part in r.parts {
            if let k = part.stringKey { constKeys.append(.string(k)); continue }
            guard case .bracket(let t) = part else { continue }
            switch t.value {
            case .scalar(let v): constKeys.append(v)
            case .variable(let n):
                if let assigned {
                    error(.unsafeVarError, "var \(n) is unsafe", w.location)
                    if let a = assigned { error(.unsafeVarError, "var \(a) is unsafe", w.location) }
                    return nil
                }
                constKeys.append(.null)
            default:
                error(.typeError, "with keyword target must reference existing input, data, or a function", w.location)
                return nil
            }
        }
        let target: PWith.Target
        if (head == "input" && scope.lookup("input") == nil || head == "data") && constKeys.count != keys.compactMap({ $0 }).count {
            target = head == "data" ? .data(constKeys) : .input(constKeys)
        } else if head == "input" && scope.lookup("input") == nil {
            target = .input(keys.compactMap { $0 })
        } else if head == "data" {
            let path = keys.compactMap { $0 }.compactMap(\.stringValue)
            if let n = plan.existingNode(path), n.kind == .function {
                target = .function(n.dottedPath)
            } else {
                target = .data(keys.compactMap { $0 })
            }
        } else if let (t, _) = resolveFunction(r, location: w.location, report: false) {
            switch t {
            case .builtin(let b): target = .function(b.name)
            case .function(let n): target = .function(n.dottedPath)
            }
        } else if let rt = resolveGlobal(head), case .data(let node, let rest) = rt {
            let path = node.path + rest.compactMap { if case .const(.string(let s)) = $0 { return s } else { return nil } }
                + r.parts.compactMap(\.stringKey)
            target = .data(path.map { .string($0) })
        } else {
            error(.typeError, "with keyword target must reference existing input, data, or a function", w.location)
            return nil
        }
        if case .data(let keys) = target, replacesPartOfRule(keys) {
            error(.compileError, "with keyword cannot partially replace virtual document(s)", w.location)
            return nil
        }
        // The replacement: a function reference, or a value.
        if case .function = target, case .ref(let vr) = refOf(w.value),
           let (t, _) = resolveFunction(vr, location: w.location, report: false) {
            if case .variable(let v) = w.value.value, scope.lookup(v) != nil {
                return PWith(target: target, value: .value(lowerTerm(w.value, scope: scope)))
            }
            return PWith(target: target, value: .target(t))
        }
        return PWith(target: target, value: .value(lowerTerm(w.value, scope: scope)))
    }

    /// A `with data…` target below a rule's path (`with data.p.a as …` where p is a rule, a
    /// function or a partial object `p[x]`): OPA replaces whole virtual documents only. The
    /// prefixes strictly above the target are looked up along its leading string keys.
    private func replacesPartOfRule(_ keys: [Value]) -> Bool {
        var path: [String] = []
        for k in keys.dropLast() {
            guard case .string(let s) = k else { break }
            path.append(s)
            guard let n = plan.existingNode(path) else { break }
            if n.hasRules { return true }
        }
        return false
    }

    private func refOf(_ t: Term) -> TermValue {
        if case .variable(let v) = t.value { return .ref(Ref.variable(v, t.location)) }
        return t.value
    }

    // MARK: functions

    /// Resolves a called name to a builtin or user function, with its arity (-1: variadic).
    func resolveFunction(_ ref: Ref, location: SourceLocation, report: Bool = true) -> (CallTarget, Int)? {
        if let head = ref.headVariable, ref.isGroundPath {
            let parts = ref.parts.compactMap(\.stringKey)
            var path: [String]?
            if head == "data" {
                path = parts
            } else if env.ruleNames.contains(head) {
                path = env.package + [head] + parts
            } else if let imp = env.imports[head], imp.headVariable == "data" {
                path = imp.parts.compactMap(\.stringKey) + parts
            }
            if let path, let node = plan.existingNode(path), node.kind == .function {
                return (.function(node), (node.rules.first ?? node.defaultRule)?.arity ?? 0)
            }
            if let b = BuiltinRegistry.resolve(ref.dottedName) {
                return (.builtin(b), b.arity)
            }
        }
        if report {
            error(.typeError, "undefined function \(ref.dottedName)", location)
        }
        return nil
    }

    // MARK: terms

    /// Resolves a name that is not a local variable: input, data, imports, package rules.
    func resolveGlobal(_ name: String) -> PTerm? {
        if name == "input" { return .input }
        if name == "data" { return plan.dataRef([], []) }
        if let imp = env.imports[name] {
            let keys = imp.parts.compactMap(\.stringKey)
            if imp.headVariable == "input" { return keys.isEmpty ? .input : .ref(.input, keys.map { .const(.string($0)) }) }
            return plan.dataRef(keys, [])
        }
        if env.ruleNames.contains(name) { return plan.dataRef(env.package + [name], []) }
        return nil
    }

    func lowerTerm(_ t: Term, scope: Scope) -> PTerm {
        switch t.value {
        case .scalar(let v): return .const(v)
        case .variable(let v):
            if t.isWildcard { return .local(scope.declareFresh(v)) }
            if let s = scope.lookup(v) { return .local(s) }
            if let g = resolveGlobal(v) { return g }
            return .local(scope.declare(v))
        case .ref(let r):
            return lowerRef(r, scope: scope)
        case .array(let xs):
            let items = xs.map { lowerTerm($0, scope: scope) }
            if items.allSatisfy(\.isConst) { return .const(.array(items.map(\.constValue!))) }
            return .array(items)
        case .set(let xs):
            let items = xs.map { lowerTerm($0, scope: scope) }
            if items.allSatisfy(\.isConst) { return .const(.set(SetValue(items.map(\.constValue!)))) }
            // OPA's term order, which decides the order the set iterates in.
            return .set(LiteralTermOrder(scope.frame).setTerms(items))
        case .object(let its):
            let ks = its.map { lowerTerm($0.key, scope: scope) }
            let vs = its.map { lowerTerm($0.value, scope: scope) }
            if ks.allSatisfy(\.isConst) && vs.allSatisfy(\.isConst) {
                return .const(.object(ObjectValue(pairs: zip(ks.map(\.constValue!), vs.map(\.constValue!)))))
            }
            // Pairs in OPA's term order of the keys: the order the object iterates in.
            let order = LiteralTermOrder(scope.frame).sortedIndices(ks)
            return .object(order.map { ks[$0] }, order.map { vs[$0] })
        case .arrayComprehension(let head, let body):
            return lowerCompr(.array, head, nil, body, scope: scope, location: t.location)
        case .setComprehension(let head, let body):
            return lowerCompr(.set, head, nil, body, scope: scope, location: t.location)
        case .objectComprehension(let key, let value, let body):
            return lowerCompr(.object, key, value, body, scope: scope, location: t.location)
        case .call(let c):
            if let v = metadataConstant(c.name, argCount: c.args.count) { return .const(v) }
            guard let (target, _) = resolveFunction(c.function, location: c.location) else { return .const(.null) }
            return .call(PCall(target: target, name: c.name, args: c.args.map { lowerTerm($0, scope: scope) }, location: c.location))
        case .template(let ts):
            return .template(ts.parts.map { p in
                switch p {
                case .text(let s): return .const(.string(s))
                case .expr(let e):
                    if !e.with.isEmpty || e.negated, case .term(let pt) = e.kind {
                        // `{a with input as …}`: evaluate the expression with its modifiers.
                        let tmp = scope.frame.allocate("$tpl")
                        let withs = e.with.compactMap { lowerWith($0, scope: scope) }
                        let pe = PExpr(kind: .unify(.local(tmp), lowerTerm(pt, scope: scope)), negated: false, withs: withs, location: e.location)
                        let start = tmp
                        let captured = capturedSlots(body: [pe], extra: [], start: start, end: scope.frame.count)
                        return .compr(PCompr(kind: .single, head: .local(tmp), value: nil, body: [pe], captured: captured))
                    }
                    switch e.kind {
                    case .term(let pt): return lowerTerm(pt, scope: scope)
                    case .call(let c) where c.name != "eq" && c.name != "assign":
                        return lowerTerm(Term(.call(c), location: e.location), scope: scope)
                    default:
                        if let pe = lowerExpr(e, scope: scope) {
                            return .compr(PCompr(kind: .set, head: .const(.true), value: nil, body: [pe], captured: []))
                        }
                        return .const(.string("<undefined>"))
                    }
                }
            })
        }
    }

    private func lowerCompr(_ kind: PCompr.Kind, _ head: Term, _ value: Term?, _ body: Body, scope: Scope,
                            location: SourceLocation) -> PTerm {
        let inner = Scope(parent: scope, frame: scope.frame)
        let start = scope.frame.count
        let outermost = nestedSince == nil
        if outermost { nestedSince = start }
        defer { if outermost { nestedSince = nil } }
        var names: [String] = []
        collectNames(head, &names)
        if let value { collectNames(value, &names) }
        for e in body { collectNames(e, &names) }
        for n in names where resolveGlobal(n) == nil && scope.lookup(n) == nil { inner.declare(n) }
        let mark = errors.count
        let (pbody, bodyBound) = lowerBody(body, scope: inner, bound: allSlots(scope))
        let ph = lowerTerm(head, scope: inner)
        let pv = value.map { lowerTerm($0, scope: inner) }
        checkTemplateVars(head: [ph] + (pv.map { [$0] } ?? []), bound: bodyBound, frame: scope.frame, location: location)
        let end = scope.frame.count
        // OPA reports the head's unsafe variables before the body's.
        errors.insert(contentsOf: comprehensionHeadErrors([head] + (value.map { [$0] } ?? []), body: body, scope: inner,
                                                          bound: bodyBound, start: start, end: end), at: mark)
        let captured = capturedSlots(body: pbody, extra: [ph] + (pv.map { [$0] } ?? []), start: start, end: end)
        return .compr(PCompr(kind: kind, head: ph, value: pv, body: pbody, captured: captured, location: location))
    }

    func lowerRef(_ r: Ref, scope: Scope) -> PTerm {
        let path = r.parts.map { p -> PTerm in
            switch p {
            case .field(let f, _): return .const(.string(f))
            case .bracket(let t): return lowerTerm(t, scope: scope)
            }
        }
        let head = lowerTerm(r.head, scope: scope)
        switch head {
        case .data(let node, let rest):
            return plan.dataRef(node.path, rest + path)
        case .ref(let h, let rest):
            return .ref(h, rest + path)
        default:
            if path.isEmpty { return head }
            if case .const(let v) = head, path.allSatisfy(\.isConst) {
                var cur: Value? = v
                for p in path { cur = cur?[p.constValue!] }
                if let cur { return .const(cur) }
            }
            return .ref(head, path)
        }
    }
}

extension PTerm {
    var constValue: Value? { if case .const(let v) = self { return v } else { return nil } }
}
