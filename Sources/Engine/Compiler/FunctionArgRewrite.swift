// A function parameter written as a call or a template string (`f($"{x} {input.y}") := …`)
// is not a pattern: its value depends on variables the body binds. As OPA does, the compiler
// replaces it with a fresh variable and adds `fresh = <term>` to the body (and to every else
// branch), so safety ordering evaluates it once its variables are bound.

extension Rule {
    func withComputedArgsInBody() -> Rule {
        guard let args = head.args, args.contains(where: \.isComputedArg) else { return self }
        var out = self
        var extra: [Expr] = []
        out.head.args = args.enumerated().map { i, t in
            guard t.isComputedArg else { return t }
            let fresh = Term.variable("arg$\(i)", t.location)  // not writable in Rego, not a wildcard
            let eq = Call(function: .variable("eq", t.location), args: [fresh, t], infix: .unify, location: t.location)
            extra.append(Expr(kind: .call(eq), generated: true, location: t.location))
            return fresh
        }
        out.body += extra
        for j in out.elseChain.indices { out.elseChain[j].body += extra }
        return out
    }
}

extension Term {
    fileprivate var isComputedArg: Bool {
        switch value {
        case .call, .template: return true
        default: return false
        }
    }
}
