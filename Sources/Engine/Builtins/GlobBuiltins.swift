/// glob.match and glob.quote_meta.
enum GlobBuiltins {
    static let builtins: [Builtin] = [
        Builtin("glob.match", arity: 3) { args, _ in
            let pattern = try args.string(0)
            var delims: [Unicode.Scalar]
            switch args[1] {
            case .null: delims = []
            case .array(let a):
                delims = []
                for d in a {
                    guard case .string(let s) = d else {
                        throw BuiltinError(.type, "operand 2 must be array of strings but got array containing \(d.typeName)")
                    }
                    guard s.unicodeScalars.count == 1 else {
                        throw BuiltinError(.type, "operand 2 must be array of runes but got array containing string")
                    }
                    delims.append(s.unicodeScalars.first!)
                }
                // An empty list means the default delimiter ".".
                if a.isEmpty { delims = ["."] }
            default:
                throw BuiltinError(.type, "operand 2 must be one of {array, null} but got \(args[1].typeName)")
            }
            let s = try args.string(2)
            return .bool(try GlobCache.get(pattern, delims).matches(s))
        },
        Builtin("glob.quote_meta", arity: 1) { args, _ in
            var out = ""
            for c in try args.string(0).unicodeScalars {
                if "*?\\[]{}".unicodeScalars.contains(c) { out.append("\\") }
                out.unicodeScalars.append(c)
            }
            return .string(out)
        },
    ]
}
