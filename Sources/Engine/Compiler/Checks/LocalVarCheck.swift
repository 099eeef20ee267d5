/// OPA's local-variable rules (its rewriting of `:=` and `some`), all rego_compile_error:
/// `x := …` may not redeclare a variable of the same body (`var x assigned above`,
/// `var x declared above`, `var x referenced above`, `arg x redeclared`), may not name
/// `input`/`data`, and needs a variable or pattern on its left (`cannot assign to ref`);
/// `some x` and `every k, v` variables must be used (`declared var x unused`). Rules may not be
/// named `input` or `data`, and two imports may not bind the same name.
/// Nested bodies (comprehensions, `every`) open a scope of their own: `:=` there may shadow.
enum LocalVarCheck {
    static func run(_ modules: [Module]) -> [EngineError] {
        var errors: [EngineError] = []
        for m in modules {
            importShadowing(m, &errors)
            for rule in m.rules {
                if let root = rule.head.ref.headVariable, root == "input" || root == "data" {
                    errors.append(EngineError(.compileError, "rules must not shadow \(root) (use a different rule name)",
                                              location: rule.location))
                }
                var args = Set<String>()
                for a in rule.head.args ?? [] { shallowVars(a, into: &args) }  // refs too: `f(x.y)`
                checkBody(rule.body, args: args, &errors)
                for e in rule.elseChain {
                    checkBody(e.body, args: args, &errors)
                    bodies(in: e.value) { checkBody($0, args: [], &errors) }
                }
                // Comprehensions in the head (`a := {k: v | …}`) are scopes too.
                for t in [rule.head.key, rule.head.value].compactMap({ $0 }) {
                    bodies(in: t) { checkBody($0, args: [], &errors) }
                }
            }
        }
        return errors
    }

    /// OPA checks this for v1 modules and v0 ones importing `rego.v1` only. Every import has a
    /// name here, its alias or last key, also `future.keywords.in` (`in`) and `rego.v1` (`v1`).
    static func importShadowing(_ m: Module, _ errors: inout [EngineError]) {
        guard m.regoVersion == .v1 || m.imports.contains(where: { $0.path.dottedName == "rego.v1" }) else { return }
        var seen: [String: Import] = [:]
        for imp in m.imports {
            guard let name = imp.alias ?? imp.path.parts.last.map({ $0.stringKey ?? "" }) ?? imp.path.headVariable else { continue }
            if let first = seen[name] {
                let text = RefText.ref(first.path) + (first.alias.map { " as \($0)" } ?? "")
                errors.append(EngineError(.compileError, "import must not shadow import \(text)", location: imp.location))
            } else {
                seen[name] = imp
            }
        }
    }

    /// One body's scope: declarations in order, then nested bodies each in a scope of their own.
    static func checkBody(_ body: Body, args: Set<String>, _ errors: inout [EngineError]) {
        var assigned = Set<String>()
        var declared = Set<String>()
        var referenced = Set<String>()
        var someDecls: [(name: String, index: Int, location: SourceLocation)] = []
        // `:=` and `some` declare a variable; one the body already declared, assigned or read
        // is an error (`x := 1; some x` → `var x assigned above`).
        func redeclared(_ n: String) -> String? {
            if n == "input" || n == "data" { return "variables must not shadow \(n) (use a different variable name)" }
            if assigned.contains(n) { return "var \(n) assigned above" }
            if declared.contains(n) { return "var \(n) declared above" }
            if args.contains(n) { return "arg \(n) redeclared" }
            if referenced.contains(n) { return "var \(n) referenced above" }
            return nil
        }
        for (i, e) in body.enumerated() {
            switch e.kind {
            case .call(let c) where c.infix == .assign && c.args.count == 2:
                // The right side is read first: `x := count([x])` is `var x referenced above`.
                shallowVars(c.args[1], into: &referenced)
                let lhs = c.args[0]
                switch lhs.value {
                case .variable, .array, .object:
                    // Element by element: variables are declared, anything else inside an array or
                    // object pattern cannot be assigned to (`[x, 1] := …`: `cannot assign to number`).
                    func declare(_ t: Term) {
                        let kind: String
                        switch t.value {
                        case .variable(let n):
                            guard n != "_" && !n.hasPrefix("$") else { return }
                            if let problem = redeclared(n) { errors.append(EngineError(.compileError, problem, location: e.location)) }
                            assigned.insert(n)
                            return
                        case .array(let xs): xs.forEach(declare); return
                        case .object(let items): items.forEach { declare($0.value) }; return
                        case .scalar(let v): kind = v.typeName
                        case .ref: kind = "ref"
                        case .call: kind = "call"
                        case .set: kind = "set"
                        case .arrayComprehension: kind = "arraycomprehension"
                        case .setComprehension: kind = "setcomprehension"
                        case .objectComprehension: kind = "objectcomprehension"
                        case .template: kind = "templatestring"
                        }
                        errors.append(EngineError(.compileError, "cannot assign to \(kind)", location: e.location))
                    }
                    declare(lhs)
                case .scalar(let v):
                    errors.append(EngineError(.compileError, "cannot assign to \(v.typeName)", location: e.location))
                case .ref(let r):
                    // `input` / `data` alone parse as refs.
                    let text = if let h = r.headVariable, r.parts.isEmpty, h == "input" || h == "data" {
                        "variables must not shadow \(h) (use a different variable name)"
                    } else {
                        "cannot assign to ref"
                    }
                    errors.append(EngineError(.compileError, text, location: e.location))
                case .call:
                    errors.append(EngineError(.compileError, "cannot assign to call", location: e.location))
                default: break
                }
            case .some(.vars(let terms)):
                for t in terms {
                    guard case .variable(let n) = t.value, n != "_" else { continue }
                    if let problem = redeclared(n) { errors.append(EngineError(.compileError, problem, location: e.location)) }
                    declared.insert(n)
                    someDecls.append((n, i, e.location))
                }
            case .every(let ev):
                for t in [ev.key, ev.value].compactMap({ $0 }) {
                    var names: [String] = []
                    patternVars(t, &names)
                    var used = Set<String>()
                    for x in ev.body { usedVars(x, into: &used) }
                    for n in names where n != "_" && !n.hasPrefix("$") && !used.contains(n) {
                        errors.append(EngineError(.compileError, "declared var \(n) unused", location: e.location))
                    }
                }
                shallowVars(ev.collection, into: &referenced)
            case .some(.membership(let k, let v, let coll)):
                shallowVars(coll, into: &referenced)
                // Checked against what came before the declaration: `some k, k in …` is accepted.
                var names: [String] = []
                for t in [k, v].compactMap({ $0 }) { patternVars(t, &names) }
                var seen = Set<String>()
                for n in names where n != "_" && !n.hasPrefix("$") && seen.insert(n).inserted {
                    if let problem = redeclared(n) { errors.append(EngineError(.compileError, problem, location: e.location)) }
                }
                declared.formUnion(seen)
            default:
                var s = Set<String>()
                shallowExprVars(e, into: &s)
                referenced.formUnion(s)
            }
            nestedBodies(e) { checkBody($0, args: [], &errors) }
        }
        for d in someDecls {
            var used = Set<String>()
            for (j, x) in body.enumerated() where j != d.index { usedVars(x, into: &used) }
            if !used.contains(d.name) {
                errors.append(EngineError(.compileError, "declared var \(d.name) unused", location: d.location))
            }
        }
    }

    // MARK: - Walks

    /// Variables bound by an assignment pattern (`x`, `[a, b]`, `{"k": v}`).
    static func patternVars(_ t: Term, _ out: inout [String]) {
        switch t.value {
        case .variable(let n): out.append(n)
        case .array(let xs): for x in xs { patternVars(x, &out) }
        case .object(let items): for i in items { patternVars(i.value, &out) }
        default: break
        }
    }

    static func collectVars(_ t: Term, into out: inout Set<String>) {
        var names: [String] = []
        patternVars(t, &names)
        out.formUnion(names)
    }

    /// Variables a term mentions at this body's level (not inside nested bodies).
    static func shallowVars(_ t: Term, into out: inout Set<String>) {
        switch t.value {
        case .variable(let n): out.insert(n)
        case .scalar, .arrayComprehension, .setComprehension, .objectComprehension: break
        case .template(let ts):
            for p in ts.parts { if case .expr(let e) = p { shallowExprVars(e, into: &out) } }
        case .ref(let r):
            shallowVars(r.head, into: &out)
            for p in r.parts { if case .bracket(let b) = p { shallowVars(b, into: &out) } }
        case .array(let xs), .set(let xs): for x in xs { shallowVars(x, into: &out) }
        case .object(let items): for i in items { shallowVars(i.key, into: &out); shallowVars(i.value, into: &out) }
        case .call(let c): for a in c.args { shallowVars(a, into: &out) }
        }
    }

    static func shallowExprVars(_ e: Expr, into out: inout Set<String>) {
        switch e.kind {
        case .term(let t): shallowVars(t, into: &out)
        case .call(let c): for a in c.args { shallowVars(a, into: &out) }
        case .some(.membership(let k, let v, let coll)):
            for t in [k, v, coll].compactMap({ $0 }) { shallowVars(t, into: &out) }
        default: break
        }
        for w in e.with { shallowVars(w.value, into: &out) }
    }

    /// Every variable an expression uses, nested bodies included, except names a nested body
    /// declares afresh with `:=` (those are other variables).
    static func usedVars(_ e: Expr, into out: inout Set<String>) {
        shallowExprVars(e, into: &out)
        if case .every(let ev) = e.kind { shallowVars(ev.collection, into: &out) }
        nestedBodies(e) { body in
            var inner = Set<String>()
            var fresh = Set<String>()
            for x in body {
                if case .call(let c) = x.kind, c.infix == .assign, c.args.count == 2 {
                    var names: [String] = []
                    patternVars(c.args[0], &names)
                    fresh.formUnion(names)
                }
                usedVars(x, into: &inner)
            }
            out.formUnion(inner.subtracting(fresh))
        }
    }

    /// The bodies nested in an expression: comprehensions, `every`, `not { }`, `and`/`or`.
    static func nestedBodies(_ e: Expr, _ visit: (Body) -> Void) {
        func inTerm(_ t: Term) { bodies(in: t, visit) }
        switch e.kind {
        case .term(let t): inTerm(t)
        case .call(let c): c.args.forEach(inTerm)
        case .some(.membership(let k, let v, let coll)): [k, v, coll].compactMap { $0 }.forEach(inTerm)
        case .some(.vars): break
        case .every(let ev):
            inTerm(ev.collection)
            visit(ev.body)
        case .logical(let l):
            visit(l.lhs)
            visit(l.rhs)
        case .notBody(let b): visit(b)
        }
        for w in e.with { inTerm(w.value) }
    }

    /// The comprehension bodies inside a term.
    static func bodies(in t: Term, _ visit: (Body) -> Void) {
        func inTerm(_ t: Term) {
            switch t.value {
            case .arrayComprehension(let h, let b), .setComprehension(let h, let b):
                inTerm(h)
                visit(b)
            case .objectComprehension(let k, let v, let b):
                inTerm(k)
                inTerm(v)
                visit(b)
            case .ref(let r):
                inTerm(r.head)
                for p in r.parts { if case .bracket(let b) = p { inTerm(b) } }
            case .array(let xs), .set(let xs): xs.forEach(inTerm)
            case .object(let items): for i in items { inTerm(i.key); inTerm(i.value) }
            case .call(let c): c.args.forEach(inTerm)
            default: break
            }
        }
        inTerm(t)
    }
}
