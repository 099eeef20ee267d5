/// Builtins the sidecar refuses by design (network and outside-world access, see
/// `BuiltinRegistry.refusedByDesign`) are compile errors unless the operator allows them.
enum RefusedBuiltinsCheck {
    static func run(_ modules: [Module], options: CompileOptions) -> [EngineError] {
        guard !options.allowNetworkBuiltins else { return [] }
        var errors: [EngineError] = []
        for m in modules {
            for rule in m.rules {
                ASTWalk.calls(in: rule) { call, _ in
                    let name = call.name
                    guard let why = BuiltinRegistry.refusedByDesign[name] else { return }
                    errors.append(EngineError(
                        .typeError,
                        "\(name): not allowed in the sidecar (\(why)); enable network builtins explicitly to use it",
                        location: call.location))
                }
            }
        }
        return errors
    }
}
