/// The array builtins: array.concat, array.slice (clamped like OPA), array.reverse and
/// array.flatten (one level).
enum ArrayBuiltins {
    static let builtins: [Builtin] = [
        Builtin("array.concat", arity: 2) { args, _ in
            let a = try args.array(0), b = try args.array(1)
            return .array(a + b)
        },
        Builtin("array.slice", arity: 3) { args, _ in
            let a = try args.array(0)
            var start = try args.int(1), stop = try args.int(2)
            if start < 0 { start = 0 }
            if stop > a.count { stop = a.count }
            if start >= stop { return .emptyArray }
            return .array(Array(a[start..<stop]))
        },
        Builtin("array.reverse", arity: 1) { args, _ in
            .array(try args.array(0).reversed())
        },
        Builtin("array.flatten", arity: 1) { args, _ in
            var out: [Value] = []
            flatten(try args.array(0), into: &out)
            return .array(out)
        },
    ]

    /// Flattens one level: `[1, [2, [3]]]` becomes `[1, 2, [3]]` (as OPA does).
    static func flatten(_ a: [Value], into out: inout [Value]) {
        for v in a {
            if case .array(let inner) = v { out.append(contentsOf: inner) } else { out.append(v) }
        }
    }
}
