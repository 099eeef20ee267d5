/// Every call in the modules, found in one walk with its callee resolved once, shared by the
/// checks that look at calls (annotations, refused builtins, arity, deprecated builtins,
/// argument types). Each of those used to walk every rule again and resolve each call itself.
struct CallSites {
    struct Site {
        let call: Call
        /// An expression-level call may take one extra output argument; a call term may not.
        let exprLevel: Bool
        let module: Int
        let callee: NameResolver.Callee
    }

    let sites: [Site]

    init(_ modules: [Module], resolvers: [NameResolver]) {
        var out: [Site] = []
        for (mi, m) in modules.enumerated() {
            let resolver = resolvers[mi]
            for rule in m.rules {
                ASTWalk.calls(in: rule) { call, exprLevel in
                    out.append(Site(call: call, exprLevel: exprLevel, module: mi, callee: resolver.callee(call)))
                }
            }
        }
        sites = out
    }
}
