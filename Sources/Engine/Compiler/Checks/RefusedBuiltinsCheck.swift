/// Builtins the sidecar refuses by design (network and outside-world access, see
/// `BuiltinRegistry.refusedByDesign`) are compile errors unless the operator allows them.
enum RefusedBuiltinsCheck {
    static func run(_ modules: [Module], options: CompileOptions) -> [EngineError] {
        guard !options.allowNetworkBuiltins else { return [] }
        // A builtin replaced with `with http.send as mock` is a test double, not a network call.
        var mocked = Set<String>()
        for m in modules {
            for rule in m.rules {
                ASTWalk.withTargets(in: rule) { mocked.insert($0.dottedName) }
            }
        }
        var errors: [EngineError] = []
        for m in modules {
            for rule in m.rules {
                ASTWalk.calls(in: rule) { call, _ in
                    let name = call.name
                    guard let why = BuiltinRegistry.refusedByDesign[name], !mocked.contains(name) else { return }
                    errors.append(EngineError(
                        .typeError,
                        "\(name): not allowed in the sidecar (\(why)); \(BuiltinRegistry.networkBuiltinsHint)",
                        location: call.location))
                }
            }
        }
        return errors
    }
}
