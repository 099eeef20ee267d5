import BigInt

/// An integer obtained from a Rego number by truncation toward zero (Go's big.Float.Int),
/// for builtins that format or take integer parts.
struct BigIntText {
    let value: BigInt

    init(_ n: Number) {
        switch n {
        case .int(let i): value = BigInt(i)
        case .big(let b): value = b
        case .float(let d): value = d.isFinite ? BigInt(d.rounded(.towardZero)) : 0
        case .wide(let w): value = w.value.isFinite ? BigInt(exactly: w.value.rounded(.towardZero)) ?? 0 : 0
        // OPA reads the text at 64 bits (`format_int(1e400, 16)` shows that float's digits;
        // only plain integer text is exact).
        case .spelled(let s):
            let w = WideFloat(s.text) ?? 0
            value = w.isFinite ? BigInt(exactly: w.rounded(.towardZero)) ?? 0 : 0
        }
    }

    func format(radix: Int) -> String { String(value, radix: radix) }
}

extension Number {
    /// The exact integer value as a Number (normalising big values that fit).
    static func from(_ b: BigInt) -> Number { Number(b) }
}
