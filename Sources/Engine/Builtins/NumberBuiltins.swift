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
        Builtin("bits.and", arity: 2) { args, _ in .number(Number(try TwosComplement.and(bigInt(args, 0), bigInt(args, 1)))) },
        Builtin("bits.or", arity: 2) { args, _ in .number(Number(try TwosComplement.or(bigInt(args, 0), bigInt(args, 1)))) },
        Builtin("bits.xor", arity: 2) { args, _ in .number(Number(try TwosComplement.xor(bigInt(args, 0), bigInt(args, 1)))) },
        Builtin("bits.negate", arity: 1) { args, _ in .number(Number(-(try bigInt(args, 0)) - 1)) },
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

/// Bitwise operations on unbounded two's-complement integers, as Go's big.Int And/Or/Xor: a
/// negative x is the infinite bit string ^(|x|-1), so every case reduces to operations on
/// non-negative magnitudes. (BigInt's own operators get mixed signs wrong:
/// `-2^63 ^ 2^63` came out 0 instead of -2^64.)
enum TwosComplement {
    /// |x| - 1 for negative x (the complement of x's bits).
    private static func inverted(_ x: BigInt) -> BigUInt { x.magnitude - 1 }
    private static func negated(_ m: BigUInt) -> BigInt { -(BigInt(m) + 1) }
    /// x &^ y on magnitudes.
    private static func andNot(_ x: BigUInt, _ y: BigUInt) -> BigUInt { x ^ (x & y) }

    static func and(_ a: BigInt, _ b: BigInt) -> BigInt {
        switch (a < 0, b < 0) {
        case (false, false): return BigInt(a.magnitude & b.magnitude)
        case (true, true): return negated(inverted(a) | inverted(b))
        case (true, false): return BigInt(andNot(b.magnitude, inverted(a)))
        case (false, true): return BigInt(andNot(a.magnitude, inverted(b)))
        }
    }

    static func or(_ a: BigInt, _ b: BigInt) -> BigInt {
        switch (a < 0, b < 0) {
        case (false, false): return BigInt(a.magnitude | b.magnitude)
        case (true, true): return negated(inverted(a) & inverted(b))
        case (true, false): return negated(andNot(inverted(a), b.magnitude))
        case (false, true): return negated(andNot(inverted(b), a.magnitude))
        }
    }

    static func xor(_ a: BigInt, _ b: BigInt) -> BigInt {
        switch (a < 0, b < 0) {
        case (false, false): return BigInt(a.magnitude ^ b.magnitude)
        case (true, true): return BigInt(inverted(a) ^ inverted(b))
        case (true, false): return negated(inverted(a) ^ b.magnitude)
        case (false, true): return negated(inverted(b) ^ a.magnitude)
        }
    }
}
