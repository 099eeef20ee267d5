/// Compiles an ad-hoc query against a finished plan.
enum QueryCompiler {
    static func compile(_ written: Body, plan: Plan) throws(EngineErrors) -> PQuery {
        // A term expression with `with` modifiers reports its value as computed under them
        // (evaluating the term again after the body would see no `with`): it becomes
        // `__withval_i = term with ...`, and the row's expression value reads that variable.
        var body = written
        var captured: [Int: (name: String, location: SourceLocation)] = [:]
        // A query of one term expression likewise reports `false` as its value, as OPA does;
        // among several expressions a `false` term fails the row.
        for (i, e) in body.enumerated() where (!e.with.isEmpty || body.count == 1) && !e.negated {
            guard case .term(let t) = e.kind else { continue }
            let name = "__withval\(i)"
            body[i].kind = .call(Call(function: .dotted(InfixOperator.unify.builtinName, t.location),
                                      args: [Term(.variable(name), location: t.location), t],
                                      infix: .unify, location: t.location))
            captured[i] = (name, t.location)
        }
        let builder = PlanBuilder(existing: plan)
        let low = Lowerer(plan: builder, env: ModuleEnv(package: [], imports: [:], ruleNames: []))
        let frame = FrameAlloc()
        let scope = Scope(parent: nil, frame: frame)
        let (pbody, _) = low.lowerBody(body, scope: scope, bound: [])
        if !low.errors.isEmpty { throw EngineErrors(Array(low.errors.prefix(10))) }
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
                      expressionTexts: [], falseRejecting: body.count > 1 ? Set(captured.keys) : [])
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
