/// Every call must name a builtin or a user function, with the right number of arguments
/// (an expression-level call may add one output argument). OPA's messages:
/// `undefined function foo`, `function data.x.f has arity 1, got 2 arguments`,
/// `count: arity mismatch\n\thave: (…)\n\twant: (…)` — all rego_type_error.
enum FunctionCallCheck {
    static func run(_ calls: CallSites, resolvers: [NameResolver]) -> [EngineError] {
        var errors: [EngineError] = []
        for site in calls.sites {
            if let e = check(site.call, exprLevel: site.exprLevel, callee: site.callee, resolver: resolvers[site.module]) {
                errors.append(e)
            }
        }
        return errors
    }

    static func check(_ call: Call, exprLevel: Bool, callee: NameResolver.Callee, resolver: NameResolver) -> EngineError? {
        let n = call.args.count
        switch callee {
        case .undefined(let path):
            // Calling a rule that is not a function: OPA counts it as arity 0.
            if let path, !resolver.index.rules(at: path).isEmpty {
                return EngineError(.typeError, "function \(RuleIndex.display(path)) has arity 0, got \(n) argument\(n == 1 ? "" : "s")",
                                   location: call.location)
            }
            return EngineError(.typeError, "undefined function \(path.map(RuleIndex.display) ?? call.name)", location: call.location)
        case .user(let path, let arity):
            if n == arity || (exprLevel && n == arity + 1) { return nil }
            return EngineError(.typeError, "function \(RuleIndex.display(path)) has arity \(arity), got \(n) argument\(n == 1 ? "" : "s")",
                               location: call.location)
        case .builtin(let name, let decl):
            guard let decl, decl.variadic == nil else { return nil }
            let k = decl.args.count
            if n == k || (exprLevel && n == k + 1 && decl.result != nil) { return nil }
            let have = BuiltinTypeCheck.haveList(call, exprLevel: exprLevel)
            return EngineError(.typeError, "\(name): arity mismatch\n\thave: \(have)\n\twant: \(BuiltinTypeCheck.wantArgs(decl))",
                               location: call.location)
        }
    }
}
