/// Aggregates over collections: count, sum, product, max, min, sort, any, all.
enum AggregateBuiltins {
    static let builtins: [Builtin] = [
        Builtin("count", arity: 1) { a, _ in
            guard let n = a[0].count else {
                throw BuiltinError(.type, "operand 1 must be one of {array, object, set, string} but got \(a[0].typeName)")
            }
            return .int(n)
        },
        Builtin("sum", arity: 1) { a, _ in
            .number(NumberMath.sum(try numbers(a)))
        },
        Builtin("product", arity: 1) { a, _ in
            .number(NumberMath.product(try numbers(a)))
        },
        Builtin("max", arity: 1) { a, _ in
            // Of equal maxima OPA returns the last (`max([1, 1.0])` is 1.0).
            let items = try collection(a, "max")
            return items.reduce(nil) { best, e in best.map { Value.compare(e, $0) >= 0 ? e : $0 } ?? e }
        },
        Builtin("min", arity: 1) { a, _ in
            let items = try collection(a, "min")
            return items.reduce(nil) { best, e in best.map { Value.compare(e, $0) <= 0 ? e : $0 } ?? e }
        },
        Builtin("sort", arity: 1) { a, _ in
            .array(try collection(a, "sort").sorted { Value.compare($0, $1) < 0 })
        },
        Builtin("any", arity: 1) { a, _ in .bool(try collection(a, "any").contains { $0.isTrue }) },
        Builtin("all", arity: 1) { a, _ in .bool(try collection(a, "all").allSatisfy { $0.isTrue }) },
    ]

    private static func collection(_ a: Arguments, _ name: String) throws -> [Value] {
        switch a[0] {
        case .array(let x): return x
        case .set(let s): return s.elements
        default:
            // OPA lists the kinds in this order for all but the deprecated any/all.
            let kinds = name == "any" || name == "all" ? "{array, set}" : "{set, array}"
            throw BuiltinError(.type, "operand 1 must be one of \(kinds) but got \(a[0].typeName)")
        }
    }

    private static func numbers(_ a: Arguments) throws -> [Number] {
        let kind = if case .set = a[0] { "set" } else { "array" }
        return try collection(a, "").map { v in
            guard case .number(let n) = v else {
                throw BuiltinError(.type, "operand 1 must be \(kind) of numbers but got \(kind) containing \(v.typeName)")
            }
            return n
        }
    }
}
