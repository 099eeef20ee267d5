/// Builtins behind Rego syntax (`x in xs`, `k, v in xs`) and runtime helpers. The evaluator
/// handles `print` itself (it needs the variables' text); the entries here are for calls
/// made through the generic path.
enum InternalBuiltins {
    static let builtins: [Builtin] = [
        Builtin("internal.member_2", arity: 2) { a, _ in
            switch a[1] {
            case .array(let xs): return .bool(xs.contains(a[0]))
            case .set(let s): return .bool(s.contains(a[0]))
            case .object(let o): return .bool(o.values.contains(a[0]))
            default: return .false
            }
        },
        Builtin("internal.member_3", arity: 3) { a, _ in
            switch a[2] {
            case .array(let xs):
                guard case .number(let n) = a[0], let i = n.exactInt, i >= 0, i < xs.count else { return .false }
                return .bool(xs[i] == a[1])
            case .object(let o):
                guard let v = o[a[0]] else { return .false }
                return .bool(v == a[1])
            case .set(let s):
                return .bool(a[0] == a[1] && s.contains(a[0]))
            default: return .false
            }
        },
        Builtin("print", arity: -1) { a, ctx in
            ctx.printSink?(a.values.map { v -> String in
                if case .string(let s) = v { return s }
                return RegoFormatter.format(v)
            }.joined(separator: " "))
            return .true
        },
        Builtin("internal.print", arity: 1) { a, ctx in
            // One array of argument sets (each arg's possible values); prints the cross product.
            guard case .array(let args) = a[0] else { return .true }
            var lines: [[String]] = [[]]
            for arg in args {
                let options: [String]
                if case .set(let s) = arg, !s.isEmpty {
                    options = s.elements.map { v in
                        if case .string(let str) = v { return str }
                        return RegoFormatter.format(v)
                    }
                } else {
                    options = ["<undefined>"]
                }
                lines = lines.flatMap { l in options.map { l + [$0] } }
            }
            for l in lines { ctx.printSink?(l.joined(separator: " ")) }
            return .true
        },
        // What OPA compiles `$"…{expr}…"` into: literal parts as strings, each expression's
        // outputs as a set. Policies may also call it directly (the evaluator renders template
        // strings itself, Evaluator.swift `.template`).
        Builtin("internal.template_string", arity: 1) { a, _ in
            guard case .array(let parts) = a[0] else { throw BuiltinError.operandType(1, expected: "array", got: a[0]) }
            var text = ""
            for part in parts {
                switch part {
                case .string(let s): text += s
                case .number, .bool, .null: text += RegoFormatter.format(part)
                case .set(let outputs):
                    guard outputs.count <= 1 else {
                        throw BuiltinError.evaluation(.evalConflictError, "template-strings must not produce multiple outputs")
                    }
                    guard let v = outputs.elements.first else { text += "<undefined>"; continue }
                    if case .string(let s) = v { text += s } else { text += RegoFormatter.format(v) }
                default:
                    throw BuiltinError.evaluation(.evalInternalError, "illegal argument type: \(part.typeName)")
                }
            }
            return .string(text)
        },
        // Marks a test case in OPA's tracer; no value, always succeeds.
        Builtin("internal.test_case", arity: 1) { _, _ in .true },
        Builtin("trace", arity: 1) { a, _ in
            _ = try a.string(0)
            return .true
        },
        // The evaluator iterates `walk` itself (one result per node); this entry gives the
        // generic call path the whole relation as an array of [path, value] pairs.
        Builtin("walk", arity: 1) { a, _ in
            var out: [Value] = []
            var path: [Value] = []
            try Evaluator.walkValue(a[0], &path) { out.append($0) }
            return .array(out)
        },
        Builtin("opa.runtime", arity: 0, deterministic: false) { _, ctx in ctx.runtime },
    ]
}
