/// `rego.*` builtins that need the parser. (`rego.metadata.chain` / `rego.metadata.rule` depend
/// on the rule being evaluated, so the evaluator provides them from `Rule.annotations` and
/// `Module.annotations`.)
enum RegoBuiltins {
    static let builtins: [Builtin] = [
        // rego.parse_module(filename, source): the module as OPA's JSON AST.
        Builtin("rego.parse_module", arity: 2) { args, _ in
            let name = try args.string(0)
            let source = try args.string(1)
            do {
                return try Parser.parseModule(name: name, source: source).opaJSON
            } catch let error as EngineErrors {
                let n = error.errors.count
                let head = n == 1 ? "1 error occurred: " : "\(n) errors occurred:\n"
                throw BuiltinError.failure(head + error.errors.map(\.description).joined(separator: "\n"))
            }
        },
    ]
}
