/// Comparison operators (`==`, `!=`, `<`, …): total Rego order across all types. Each is the
/// evaluator's `InlineOperator` (which computes them without a call), so the two cannot differ.
enum ComparisonBuiltins {
    static let builtins: [Builtin] = [
        ("equal", InlineOperator.equal), ("neq", .notEqual), ("lt", .less), ("lte", .lessOrEqual),
        ("gt", .greater), ("gte", .greaterOrEqual),
    ].map { name, op in Builtin(name, arity: 2) { a, _ in .bool(op.apply(a[0], a[1])) } }
}
