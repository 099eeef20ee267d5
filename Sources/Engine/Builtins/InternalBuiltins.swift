/// Builtins behind Rego syntax (`x in xs`, `k, v in xs`) and runtime helpers. The evaluator
/// handles `print` itself (it needs the variables' text); the entries here are for calls
/// made through the generic path.
enum InternalBuiltins {
    /// `x in coll`: an element of an array or set, or a value of an object. (Also computed
    /// by the evaluator directly, `InlineOperator.member`.)
    static func member(_ x: Value, _ coll: Value) -> Bool {
        switch coll {
        case .array(let xs):
            // A string looked up in a list of strings (`input.tool.name in allowed`):
            // string elements only, without the generic two-value switch per element.
            if case .string(let s) = x {
                for i in 0..<xs.count {
                    if case .string(let t) = xs[i], regoStringsEqual(s, t) { return true }
                }
                return false
            }
            return xs.contains(x)
        case .set(let s): return s.contains(x)
        case .object(let o): return o.values.contains(x)
        default: return false
        }
    }

    static let builtins: [Builtin] = [
        Builtin("internal.member_2", arity: 2) { a, _ in .bool(member(a[0], a[1])) },
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
