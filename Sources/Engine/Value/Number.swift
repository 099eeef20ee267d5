import BigInt

/// A Rego number, modelled on OPA's (numbers are decimal text; arithmetic is exact on integers
/// and otherwise runs in binary floating point with a 64-bit mantissa). See docs/values.md.
///
/// Invariants (every constructor keeps them, so each value has one representation):
/// - integral values are `.int` when they fit in `Int`, else `.big`, except a `.float` beyond
///   2^53 (a short literal like `1e+21`, or a float64 from a builtin), kept for its spelling;
///   its value is the integer its shortest text spells (`exactBigInt`), as in OPA;
/// - `.float` holds a non-integral number read from text (policy literal, JSON) with at most
///   15 significant digits, so the double's shortest text is the number as written;
/// - `.wide` holds every other non-integral number: results of arithmetic (OPA prints those
///   with the digits of a 64-bit-mantissa float) and literals with more digits than a double
///   (kept as written; their 64-bit value may happen to be integral).
///
/// Equality and order are by numeric value across cases (`1 == 1.0`), and hashing agrees.
public enum Number: Sendable {
    case int(Int)
    /// Boxed (`indirect`): an inline BigInt is 33 bytes and would make every `Value` 40 bytes
    /// instead of 24 (values are the elements of every array and object).
    indirect case big(BigInt)
    case float(Double)
    /// Boxed like `.big` (`Float80` is 16 bytes with 16-byte alignment).
    indirect case wide(WideNumber)
    /// A literal or JSON number written other than as its value prints (`5.0`, `1e2`, `-0`,
    /// `1.50`): the value in one of the other cases plus the text, which OPA keeps until
    /// arithmetic touches the number. Boxed and rare; every operation but printing (and the
    /// few builtins that read the text) sees `value`. See Number+Spelling.swift.
    indirect case spelled(SpelledNumber)

    /// A float (from a short literal or a builtin); integral values up to 2^53 become `.int`
    /// so results print as OPA prints them (`1.5 * 2` is `3`, not `3.0`).
    public init(_ d: Double) {
        if d.rounded(.towardZero) == d, abs(d) <= 9_007_199_254_740_992 {
            self = .int(Int(d))
        } else {
            self = .float(d)
        }
    }

    /// Normalises a big integer to `.int` when it fits.
    public init(_ b: BigInt) {
        if let i = Int(exactly: b) { self = .int(i) } else { self = .big(b) }
    }

    /// The value as an `Int` if it is integral and fits.
    @inlinable
    public var exactInt: Int? {
        switch self {
        case .int(let i): return i
        case .big, .wide: return nil
        case .float(let d):
            guard d.rounded(.towardZero) == d, abs(d) < 9.2e18 else { return nil }
            if abs(d) <= 9_007_199_254_740_992 { return Int(d) }
            return Number.spelledInt(d)
        case .spelled(let s): return s.value.exactInt
        }
    }

    /// The `Int` a big integral double's shortest text spells (rare: not inlined).
    @usableFromInline
    static func spelledInt(_ d: Double) -> Int? { Int(exactly: WideFloat.integerFromShortestText(d.description)) }

    /// The value as an exact big integer, if integral.
    public var exactBigInt: BigInt? {
        switch self {
        case .int(let i): return BigInt(i)
        case .big(let b): return b
        case .float(let d):
            guard d.isFinite, d.rounded(.towardZero) == d else { return nil }
            if abs(d) <= 9_007_199_254_740_992 { return BigInt(Int(d)) }
            // Beyond 2^53 the value is the integer the text spells: 1e23 is 10^23 exactly.
            return WideFloat.integerFromShortestText(d.description)
        case .wide: return nil
        case .spelled(let s): return s.value.exactBigInt
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int, .big: return true
        case .float(let d): return d.isFinite && d.rounded(.towardZero) == d
        case .wide: return false
        case .spelled(let s): return s.value.isInteger
        }
    }

    public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .big(let b): return Double(b)
        case .float(let d): return d
        case .wide(let w): return Double(w.value)
        case .spelled(let s): return s.value.doubleValue
        }
    }

    /// Three-way numeric comparison.
    @inlinable
    public static func compare(_ a: Number, _ b: Number) -> Int {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.float(let x), .float(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        default: return compareSlow(a, b)
        }
    }

    @usableFromInline
    static func compareSlow(_ a: Number, _ b: Number) -> Int {
        // The spelling never matters: `1.0 == 1`, `1e2 == 100`.
        if case .spelled(let s) = a { return compare(s.value, b) }
        if case .spelled(let s) = b { return compare(a, s.value) }
        // Exact when both are integral; with a wide operand, exact on the decimal texts (as
        // OPA compares); otherwise through Double (a non-integral `.float` is below 2^52, so a
        // big integer's rounding cannot reorder).
        if let x = a.exactBigInt, let y = b.exactBigInt { return x < y ? -1 : (x == y ? 0 : 1) }
        if case .wide = a { return compareDecimal(a.description, b.description) }
        if case .wide = b { return compareDecimal(a.description, b.description) }
        // A big integer against a fraction: beyond double's range the double is ±Inf, so the
        // decimal texts decide (rare).
        if case .big = a { return compareDecimal(a.description, b.description) }
        if case .big = b { return compareDecimal(a.description, b.description) }
        let x = a.doubleValue, y = b.doubleValue
        return x < y ? -1 : (x == y ? 0 : 1)
    }

}

extension Number: Equatable, Hashable, Comparable {
    @inlinable
    public static func == (a: Number, b: Number) -> Bool {
        if case .int(let x) = a, case .int(let y) = b { return x == y }
        return compare(a, b) == 0
    }

    public static func < (a: Number, b: Number) -> Bool { compare(a, b) < 0 }

    public func hash(into hasher: inout Hasher) {
        // Equal numbers must hash equally across cases.
        switch self {
        case .int(let i): hasher.combine(i)
        case .big(let b): hasher.combine(Double(b))
        case .float(let d):
            if let i = exactInt { hasher.combine(i) } else { hasher.combine(d) }
        // Equal to a `.float` only with the same decimal text, which parses to that double.
        case .wide(let w): hasher.combine(Double(w.text) ?? Double(w.value))
        case .spelled(let s): s.value.hash(into: &hasher)
        }
    }
}

extension Number: CustomStringConvertible {
    /// OPA's text for a number: integers in full, floats as Go's `%g` with the shortest
    /// round-trip digits (exponent form below 1e-4 and from 1e21 up, as `big.Float.Text('g', -1)`
    /// does for values OPA computes).
    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .big(let b): return b.description
        case .float(let d): return Number.formatFloat(d)
        case .wide(let w): return w.text
        case .spelled(let s): return s.text
        }
    }

    /// Formats a double like Go's `strconv.FormatFloat(d, 'g', -1, 64)` but switching to
    /// exponent form only where JSON readers expect it (OPA prints `1e+21`, `1e-05`).
    static func formatFloat(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        let (negative, digits, exp10) = shortestDigits(d)
        // exp10: value = 0.d1d2d3... × 10^exp10  →  decimal point position.
        let sciExp = exp10 - 1
        var out = negative ? "-" : ""
        if sciExp < -4 || sciExp >= 21 {
            out.append(digits.first!)
            if digits.count > 1 {
                out.append(".")
                out.append(contentsOf: digits.dropFirst())
            }
            out.append("e")
            out.append(sciExp < 0 ? "-" : "+")
            let e = abs(sciExp)
            if e < 10 { out.append("0") }
            out.append(String(e))
        } else if exp10 <= 0 {
            out.append("0.")
            out.append(String(repeating: "0", count: -exp10))
            out.append(contentsOf: digits)
        } else if exp10 >= digits.count {
            out.append(contentsOf: digits)
            out.append(String(repeating: "0", count: exp10 - digits.count))
        } else {
            let idx = digits.index(digits.startIndex, offsetBy: exp10)
            out.append(contentsOf: digits[..<idx])
            out.append(".")
            out.append(contentsOf: digits[idx...])
        }
        return out
    }

    /// Shortest round-trip decimal digits of `d` (from Swift's own shortest printer) and the
    /// position of the decimal point.
    static func shortestDigits(_ d: Double) -> (Bool, String, Int) {
        let (_, digits, point) = decimalDigits(abs(d).description)
        return (d < 0, digits, point)
    }
}
