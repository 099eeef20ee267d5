/// The builtin arity and static argument checks of FunctionCallCheck / BuiltinTypeCheck, applied
/// to an ad-hoc query (`policyd eval 'x := sprintf("a")'`): OPA type-checks queries too, and an
/// unchecked wrong-arity call would reach the builtin with missing operands.
enum QueryCallCheck {
    static func run(_ body: Body) -> [EngineError] {
        var errors: [EngineError] = []
        // OPA gives a query's own (non-negated) call expressions an output variable to capture
        // their value, so their `have:` lists end in `???` as nested calls' do.
        let captured = Set(body.compactMap { e -> SourceLocation? in
            guard !e.negated, case .call(let c) = e.kind else { return nil }
            return c.location
        })
        ASTWalk.calls(in: body) { call, callExprLevel in
            guard let decl = BuiltinDeclarations.lookup(call.name), decl.variadic == nil else { return }
            let n = call.args.count, k = decl.args.count
            let exprLevel = callExprLevel && !(n == k && decl.result != nil && captured.contains(call.location))
            guard n == k || (exprLevel && n == k + 1 && decl.result != nil) else {
                errors.append(EngineError(
                    .typeError,
                    "\(call.name): arity mismatch\n\thave: \(BuiltinTypeCheck.haveList(call, exprLevel: exprLevel))\n\twant: \(BuiltinTypeCheck.wantArgs(decl))",
                    location: call.location))
                return
            }
            for (i, arg) in call.args.prefix(k).enumerated() where !BuiltinTypeCheck.termFits(arg, decl.args[i], BuiltinTypeCheck.staticType) {
                errors.append(EngineError(
                    .typeError,
                    "\(call.name): invalid argument(s)\n\thave: \(BuiltinTypeCheck.haveList(call, exprLevel: exprLevel))\n\twant: \(BuiltinTypeCheck.wantList(decl))",
                    location: call.location))
                return
            }
        }
        return errors
    }
}
