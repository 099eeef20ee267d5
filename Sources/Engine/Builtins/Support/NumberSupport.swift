import BigInt

/// An integer obtained from a Rego number by truncation toward zero (Go's big.Float.Int),
/// for builtins that format or take integer parts.
struct BigIntText {
    let value: BigInt

    init(_ n: Number) {
        switch n {
        case .int(let i): value = BigInt(i)
        case .big(let b): value = b
        case .float(let d):
            if d.isFinite && d.magnitude >= 0x1p63, let w = WideFloat(Number.float(d).description), w.isFinite {
                // A JSON number read as a double (`1e+300`) came as that text: OPA reads it at
                // 64 bits, which differs from the double's integer beyond 2^63.
                value = BigInt(exactly: w.rounded(.towardZero)) ?? BigInt(d.rounded(.towardZero))
            } else {
                value = d.isFinite ? BigInt(d.rounded(.towardZero)) : 0
            }
        case .wide(let w): value = w.value.isFinite ? BigInt(exactly: w.value.rounded(.towardZero)) ?? 0 : 0
        // OPA reads the text at 64 bits (`format_int(1e400, 16)` shows that float's digits;
        // only plain integer text is exact).
        case .spelled(let s):
            let w = WideFloat(s.text) ?? 0
            if w.isFinite {
                value = BigInt(exactly: w.rounded(.towardZero)) ?? 0
            } else if let exact = s.value.exactBigInt {
                // Beyond Float80's range (`1e5000`): OPA's big.Float keeps the exponent.
                value = BigIntText.rounded64(exact)
            } else {
                value = 0
            }
        }
    }

    /// An integer rounded to 64 significant bits, to nearest, ties to even (Go's big.Float).
    static func rounded64(_ b: BigInt) -> BigInt {
        let m = b.magnitude
        let width = m.bitWidth
        guard width > 64 else { return b }
        let shift = width - 64
        var q = m >> shift
        let r = m - (q << shift)
        let half = BigUInt(1) << (shift - 1)
        if r > half || (r == half && q[bitAt: 0]) { q += 1 }
        let out = BigInt(q << shift)
        return b.sign == .minus ? -out : out
    }

    func format(radix: Int) -> String { String(value, radix: radix) }
}

extension Number {
    /// The exact integer value as a Number (normalising big values that fit).
    static func from(_ b: BigInt) -> Number { Number(b) }
}
