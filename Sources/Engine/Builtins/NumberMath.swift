import BigInt

/// Rego arithmetic with OPA's results: integers (by value: `1e20`, `5.0` count) are exact at any
/// size; anything else is computed at 64-bit mantissa precision (`WideFloat`) and kept there, so
/// `1/3` is 0.33333333333333333334 and `0.1 + 0.2` is 0.3. Division always goes through the
/// float (`10^29 / 10` keeps 20 digits), as OPA's does. See docs/values.md.
enum NumberMath {
    @inline(__always)
    static func add(_ a: Number, _ b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.addingReportingOverflow(y)
            if !o { return .int(r) }
        }
        return addSlow(a, b)
    }

    static func addSlow(_ a: Number, _ b: Number) -> Number {
        if let x = a.exactBigInt, let y = b.exactBigInt { return Number(x + y) }
        let r = a.wideValue + b.wideValue
        // Out of Float80's range (an operand or the result): the extended path (rare).
        if r.isNormal || (r == 0 && a.wideInRange && b.wideInRange) { return .fromWide(r) }
        return .fromExtended(a.extendedValue + b.extendedValue)
    }

    @inline(__always)
    static func sub(_ a: Number, _ b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.subtractingReportingOverflow(y)
            if !o { return .int(r) }
        }
        return subSlow(a, b)
    }

    static func subSlow(_ a: Number, _ b: Number) -> Number {
        if let x = a.exactBigInt, let y = b.exactBigInt { return Number(x - y) }
        let r = a.wideValue - b.wideValue
        if r.isNormal || (r == 0 && a.wideInRange && b.wideInRange) { return .fromWide(r) }
        return .fromExtended(a.extendedValue + -b.extendedValue)
    }

    @inline(__always)
    static func mul(_ a: Number, _ b: Number) -> Number {
        if case .int(let x) = a, case .int(let y) = b {
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if !o { return .int(r) }
        }
        return mulSlow(a, b)
    }

    static func mulSlow(_ a: Number, _ b: Number) -> Number {
        if let x = a.exactBigInt, let y = b.exactBigInt { return Number(x * y) }
        let x = a.wideValue, y = b.wideValue, r = x * y
        // A zero product of nonzero operands underflowed.
        if r.isNormal || (r == 0 && (x == 0 || y == 0) && a.wideInRange && b.wideInRange) { return .fromWide(r) }
        return .fromExtended(a.extendedValue * b.extendedValue)
    }

    static func div(_ a: Number, _ b: Number) throws -> Number {
        if case .int(let x) = a, case .int(let y) = b, y != 0, y != -1, x % y == 0, x != 0 || y > 0 {
            // Exact and below 2^63: the 64-bit float quotient is this integer too (0 divided
            // by a negative is the float -0, printed `-0`, so it takes the float path).
            return .int(x / y)
        }
        let d = b.wideValue
        if d == 0 && b.wideInRange { throw BuiltinError.failure("divide by zero") }
        let x = a.wideValue, r = x / d
        if r.isNormal || (r == 0 && x == 0 && a.wideInRange) { return .fromWide(r) }
        return .fromExtended(a.extendedValue / b.extendedValue)
    }

    static func rem(_ a: Number, _ b: Number) throws -> Number {
        guard a.isInteger, b.isInteger else { throw BuiltinError.failure("modulo on floating-point number") }
        if case .int(let x) = a, case .int(let y) = b {
            if y == 0 { throw BuiltinError.failure("modulo by zero") }
            if y == -1 { return .int(0) }
            return .int(x % y)
        }
        let x = a.exactBigInt!, y = b.exactBigInt!
        if y == 0 { throw BuiltinError.failure("modulo by zero") }
        return Number(x % y)
    }

    /// `sum`: exact when every element is an integer; otherwise one 64-bit float accumulation
    /// (no integer steps in between: `sum([0.5, 10^30, -3])` keeps 20 digits, as OPA's does).
    static func sum(_ items: [Number]) -> Number {
        var acc = 0
        var i = 0
        while i < items.count, case .int(let x) = items[i] {
            let (r, o) = acc.addingReportingOverflow(x)
            if o { break }
            acc = r
            i += 1
        }
        if i == items.count { return .int(acc) }
        if items.allSatisfy({ $0.exactBigInt != nil }) {
            return Number(items.reduce(BigInt(0)) { $0 + $1.exactBigInt! })
        }
        let r = items.reduce(WideFloat(0)) { $0 + $1.wideValue }
        // Out of Float80's range (an element or the sum): the extended path (rare).
        if r.isNormal || (r == 0 && items.allSatisfy(\.wideInRange)) { return .fromWide(r) }
        return .fromExtended(items.reduce(ExtendedFloat(0)) { $0 + $1.extendedValue })
    }

    /// `product`: exact when every element is an integer; otherwise OPA's accumulator is a
    /// 53-bit float (it starts from a float64 1) multiplied in turn by each element read at
    /// 64 bits, so order matters: `product([3, 74.801])` is 224.403 but
    /// `product([74.801, 3])` is 224.40300000000002. (The 64-bit product is rounded again to
    /// 53 bits here; OPA rounds once: a last-digit difference in rare ties.)
    static func product(_ items: [Number]) -> Number {
        var acc = 1
        var i = 0
        while i < items.count, case .int(let x) = items[i] {
            let (r, o) = acc.multipliedReportingOverflow(by: x)
            if o { break }
            acc = r
            i += 1
        }
        if i == items.count { return .int(acc) }
        if items.allSatisfy({ $0.exactBigInt != nil }) {
            return Number(items.reduce(BigInt(1)) { $0 * $1.exactBigInt! })
        }
        // Every step must stay a normal double (or an exact zero): a subnormal step has lost
        // mantissa bits that Go's big.Float keeps (`product([3, 5e-324, 1e308])`).
        var r = 1.0
        var normal = true
        for x in items {
            r = Double(WideFloat(r) * x.wideValue)
            if !r.isNormal && r != 0 { normal = false }
        }
        // A zero product is exact only with a zero factor.
        if normal && (r.isNormal || (r == 0 && items.contains { $0.wideValue == 0 && $0.wideInRange })) { return .fromDouble(r) }
        // Beyond double's range: the 53-bit accumulator keeps its exponent (Go's big.Float).
        let ext = items.reduce(ExtendedFloat(1)) { partial, x in
            let p = partial * x.extendedValue
            return ExtendedFloat(WideFloat(Double(p.f)), scale: p.scale)
        }
        if ext.isZero { return .fromDouble(0) }
        let (m, e) = ext.mantissa
        return .fromDigits(GoDigits.shortest(mantissa: m >> 11, exponent: e + 11), negative: ext.f.sign == .minus, integral: e >= 0)
    }

    /// `abs`: exact on `Int`, otherwise at 64-bit precision like the other operators
    /// (`abs(-123456789012345678901234567890)` keeps 20 digits, as OPA's does).
    static func abs(_ n: Number) -> Number {
        if case .int(let i) = n, i != Int.min { return .int(Swift.abs(i)) }
        let w = n.wideValue
        if w.isNormal || (w == 0 && n.wideInRange) { return .fromWide(Swift.abs(w)) }
        let x = n.extendedValue
        return .fromExtended(ExtendedFloat(Swift.abs(x.f), scale: x.scale))
    }

    /// round/ceil/floor: the 64-bit float rounded, as its exact integer value. OPA derives
    /// floor from the truncated integer's sign, so on (-1, 0) floor is 0 and ceil is 1; we
    /// reproduce that (`ceil(-0.5)` is 1 in OPA).
    static func round(_ n: Number, _ rule: FloatingPointRoundingRule) -> Number {
        if case .int = n { return n }
        var w = n.wideValue
        if !w.isNormal && !(w == 0 && n.wideInRange) {
            // Beyond Float80's range: huge values are integers already (the 64-bit float's own
            // digits), tiny ones round like any value in (-1, 1).
            let x = n.extendedValue
            let (m, e) = x.mantissa
            if !x.isZero && e >= 0 {
                let b = BigInt(m) << e
                return Number(x.f.sign == .minus ? -b : b)
            }
            w = x.isZero ? 0 : (x.f.sign == .minus ? -WideFloat.leastNonzeroMagnitude : WideFloat.leastNonzeroMagnitude)
        }
        switch rule {
        case .down, .up:
            let t = w.rounded(.towardZero)
            if t == w { return .exactInteger(t) }
            let floor = t < 0 ? t - 1 : t
            return .exactInteger(rule == .down ? floor : floor + 1)
        default:
            return .exactInteger(w.rounded(rule))
        }
    }
}
