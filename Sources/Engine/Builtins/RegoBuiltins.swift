/// `rego.*` builtins. (`rego.metadata.chain` / `rego.metadata.rule` depend on the rule that
/// calls them, so inside rules the compiler replaces them with constants (see
/// Lowering+Metadata.swift); the implementations here only run for calls in a query.)
enum RegoBuiltins {
    static let builtins: [Builtin] = [
        Builtin("rego.metadata.chain", arity: 0) { _, _ in throw outsideRule("rego.metadata.chain") },
        Builtin("rego.metadata.rule", arity: 0) { _, _ in throw outsideRule("rego.metadata.rule") },
        // rego.parse_module(filename, source): the module as OPA's JSON AST.
        Builtin("rego.parse_module", arity: 2) { args, _ in
            // OPA names both operands "operand 1" in its type errors.
            let name = try args.string(0)
            guard case .string(let source) = args[1] else {
                throw BuiltinError(.type, "operand 1 must be string but got \(args[1].typeName)")
            }
            do {
                return try Parser.parseModule(name: name, source: source).opaJSON
            } catch let error as EngineErrors {
                // OPA returns an empty module's error (row 0) bare, not as a list.
                if error.errors.count == 1, error.errors[0].location?.row == 0 {
                    throw BuiltinError.failure(error.errors[0].description)
                }
                let n = error.errors.count
                let head = n == 1 ? "1 error occurred: " : "\(n) errors occurred:\n"
                throw BuiltinError.failure(head + error.errors.map(\.description).joined(separator: "\n"))
            }
        },
    ]

    private static func outsideRule(_ name: String) -> BuiltinError {
        BuiltinError.failure("the \(name) function must only be called within the scope of a rule")
    }
}
