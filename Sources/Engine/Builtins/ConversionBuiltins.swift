/// to_number and the deprecated cast_* builtins.
enum ConversionBuiltins {
    static let builtins: [Builtin] = [
        Builtin("to_number", arity: 1) { args, _ in
            switch args[0] {
            case .null: return .int(0)
            case .bool(let b): return .int(b ? 1 : 0)
            case .number: return args[0]
            case .string(let s): return .number(try parseNumber(s))
            default:
                throw BuiltinError(.type, "operand 1 must be one of {null, boolean, number, string} but got \(args[0].typeName)")
            }
        },
        Builtin("cast_array", arity: 1) { args, _ in
            switch args[0] {
            case .array: return args[0]
            case .set(let s): return .array(s.elements)
            default: throw BuiltinError(.type, "operand 1 must be one of {array, set} but got \(args[0].typeName)")
            }
        },
        Builtin("cast_set", arity: 1) { args, _ in
            switch args[0] {
            case .set: return args[0]
            case .array(let a): return .set(SetValue(a))
            default: throw BuiltinError(.type, "operand 1 must be one of {array, set} but got \(args[0].typeName)")
            }
        },
        Builtin("cast_string", arity: 1) { args, _ in .string(try args.string(0)) },
        Builtin("cast_boolean", arity: 1) { args, _ in .bool(try args.bool(0)) },
        Builtin("cast_null", arity: 1) { args, _ in
            if case .null = args[0] { return .null }
            throw BuiltinError.operandType(1, expected: "null", got: args[0])
        },
        Builtin("cast_object", arity: 1) { args, _ in .object(try args.object(0)) },
    ]

    /// OPA first checks the text with Go's strconv.ParseFloat, then reads it as a JSON number.
    static func parseNumber(_ s: String) throws -> Number {
        let padded = s.unicodeScalars.first.map { $0.properties.isWhitespace } == true
            || s.unicodeScalars.last.map { $0.properties.isWhitespace } == true
        if !padded, let n = Number.parse(s) {
            // OPA validates with a float64 parse first, so numbers beyond its range fail.
            if let d = Double(s), d.isInfinite {
                throw BuiltinError(.builtin, "strconv.ParseFloat: parsing \(GoQuote.quote(s)): value out of range")
            }
            return n
        }
        let lower = s.lowercased()
        let goFloat = !padded && !lower.contains("x") && !lower.contains("_") && Double(s) != nil
        if !goFloat {
            throw BuiltinError(.builtin, "strconv.ParseFloat: parsing \(GoQuote.quote(s)): invalid syntax")
        }
        let d = Double(s)!
        if d.isNaN || d.isInfinite {
            throw BuiltinError(.type, "operand 1 must be valid number string but got string")
        }
        throw BuiltinError(.builtin, "json: invalid number literal \(GoQuote.quote(s))")
    }
}
