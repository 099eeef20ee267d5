/// Deprecated builtins (`any`, `all`, `re_match`, `net.cidr_overlap`, `set_diff`, `cast_*`:
/// flagged `deprecated` in OPA's capabilities) are type errors in Rego v1 modules and in v0
/// modules that `import rego.v1`; plain v0 modules and ad-hoc queries may still call them.
/// A user function of the same name shadows the builtin and is fine.
enum DeprecatedBuiltinsCheck {
    static func run(_ modules: [Module], index: RuleIndex) -> [EngineError] {
        var errors: [EngineError] = []
        for m in modules where m.regoVersion == .v1 || m.imports.contains(where: { $0.path.dottedName == "rego.v1" }) {
            let resolver = NameResolver(module: m, index: index)
            for rule in m.rules {
                ASTWalk.calls(in: rule) { call, _ in
                    guard case .builtin(let name, let decl) = resolver.callee(call), decl?.deprecated == true else { return }
                    errors.append(EngineError(.typeError, "deprecated built-in function calls in expression: \(name)",
                                              location: call.location))
                }
            }
        }
        return errors
    }
}
