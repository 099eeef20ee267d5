import BigInt

/// OPA computes non-integers with Go's big.Float: a 64-bit mantissa and a 32-bit exponent, so
/// `0.5 / 1e5000` is 5e-5001 and `1e5000 - 0.1` is 10^5000, far beyond `Float80`'s range
/// (about 1e±4932). `ExtendedFloat` is the slow path for those: a `WideFloat` significand in
/// [1, 2) (correctly rounded + - * / at 64 bits, as Float80 already gives) and an unbounded
/// binary exponent. Arithmetic takes it only when an operand or the Float80 result is out of
/// range, so ordinary numbers never see it.
struct ExtendedFloat {
    /// 0, or a magnitude in [1, 2) with the value's sign.
    var f: WideFloat
    var scale: Int

    init(_ x: WideFloat, scale: Int = 0) {
        guard x.isFinite, x != 0 else { f = x; self.scale = 0; return }
        f = WideFloat(sign: x.sign, exponent: 0, significand: x.significand)
        self.scale = scale + Int(x.exponent)
    }

    var isZero: Bool { f == 0 }

    static func * (a: ExtendedFloat, b: ExtendedFloat) -> ExtendedFloat {
        ExtendedFloat(a.f * b.f, scale: a.scale + b.scale)
    }

    static func / (a: ExtendedFloat, b: ExtendedFloat) -> ExtendedFloat {
        ExtendedFloat(a.f / b.f, scale: a.scale - b.scale)
    }

    static func + (a: ExtendedFloat, b: ExtendedFloat) -> ExtendedFloat {
        if a.isZero { return b }
        if b.isZero { return a }
        let (big, small) = a.scale >= b.scale ? (a, b) : (b, a)
        let d = big.scale - small.scale
        // Below a quarter ulp the smaller operand cannot change the rounded sum.
        if d > 80 { return big }
        let shifted = WideFloat(sign: small.f.sign, exponent: WideFloat.Exponent(-d), significand: small.f.significand)
        return ExtendedFloat(big.f + shifted, scale: big.scale)
    }

    static prefix func - (a: ExtendedFloat) -> ExtendedFloat { ExtendedFloat(-a.f, scale: a.scale) }

    /// The value as a Float80 if it is a normal one (or zero).
    var wide: WideFloat? {
        if isZero { return f }
        guard scale > Int(WideFloat.leastNormalMagnitude.exponent), scale <= Int(WideFloat.greatestFiniteMagnitude.exponent) else { return nil }
        return WideFloat(sign: f.sign, exponent: WideFloat.Exponent(scale), significand: f.significand)
    }

    /// The value truncated toward zero to an integer (Go's `big.Float.Int`).
    var truncated: BigInt {
        if isZero { return 0 }
        let (m, e) = mantissa
        let b = e >= 0 ? BigInt(m) << e : (e > -64 ? BigInt(m >> UInt64(-e)) : 0)
        return f.sign == .minus ? -b : b
    }

    /// The 64-bit mantissa (top bit set) and the exponent of its last bit.
    var mantissa: (UInt64, Int) {
        (UInt64(f.magnitude.significandBitPattern) | (UInt64(1) << 63), scale - 63)
    }
}

extension Number {
    /// The value at 64-bit precision with an unbounded exponent (read from the text when
    /// Float80 cannot hold it).
    var extendedValue: ExtendedFloat {
        let w = wideValue
        if w.isNormal { return ExtendedFloat(w) }
        if let b = exactBigInt {
            if b == 0 { return ExtendedFloat(w) }
            return ExtendedFloat.rounded(b.magnitude, sticky: false, shift: 0, negative: b.sign == .minus)
        }
        return ExtendedFloat.parse(description) ?? ExtendedFloat(w)
    }

    /// True when Float80 holds this number's value (normal or exactly zero).
    var wideInRange: Bool {
        let w = wideValue
        if w.isNormal { return true }
        return w == 0 && Number.compare(self, .int(0)) == 0
    }

    /// An arithmetic result computed in extended range: as `fromWide` when Float80 holds it,
    /// else integral values exact with Go's shortest digits, others wide with their text.
    static func fromExtended(_ x: ExtendedFloat) -> Number {
        if let w = x.wide { return fromWide(w) }
        let (m, e) = x.mantissa
        return fromDigits(GoDigits.shortest(mantissa: m, exponent: e), negative: x.f.sign == .minus, integral: e >= 0)
    }
}

extension Number {
    /// A result from Go's shortest digits: an exact integer, or a wide number with its text.
    static func fromDigits(_ d: (digits: [UInt8], point: Int), negative: Bool, integral: Bool) -> Number {
        let digits = String(decoding: d.digits, as: UTF8.self)
        if integral {
            var b = BigInt(digits) ?? 0
            if d.point > digits.utf8.count { b *= BigInt(10).power(d.point - digits.utf8.count) }
            return Number(negative ? -b : b)
        }
        return .wide(WideNumber(literal: WideFloat.resultText((negative, digits, d.point), integral: false)))
    }
}

extension ExtendedFloat {
    /// `magnitude × 2^-shift` rounded to 64 bits (to nearest, ties to even; `sticky` marks
    /// a nonzero remainder below the magnitude).
    static func rounded(_ magnitude: BigUInt, sticky: Bool, shift: Int, negative: Bool) -> ExtendedFloat {
        let width = magnitude.bitWidth
        var q = magnitude
        var exp = -shift
        if width > 64 {
            let cut = width - 64
            q = magnitude >> cut
            let r = magnitude - (q << cut)
            let half = BigUInt(1) << (cut - 1)
            if r > half || (r == half && (sticky || q[bitAt: 0])) { q += 1 }
            exp += cut
        }
        // q < 2^65; a Float80 holds it exactly unless it is 2^64 + something (then it rounds
        // to 2^64, which is the right result).
        let w = WideFloat(sign: negative ? .minus : .plus, exponent: 0, significand: WideFloat(q))
        return ExtendedFloat(w, scale: exp)
    }

    /// Decimal number text read at 64 bits with an unbounded exponent.
    static func parse(_ text: String) -> ExtendedFloat? {
        guard text.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }) else { return nil }
        let (negative, digits, point) = Number.decimalDigits(text)
        // Bounded work: beyond OPA's literal range (1e±30103) by a margin, give up (±Inf / 0).
        guard point > -40_000, point < 40_000 else { return nil }
        guard let d = BigUInt(digits), d != 0 else { return digits.allSatisfy({ $0 == "0" }) ? ExtendedFloat(0) : nil }
        return decimal(d, exponent: point - digits.count, negative: negative)
    }

    /// `d × 10^k` read at 64 bits (correctly rounded).
    static func decimal(_ d: BigUInt, exponent k: Int, negative: Bool) -> ExtendedFloat {
        if d == 0 { return ExtendedFloat(0) }
        if k >= 0 { return rounded(d * BigUInt(10).power(k), sticky: false, shift: 0, negative: negative) }
        let divisor = BigUInt(10).power(-k)
        let s = Swift.max(0, 66 + divisor.bitWidth - d.bitWidth)
        let (q, r) = (d << s).quotientAndRemainder(dividingBy: divisor)
        return rounded(q, sticky: r != 0, shift: s, negative: negative)
    }
}
