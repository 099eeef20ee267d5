import BigInt

#if arch(x86_64) || arch(i386)
/// OPA computes non-integer results with a 64-bit binary mantissa (Go's big.Float at its
/// default precision); on x86 `Float80` is exactly that, with correctly rounded + - * / and a
/// shortest round-trip `description`.
public typealias WideFloat = Float80
#else
/// Fallback where `Float80` does not exist: results carry a 53-bit mantissa, so inexact
/// results print with double's shortest digits (`1/3` → 0.3333333333333333, OPA: 20 digits).
public typealias WideFloat = Double
#endif

/// A number that is not an integer and not a short decimal: its 64-bit-mantissa value (for
/// arithmetic) and its decimal text (for output and exact comparison), which is the literal
/// as written or, for an arithmetic result, OPA's text for it.
public struct WideNumber: Sendable {
    public let value: WideFloat
    public let text: String

    /// An arithmetic result.
    init(result: WideFloat) {
        value = result
        text = result.resultText
    }

    /// A float64 result (OPA's `product` multiplies in float64): double's digits, result style.
    init(double d: Double) {
        value = WideFloat(d.description) ?? WideFloat(d)
        if d.isFinite && d != 0 {
            let (digits, point) = GoDigits.shortest(d)
            text = WideFloat.resultText((d < 0, digits, point), integral: false)
        } else {
            text = WideFloat(d).resultText
        }
    }

    /// A literal with more digits than a double holds (validated number text).
    init(literal: String) {
        value = WideFloat(literal) ?? 0
        text = literal
    }
}

extension Number {
    /// The value at 64-bit precision as OPA reads it: integers rounded from their exact value,
    /// a `.float` from its decimal text (so `0.1` is the 64-bit float nearest to 1/10, not the
    /// widened double).
    var wideValue: WideFloat {
        switch self {
        case .int(let i): return WideFloat(i)
        case .big(let b): return WideFloat(b.description) ?? (b.sign == .minus ? -.infinity : .infinity)
        case .float(let d):
            #if arch(x86_64) || arch(i386)
            guard d.isFinite else { return WideFloat(d) }
            return WideFloat(d.description) ?? WideFloat(d)
            #else
            return d
            #endif
        case .wide(let w): return w.value
        case .spelled(let s):
            // OPA reads the text: `-0` and `-0.0` are a negative zero to float arithmetic
            // (`-0 / 3.5` is -0).
            let w = s.value.wideValue
            return w == 0 && s.text.utf8.first == UInt8(ascii: "-") ? -w : w
        }
    }

    /// An arithmetic result: integral values become exact integers spelled as OPA prints them
    /// (the shortest digits, so `1e300 * 10` is 10^301), others stay wide.
    static func fromWide(_ r: WideFloat) -> Number {
        guard r.isFinite, r.rounded(.towardZero) == r else { return .wide(WideNumber(result: r)) }
        // A negative zero result prints as OPA prints it ("-0"); it is the integer 0.
        if r == 0 && r.sign == .minus { return .float(-0.0) }
        if abs(r) < 9_223_372_036_854_775_808 { return .int(Int(r)) }
        return Number(WideFloat.integerFromGoDigits(r))
    }

    /// A float64 result: integral values as the integer their shortest text spells, others wide.
    static func fromDouble(_ d: Double) -> Number {
        guard d.isFinite, d.rounded(.towardZero) == d else { return .wide(WideNumber(double: d)) }
        if d == 0 && d.sign == .minus { return .float(-0.0) }
        if abs(d) <= 9_007_199_254_740_992 { return .int(Int(d)) }
        return Number(WideFloat.integerFromGoDigits(d))
    }

    /// The exact integer value of a float, as OPA's rounding builtins return it (`ceil(1e400)`
    /// is the 64-bit float's own digits, not 10^400).
    static func exactInteger(_ r: WideFloat) -> Number {
        guard r.isFinite else { return .wide(WideNumber(result: r)) }
        if abs(r) < 9_223_372_036_854_775_808 { return .int(Int(r)) }
        return Number(BigInt(exactly: r) ?? 0)
    }

    /// Parses validated non-integer number text (`1.5`, `2e-3`, `1e400`). Integral values are
    /// exact integers; short decimals are doubles; the rest are wide.
    static func parseDecimal(_ text: UnsafeBufferPointer<UInt8>) -> Number {
        // One pass without allocating (JSON input floats take this path): the count of
        // significant digits and the decimal point's position (value = 0.d1d2… × 10^point).
        var negative = false
        var significant = 0, trailingZeros = 0, point = 0, i = 0, seenDot = false
        if i < text.count, text[i] == UInt8(ascii: "-") { negative = true; i += 1 }
        while i < text.count {
            let c = text[i]
            if c == UInt8(ascii: ".") { seenDot = true; i += 1; continue }
            guard c >= 0x30, c <= 0x39 else { break }
            i += 1
            if significant == 0 && c == 0x30 {
                if seenDot { point -= 1 }
                continue
            }
            significant += 1
            if !seenDot { point += 1 }
            trailingZeros = c == 0x30 ? trailingZeros + 1 : 0
        }
        let mantissaEnd = i
        var exponent = 0
        if i < text.count {  // e / E
            i += 1
            var expNegative = false
            if text[i] == UInt8(ascii: "-") { expNegative = true; i += 1 } else if text[i] == UInt8(ascii: "+") { i += 1 }
            while i < text.count {
                if exponent < 1_000_000_000 { exponent = exponent * 10 + Int(text[i] &- 0x30) }
                i += 1
            }
            if expNegative { exponent = -exponent }
        }
        let count = significant - trailingZeros
        if count == 0 { return .spelling(.int(0), text) }
        point += exponent
        let string = { String(decoding: text, as: UTF8.self) }
        if point >= count {
            // Integral. Short spellings stay doubles (which print `1e+21` back as written);
            // the rest are exact, bounded so 1e999999999 cannot allocate a huge integer (beyond
            // the bound the text stays, exact in comparison and printing; Number+Range.swift).
            // Integral text always has a fraction or an exponent here: keep it unless it is how
            // the value prints (`1e+21`).
            if count <= 15, point <= 308, let d = Double(string()) { return .spelling(Number(d), text) }
            guard point <= expansionLimit else { return .wide(WideNumber(literal: string())) }
            var digits = String(decoding: text[..<mantissaEnd].filter { $0 >= 0x30 && $0 <= 0x39 }, as: UTF8.self)
            while digits.hasPrefix("0") { digits.removeFirst() }
            digits = String(digits.prefix(count))
            var b = BigInt(digits)!
            if point > count { b *= BigInt(10).power(point - count) }
            // Plain digits never reach here, so the text differs from how `b` prints (and
            // printing a big integer to check would cost more than building it).
            return .spelled(SpelledNumber(value: Number(negative ? -b : b), text: string()))
        }
        if count <= 15, point > -300, point < 300, let d = Double(string()) {
            // The double prints its (at most 15) digits back; the text differs only with an
            // exponent, trailing fraction zeros (`1.50`) or below 1e-4 (printed `1e-05`).
            if mantissaEnd == text.count, text[text.count - 1] != 0x30, point >= -3 { return .float(d) }
            return .spelling(.float(d), text)
        }
        return .wide(WideNumber(literal: string()))
    }
}

extension WideFloat {
    /// The integer a float's shortest text spells, e.g. `1e+301` → 10^301.
    static func integerFromShortestText(_ description: String) -> BigInt {
        let (negative, digits, point) = Number.decimalDigits(description)
        var b = BigInt(digits) ?? 0
        if point > digits.count { b *= BigInt(10).power(point - digits.count) }
        return negative ? -b : b
    }

    /// The integer an integral float's Go shortest text spells (1e300 × 10 → 10^301).
    static func integerFromGoDigits<F: BinaryFloatingPoint>(_ x: F) -> BigInt {
        let (digits, point) = GoDigits.shortest(x)
        var b = BigInt(digits) ?? 0
        if point > digits.count { b *= BigInt(10).power(point - digits.count) }
        return x < 0 ? -b : b
    }

    /// OPA's text for a non-integral result (Go's `big.Float.Text('g', -1)`): shortest digits,
    /// exponent form when the decimal exponent is below -4 or at least 6 (`1.2345675e+06`).
    var resultText: String {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Inf" : "+Inf" }
        if self == 0 { return "0" }
        let (digits, point) = GoDigits.shortest(self)
        return WideFloat.resultText((self < 0, digits, point), integral: rounded(.towardZero) == self)
    }

    static func resultText(_ decimal: (negative: Bool, digits: String, point: Int), integral: Bool) -> String {
        let (negative, digits, point) = decimal
        let sciExp = point - 1
        var out = negative ? "-" : ""
        if integral {
            out += digits + String(repeating: "0", count: Swift.max(0, point - digits.count))
        } else if sciExp < -4 || sciExp >= 6 {
            out.append(digits.first!)
            if digits.count > 1 {
                out.append(".")
                out.append(contentsOf: digits.dropFirst())
            }
            out += sciExp < 0 ? "e-" : "e+"
            let e = Swift.abs(sciExp)
            if e < 10 { out.append("0") }
            out += String(e)
        } else if point <= 0 {
            out += "0." + String(repeating: "0", count: -point) + digits
        } else {
            let idx = digits.index(digits.startIndex, offsetBy: point)
            out += digits[..<idx] + "." + digits[idx...]
        }
        return out
    }
}

extension Number {
    /// Exact order of two finite decimal texts (`0.33333333333333333334` < `0.33333333333333333335`).
    static func compareDecimal(_ a: String, _ b: String) -> Int {
        if a.hasSuffix("Inf") || b.hasSuffix("Inf") || a == "NaN" || b == "NaN" {
            let x = Double(a) ?? .nan, y = Double(b) ?? .nan
            return x < y ? -1 : (x == y ? 0 : 1)
        }
        let x = decimalDigits(a), y = decimalDigits(b)
        let xs = x.digits == "0" ? 0 : (x.negative ? -1 : 1)
        let ys = y.digits == "0" ? 0 : (y.negative ? -1 : 1)
        if xs != ys || xs == 0 { return xs < ys ? -1 : (xs == ys ? 0 : 1) }
        // Same sign: magnitudes by decimal point position, then digit by digit (no trailing
        // zeros, so a proper prefix is the smaller).
        var magnitude: Int
        if x.point != y.point {
            magnitude = x.point < y.point ? -1 : 1
        } else {
            magnitude = x.digits == y.digits ? 0 : (x.digits.utf8.lexicographicallyPrecedes(y.digits.utf8) ? -1 : 1)
        }
        return xs < 0 ? -magnitude : magnitude
    }

    /// Sign, significant digits and decimal point position (value = 0.digits × 10^point) of a
    /// float's `description` ("1234.5", "1e-05", "1.2345e+20", "-0.1").
    static func decimalDigits(_ text: String) -> (negative: Bool, digits: String, point: Int) {
        var body = Substring(text)
        let negative = body.first == "-"
        if negative { body = body.dropFirst() }
        var mantissa = body
        var exponent = 0
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = body[..<e]
            var expText = body[body.index(after: e)...]
            if expText.first == "+" { expText = expText.dropFirst() }
            exponent = Int(expText) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(intPart) + String(fracPart)
        var point = intPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (negative, digits, point)
    }
}
