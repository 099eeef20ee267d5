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
        let plain = underscoresBetweenDigits(s) ? s.replacingOccurrences(of: "_", with: "") : s
        let goFloat = !padded && !lower.contains("x") && Double(plain) != nil
        if !goFloat {
            throw BuiltinError(.builtin, "strconv.ParseFloat: parsing \(GoQuote.quote(s)): invalid syntax")
        }
        let d = Double(plain)!
        if d.isNaN || d.isInfinite {
            throw BuiltinError(.type, "operand 1 must be valid number string but got string")
        }
        // Go's float syntax beyond JSON's ("00012", ".5", "5.", "+1", "1_000"): OPA keeps the text as
        // the number, which computes by value (only printing it fails), so give the value.
        if let n = Number.parse(canonicalDecimal(plain)) { return n }
        return Number(d)
    }

    /// Go accepts `_` only between digits (no base prefix here: hex texts were refused).
    private static func underscoresBetweenDigits(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.contains(0x5F) else { return true }
        for (i, c) in b.enumerated() where c == 0x5F {
            let isDigit = { (j: Int) in j >= 0 && j < b.count && b[j] >= 0x30 && b[j] <= 0x39 }
            if !isDigit(i - 1) || !isDigit(i + 1) { return false }
        }
        return true
    }

    /// A Go float text as a JSON number text: no `+`, no leading zeros, digits on both sides of `.`.
    private static func canonicalDecimal(_ s: String) -> String {
        var t = Substring(s)
        var sign = ""
        if t.first == "+" { t = t.dropFirst() } else if t.first == "-" { sign = "-"; t = t.dropFirst() }
        var exp = ""
        if let e = t.firstIndex(where: { $0 == "e" || $0 == "E" }) { exp = String(t[e...]); t = t[..<e] }
        var int = t, frac: Substring = ""
        if let dot = t.firstIndex(of: ".") { int = t[..<dot]; frac = t[t.index(after: dot)...] }
        let digits = int.drop(while: { $0 == "0" })
        return sign + (digits.isEmpty ? "0" : String(digits)) + (frac.isEmpty ? "" : "." + frac) + exp
    }
}
