/// Set operators `&`, `|`, the n-ary `intersection` / `union`, and the deprecated `set_diff`
/// (a − b; the compiler rejects it in v1 modules, see DeprecatedBuiltinsCheck).
enum SetBuiltins {
    static let builtins: [Builtin] = [
        Builtin("and", arity: 2) { a, _ in .set(try a.set(0).intersection(try a.set(1))) },
        Builtin("or", arity: 2) { a, _ in .set(try a.set(0).union(try a.set(1))) },
        Builtin("set_diff", arity: 2) { a, _ in .set(try a.set(0).subtracting(try a.set(1))) },
        Builtin("intersection", arity: 1) { a, _ in
            let sets = try setOfSets(a)
            guard var acc = sets.first else { return .emptySet }
            for s in sets.dropFirst() { acc = acc.intersection(s) }
            return .set(acc)
        },
        Builtin("union", arity: 1) { a, _ in
            var b = SetBuilder()
            for s in try setOfSets(a) { for e in s.elements { b.insert(e) } }
            return .set(b.build())
        },
    ]

    private static func setOfSets(_ a: Arguments) throws -> [SetValue] {
        let outer = try a.set(0)
        return try outer.elements.map { e in
            guard case .set(let s) = e else {
                throw BuiltinError(.type, "operand 1 must be set of sets but got set containing \(e.typeName)")
            }
            return s
        }
    }
}
