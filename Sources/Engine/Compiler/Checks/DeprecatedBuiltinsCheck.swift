/// Deprecated builtins (`any`, `all`, `re_match`, `net.cidr_overlap`, `set_diff`, `cast_*`:
/// flagged `deprecated` in OPA's capabilities) are type errors in Rego v1 modules and in v0
/// modules that `import rego.v1`; plain v0 modules and ad-hoc queries may still call them.
/// A user function of the same name shadows the builtin and is fine.
enum DeprecatedBuiltinsCheck {
    static func run(_ modules: [Module], calls: CallSites) -> [EngineError] {
        let applies = modules.map { m in m.regoVersion == .v1 || m.imports.contains(where: { $0.path.dottedName == "rego.v1" }) }
        var errors: [EngineError] = []
        for site in calls.sites where applies[site.module] {
            guard case .builtin(let name, let decl) = site.callee, decl?.deprecated == true else { continue }
            errors.append(EngineError(.typeError, "deprecated built-in function calls in expression: \(name)",
                                      location: site.call.location))
        }
        return errors
    }
}
