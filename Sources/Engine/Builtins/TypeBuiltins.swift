/// The type predicates (is_string, …) and type_name. The predicates are false, not undefined,
/// for other types, as in OPA.
enum TypeBuiltins {
    static let builtins: [Builtin] = [
        Builtin("is_string", arity: 1) { args, _ in if case .string = args[0] { return .true }; return .false },
        Builtin("is_number", arity: 1) { args, _ in if case .number = args[0] { return .true }; return .false },
        Builtin("is_boolean", arity: 1) { args, _ in if case .bool = args[0] { return .true }; return .false },
        Builtin("is_array", arity: 1) { args, _ in if case .array = args[0] { return .true }; return .false },
        Builtin("is_set", arity: 1) { args, _ in if case .set = args[0] { return .true }; return .false },
        Builtin("is_object", arity: 1) { args, _ in if case .object = args[0] { return .true }; return .false },
        Builtin("is_null", arity: 1) { args, _ in if case .null = args[0] { return .true }; return .false },
        Builtin("type_name", arity: 1) { args, _ in .string(args[0].typeName) },
    ]
}
