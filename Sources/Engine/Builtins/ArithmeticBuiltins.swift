import BigInt

/// Arithmetic operators and rounding. `minus` doubles as set difference, as in OPA.
enum ArithmeticBuiltins {
    static let builtins: [Builtin] = [
        Builtin("plus", arity: 2) { a, _ in .number(NumberMath.add(try a.number(0), try a.number(1))) },
        Builtin("minus", arity: 2) { a, _ in
            switch (a[0], a[1]) {
            case (.number(let x), .number(let y)): return .number(NumberMath.sub(x, y))
            case (.set(let x), .set(let y)): return .set(x.subtracting(y))
            // OPA asks for a set only when the second operand is a number: `{1} - "a"` says
            // "operand 2 must be number".
            case (.set, .number): throw BuiltinError.operandType(2, expected: "set", got: a[1])
            case (.number, _), (.set, _): throw BuiltinError.operandType(2, expected: "number", got: a[1])
            default: throw BuiltinError(.type, "operand 1 must be one of {number, set} but got \(a[0].typeName)")
            }
        },
        Builtin("mul", arity: 2) { a, _ in .number(NumberMath.mul(try a.number(0), try a.number(1))) },
        Builtin("div", arity: 2) { a, _ in .number(try NumberMath.div(try a.number(0), try a.number(1))) },
        Builtin("rem", arity: 2) { a, _ in .number(try NumberMath.rem(try a.number(0), try a.number(1))) },
        Builtin("abs", arity: 1) { a, _ in .number(NumberMath.abs(try a.number(0))) },
        Builtin("round", arity: 1) { a, _ in roundWith(try a.number(0), .toNearestOrAwayFromZero) },
        Builtin("ceil", arity: 1) { a, _ in roundWith(try a.number(0), .up) },
        Builtin("floor", arity: 1) { a, _ in roundWith(try a.number(0), .down) },
        Builtin("numbers.range", arity: 2) { a, _ in
            try range(try bigInteger(a, 0), try bigInteger(a, 1), step: 1)
        },
        Builtin("numbers.range_step", arity: 3) { a, _ in
            // Operands are checked in order before the step's sign.
            let lo = try bigInteger(a, 0), hi = try bigInteger(a, 1), step = try bigInteger(a, 2)
            // OPA's message repeats the builtin name.
            if step <= 0 { throw BuiltinError.failure("numbers.range_step: step must be a positive integer") }
            return try range(lo, hi, step: step)
        },
    ]

    private static func roundWith(_ n: Number, _ rule: FloatingPointRoundingRule) -> Value {
        .number(NumberMath.round(n, rule))
    }

    /// An integer operand by value and exact at any size (`numbers.range(1e0, 3)` and
    /// `numbers.range(1e30, 1e30 + 2)` count as OPA does).
    private static func bigInteger(_ a: Arguments, _ i: Int) throws -> BigInt {
        guard case .number(let n) = a[i] else { throw BuiltinError.operandType(i + 1, expected: "integer", got: a[i]) }
        guard let v = n.exactBigInt else {
            throw BuiltinError(.type, "operand \(i + 1) must be integer number but got floating-point number")
        }
        return v
    }

    private static func range(_ lo: BigInt, _ hi: BigInt, step: BigInt) throws -> Value {
        var out: [Value] = []
        // Machine integers when the counter cannot overflow past the end.
        if let l = Int(exactly: lo), let h = Int(exactly: hi), let s = Int(exactly: step),
           !(l <= h ? h.addingReportingOverflow(s) : h.subtractingReportingOverflow(s)).overflow {
            var i = l
            if l <= h {
                while i <= h { out.append(.int(i)); i += s }
            } else {
                while i >= h { out.append(.int(i)); i -= s }
            }
            return .array(out)
        }
        var i = lo
        if lo <= hi {
            while i <= hi { out.append(.number(Number(i))); i += step }
        } else {
            while i >= hi { out.append(.number(Number(i))); i -= step }
        }
        return .array(out)
    }
}
