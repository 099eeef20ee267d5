import BigInt

/// bits.* (arbitrary-precision integers, as OPA's big.Int) and rand.intn (memoised per
/// evaluation).
enum NumberBuiltins {
    static func bigInt(_ args: Arguments, _ i: Int) throws -> BigInt {
        guard case .number(let n) = args[i] else {
            throw BuiltinError(.type, "operand \(i + 1) must be integer but got \(args[i].typeName)")
        }
        guard let b = n.exactBigInt else {
            throw BuiltinError(.type, "operand \(i + 1) must be integer number but got floating-point number")
        }
        return b
    }

    static func shift(_ args: Arguments) throws -> (BigInt, Int) {
        let a = try bigInt(args, 0), s = try bigInt(args, 1)
        if s < 0 { throw BuiltinError(.type, "operand 2 must be an unsigned integer number but got a negative integer") }
        guard let n = Int(exactly: s) else { throw BuiltinError(.builtin, "shift count too large") }
        return (a, n)
    }

    static let builtins: [Builtin] = [
        Builtin("bits.and", arity: 2) { args, _ in .number(Number(try bigInt(args, 0) & bigInt(args, 1))) },
        Builtin("bits.or", arity: 2) { args, _ in .number(Number(try bigInt(args, 0) | bigInt(args, 1))) },
        Builtin("bits.xor", arity: 2) { args, _ in .number(Number(try bigInt(args, 0) ^ bigInt(args, 1))) },
        Builtin("bits.negate", arity: 1) { args, _ in .number(Number(~(try bigInt(args, 0)))) },
        Builtin("bits.lsh", arity: 2) { args, _ in
            let (a, n) = try shift(args)
            return .number(Number(a << n))
        },
        Builtin("bits.rsh", arity: 2) { args, _ in
            let a = try bigInt(args, 0), s = try bigInt(args, 1)
            if s < 0 { throw BuiltinError(.type, "operand 2 must be an unsigned integer number but got a negative integer") }
            // OPA shifts by the count's low 64 bits (Go's uint(big.Int.Uint64())): 2^64 shifts by 0.
            let low = s & ((BigInt(1) << 64) - 1)
            guard let n = Int(exactly: low) else { return .int(a.sign == .minus ? -1 : 0) }
            // Arithmetic shift, rounding toward -∞ like Go's big.Int.Rsh (`bits.rsh(-7, 1)` is
            // -4); BigInt's `>>` shifts the magnitude.
            if a.sign == .minus { return .number(Number(-((-a - 1) >> n) - 1)) }
            return .number(Number(a >> n))
        },
        Builtin("rand.intn", arity: 2, deterministic: false) { args, ctx in
            _ = try args.string(0)
            let n = try args.int(1)
            let key: Value = ["rand.intn", args[0], args[1]]
            return ctx.memo(key) {
                if n == 0 { return .int(0) }
                return .int(Int.random(in: 0..<abs(n)))
            }
        },
    ]
}
