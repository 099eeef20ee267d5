/// Builtins the sidecar refuses by design (network and outside-world access, see
/// `BuiltinRegistry.refusedByDesign`) are compile errors unless the operator allows them.
enum RefusedBuiltinsCheck {
    static func run(_ modules: [Module], calls: CallSites, options: CompileOptions) -> [EngineError] {
        guard !options.allowNetworkBuiltins else { return [] }
        // A builtin replaced with `with http.send as mock` is a test double, not a network call.
        var mocked = Set<String>()
        for m in modules {
            for rule in m.rules {
                ASTWalk.withTargets(in: rule) { mocked.insert($0.dottedName) }
            }
        }
        var errors: [EngineError] = []
        for site in calls.sites {
            let name = site.call.name
            guard let why = BuiltinRegistry.refusedByDesign[name], !mocked.contains(name) else { continue }
            errors.append(EngineError(
                .typeError,
                "\(name): not allowed in the sidecar (\(why)); \(BuiltinRegistry.networkBuiltinsHint)",
                location: site.call.location))
        }
        return errors
    }
}
