/// Comparison operators (`==`, `!=`, `<`, …): total Rego order across all types.
enum ComparisonBuiltins {
    static let builtins: [Builtin] = [
        Builtin("equal", arity: 2) { a, _ in .bool(a[0] == a[1]) },
        Builtin("neq", arity: 2) { a, _ in .bool(a[0] != a[1]) },
        Builtin("lt", arity: 2) { a, _ in .bool(Value.compare(a[0], a[1]) < 0) },
        Builtin("lte", arity: 2) { a, _ in .bool(Value.compare(a[0], a[1]) <= 0) },
        Builtin("gt", arity: 2) { a, _ in .bool(Value.compare(a[0], a[1]) > 0) },
        Builtin("gte", arity: 2) { a, _ in .bool(Value.compare(a[0], a[1]) >= 0) },
    ]
}
