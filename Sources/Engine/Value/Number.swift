import BigInt

/// A Rego number. Integers that fit in 64 bits take the fast path; larger integers are exact
/// (`.big`, never holding a value that fits in `Int`); everything else is a binary float.
///
/// Equality and order are by numeric value across cases (`1 == 1.0`), and hashing agrees.
public enum Number: Sendable {
    case int(Int)
    /// Boxed (`indirect`): an inline BigInt is 33 bytes and would make every `Value` 40 bytes
    /// instead of 24 (values are the elements of every array and object).
    indirect case big(BigInt)
    case float(Double)

    /// A float; integral values up to 2^53 become `.int` so results print as OPA prints them
    /// (`1.5 * 2` is `3`, not `3.0`).
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
        case .big: return nil
        case .float(let d):
            guard d.rounded(.towardZero) == d, abs(d) < 9.2e18 else { return nil }
            return Int(d)
        }
    }

    /// The value as an exact big integer, if integral.
    public var exactBigInt: BigInt? {
        switch self {
        case .int(let i): return BigInt(i)
        case .big(let b): return b
        case .float(let d):
            guard d.isFinite, d.rounded(.towardZero) == d else { return nil }
            return BigInt(exactly: d)
        }
    }

    public var isInteger: Bool {
        switch self {
        case .int, .big: return true
        case .float(let d): return d.isFinite && d.rounded(.towardZero) == d
        }
    }

    public var doubleValue: Double {
        switch self {
        case .int(let i): return Double(i)
        case .big(let b): return Double(b)
        case .float(let d): return d
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
        // Exact when both are integral; otherwise through Double (big ints beyond 2^1023 are
        // out of float range anyway).
        if let x = a.exactBigInt, let y = b.exactBigInt { return x < y ? -1 : (x == y ? 0 : 1) }
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
        let text = abs(d).description  // e.g. "1234.5", "1e-05", "1.2345e+20", "5e-324"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...].replacingOccurrences(of: "+", with: ""))!
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = String(intPart) + String(fracPart)
        var point = intPart.count + exponent
        // Strip leading zeros (moving the point) and trailing zeros.
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (d < 0, digits, point)
    }
}

import Foundation
