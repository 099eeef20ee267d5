/// Compiles an ad-hoc query against a finished plan.
enum QueryCompiler {
    static func compile(_ written: Body, plan: Plan) throws(EngineErrors) -> PQuery {
        // A term expression with `with` modifiers reports its value as computed under them
        // (evaluating the term again after the body would see no `with`): it becomes
        // `__withval_i = term with ...`, and the row's expression value reads that variable.
        var body = written
        var captured: [Int: (name: String, location: SourceLocation)] = [:]
        // A query of one term expression likewise reports `false` as its value, as OPA does;
        // among several expressions, or when the term iterates (`data.s[x]`), a `false` term
        // fails the row.
        let single = body.count == 1 && !body.contains(where: {
            switch $0.kind {
            case .term(let t): return iterates(t)
            case .call(let c): return c.args.contains(where: iterates)
            default: return false
            }
        })
        let builder = PlanBuilder(existing: plan)
        let low = Lowerer(plan: builder, env: ModuleEnv(package: [], imports: [:], ruleNames: []))
        for (i, e) in body.enumerated() where !e.negated {
            let t: Term
            switch e.kind {
            case .term(let term) where !e.with.isEmpty || body.count == 1:
                t = term
            case .call(let c) where callReportsValue(c, low):
                // A call written without its output argument (`count(x)`, `a > b`) reports
                // the value it returns, `false` included, in any query (OPA captures it).
                t = Term(.call(c), location: c.location)
            default:
                continue
            }
            let name = "__withval\(i)"
            body[i].kind = .call(Call(function: .dotted(InfixOperator.unify.builtinName, t.location),
                                      args: [Term(.variable(name), location: t.location), t],
                                      infix: .unify, location: t.location))
            captured[i] = (name, t.location)
        }
        let frame = FrameAlloc()
        let scope = Scope(parent: nil, frame: frame)
        let (pbody, _) = low.lowerBody(body, scope: scope, bound: [])
        if !low.errors.isEmpty {
            // OPA's compiler stops at its first failing stage (template variables before safety).
            let staged = low.errors.map { (CheckStage.ofPlanError($0, headSafety: false), $0) }
            let first = staged.map(\.0).min()!
            throw EngineErrors(Array(namingCaptures(staged.filter { $0.0 == first }.map(\.1)).prefix(10)))
        }
        var vars: [(String, Int)] = []
        var seen = Set<String>()
        var names: [String] = []
        for e in body { collectUserVars(e, low, &names) }
        for n in names where !seen.contains(n) && !n.hasPrefix("$") && !n.hasPrefix("__") {
            seen.insert(n)
            if let s = scope.vars[n] { vars.append((n, s)) }
        }
        let terms: [PTerm?] = body.enumerated().map { i, e in
            if let c = captured[i] { return low.lowerTerm(Term(.variable(c.name), location: c.location), scope: scope) }
            if case .term(let t) = e.kind, !e.negated { return low.lowerTerm(t, scope: scope) }
            return nil
        }
        return PQuery(body: pbody, slotCount: frame.count, variables: vars, expressionTerms: terms,
                      expressionTexts: [], falseRejecting: single ? [] : Set(captured.keys))
    }

    /// OPA names a captured value's variable `_` in its errors and reports it after the
    /// written variables of the same expression.
    private static func namingCaptures(_ errors: [EngineError]) -> [EngineError] {
        func isCapture(_ e: EngineError) -> Bool { e.message.contains("__withval") }
        var out: [EngineError] = []
        var pending: [EngineError] = []
        for var e in errors {
            if let last = pending.last, last.location != e.location { out += pending; pending = [] }
            if isCapture(e) {
                e.message = e.message.split(separator: " ", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("__withval") ? "_" : String($0) }.joined(separator: " ")
                pending.append(e)
            } else {
                out.append(e)
            }
        }
        return out + pending
    }

    /// Whether a query's call expression is a value-returning call written without its output
    /// argument (not `=`, `:=` or print, not an undefined or variadic function).
    private static func callReportsValue(_ c: Call, _ low: Lowerer) -> Bool {
        switch c.function.dottedName {
        case InfixOperator.unify.builtinName, "assign", "print", "internal.print": return false
        default: break
        }
        guard let (_, arity) = low.resolveFunction(c.function, location: c.location, report: false) else { return false }
        return arity >= 0 && c.args.count == arity
    }

    /// Whether a term holds a ref with a variable key (OPA's "iteration" test for queries).
    private static func iterates(_ t: Term) -> Bool {
        switch t.value {
        // A template or comprehension is never `false` itself.
        case .scalar, .variable, .arrayComprehension, .setComprehension, .objectComprehension, .template: return false
        case .ref(let r):
            for p in r.parts {
                if case .bracket(let bt) = p {
                    if case .variable = bt.value { return true }
                    if iterates(bt) { return true }
                }
            }
            return iterates(r.head)
        case .array(let xs), .set(let xs): return xs.contains(where: iterates)
        case .object(let items): return items.contains { iterates($0.key) || iterates($0.value) }
        case .call(let c): return c.args.contains(where: iterates)
        }
    }

    private static func collectUserVars(_ e: Expr, _ low: Lowerer, _ out: inout [String]) {
        switch e.kind {
        case .term(let t): low.collectNames(t, &out)
        case .call(let c): c.args.forEach { low.collectNames($0, &out) }
        case .some(let d):
            switch d {
            case .vars(let vs): vs.forEach { low.collectNames($0, &out) }
            case .membership(let k, let v, let c):
                if let k { low.collectNames(k, &out) }
                low.collectNames(v, &out)
                low.collectNames(c, &out)
            }
        case .every, .notBody: break
        case .logical(let l):
            l.lhs.forEach { collectUserVars($0, low, &out) }
            l.rhs.forEach { collectUserVars($0, low, &out) }
        }
    }
}
