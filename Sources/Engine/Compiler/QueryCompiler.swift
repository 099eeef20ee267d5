/// Compiles an ad-hoc query against a finished plan.
enum QueryCompiler {
    static func compile(_ body: Body, plan: Plan) throws(EngineErrors) -> PQuery {
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
        let terms: [PTerm?] = body.map { e in
            if case .term(let t) = e.kind, !e.negated { return low.lowerTerm(t, scope: scope) }
            return nil
        }
        return PQuery(body: pbody, slotCount: frame.count, variables: vars, expressionTerms: terms,
                      expressionTexts: [])
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
