/// The type environment a compiled policy keeps for its ad-hoc queries (`policyd eval`, the
/// daemon's compiled queries): the inferred document type of each value rule and the inferred
/// signature of each function, by path below `data`. OPA type-checks a query against the
/// compiled rules (`data.fz.r1[y]` on a string rule, `data.fz.f("a")` on a function of
/// numbers); keeping these types, not the parsed modules, lets the query reuse the checks of
/// RefTypeCheck and FunctionTypeCheck at the cost of a few small dictionaries.
struct QueryTypes: Sendable {
    /// Rule path (`RuleIndex.key`) → document type, for rules with one.
    let rules: [String: TypeDecl]
    /// Function path (`RuleIndex.key`) → signature, for typed functions.
    let functions: [String: FunctionTypeCheck.Signature]

    static let empty = QueryTypes(rules: [:], functions: [:])

    init(rules: [String: TypeDecl], functions: [String: FunctionTypeCheck.Signature]) {
        self.rules = rules
        self.functions = functions
    }

    /// Infers the types of modules that passed the static checks.
    init(_ modules: [Module]) {
        let index = RuleIndex(modules)
        let resolvers = modules.map { NameResolver(module: $0, index: index) }
        var checker = FunctionTypeCheck.Checker(modules: modules, index: index, resolvers: resolvers)
        var rules: [String: TypeDecl] = [:], functions: [String: FunctionTypeCheck.Signature] = [:]
        for e in index.entries {
            let key = RuleIndex.key(e.path)
            if e.rule.kind == .function {
                if functions[key] == nil, let s = checker.signature(e.path) { functions[key] = s }
            } else if rules[key] == nil, let t = checker.ruleValueType(e.path) {
                rules[key] = t
            }
        }
        self.init(rules: rules, functions: functions)
    }

    /// The type errors of a query body: refs selecting what a rule's type cannot have, and
    /// calls of typed functions with ill-typed arguments.
    func check(_ body: Body) -> [EngineError] {
        guard !rules.isEmpty || !functions.isEmpty else { return [] }
        var errors = RefTypeCheck.checkQuery(body, rules: rules)
        var checker = FunctionTypeCheck.Checker(modules: [], index: RuleIndex([]), resolvers: [])
        checker.signatures = functions.mapValues { .some($0) }
        checker.ruleTypes = rules.mapValues { .some($0) }
        checker.capturedCalls = Set(body.compactMap { e -> SourceLocation? in
            guard !e.negated, case .call(let c) = e.kind, c.infix == nil else { return nil }
            return c.location
        })
        var env: [String: TypeDecl] = [:]
        // Module index 0 with no resolvers: the checker's query mode (`isQuery`).
        checker.body(body, 0, &env, &errors)
        return errors
    }
}
