import BigInt
import Foundation

/// How far a number's text may reach (established against OPA).
///
/// OPA keeps numbers as text, so input JSON may spell any magnitude. Policy literals are read
/// as Go `big.Float` by the parser, which refuses a decimal exponent whose binary counterpart
/// overflows 32 bits ("invalid float") and, to bound later formatting costs, any value whose
/// binary exponent (value = m × 2^e, 0.5 ≤ m < 1) is beyond ±100000 ("number too big", about
/// 1e±30103), except values so small that they read as zero. We expand integral text into an
/// exact integer up to `expansionLimit` digits, which covers every literal OPA accepts.
extension Number {
    /// Integral JSON text with more digits than this stays text (a `.wide` literal: exact in
    /// comparison and printing, not in arithmetic), so a request cannot make the reader build
    /// huge integers. Policy literals (`literal(_:)`) are expanded up to OPA's own bound.
    static let expansionLimit = 5_000

    /// A policy number literal already accepted by `literalRangeError`: integral text is an exact
    /// integer at any size OPA accepts (`1e5000 % 7` is 2).
    public static func literal(_ text: String) -> Number? {
        guard let n = parse(text) else { return nil }
        guard case .wide(let w) = n, w.text == text, w.value.isInfinite else { return n }
        let (negative, digits, point) = decimalDigits(text)
        guard point >= digits.count, var b = BigInt(digits) else { return n }
        b *= BigInt(10).power(point - digits.count)
        return .spelled(SpelledNumber(value: Number(negative ? -b : b), text: text))
    }

    /// OPA's parse error for a policy number literal out of range, or nil when it is accepted.
    public static func literalRangeError(_ text: String) -> String? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") })
                || text.utf8.count > 30_000 else { return nil }
        var intDigits = Substring(text.hasPrefix("-") ? text.dropFirst() : Substring(text))
        var exponentText: Substring = "0"
        if let e = intDigits.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponentText = intDigits[intDigits.index(after: e)...]
            if exponentText.first == "+" { exponentText = exponentText.dropFirst() }
            intDigits = intDigits[..<e]
        }
        var fraction: Substring = ""
        if let dot = intDigits.firstIndex(of: ".") {
            fraction = intDigits[intDigits.index(after: dot)...]
            intDigits = intDigits[..<dot]
        }
        // Significant digits (value = 0.digits × 10^point).
        var all = Substring(String(intDigits) + String(fraction))
        var point = intDigits.count
        while all.first == "0" { all = all.dropFirst(); point -= 1 }
        if all.isEmpty { return nil }  // zero, whatever the exponent
        guard let exponent = Int64(exponentText) else { return "unexpected number token: invalid float" }
        // Go first places the binary exponent of the digits times 2^exp10 (exp10 = exponent
        // minus the fraction digits); it must fit in an Int32.
        let mantissaBits = Double(intDigits.count + fraction.count) * log2(10.0)
        let exp2 = Double(exponent) - Double(fraction.count) + mantissaBits
        if exp2 > Double(Int32.max) || exp2 < Double(Int32.min) { return "unexpected number token: invalid float" }
        // log2 of the value from its leading digits.
        let lead = Double("0." + all.prefix(17)) ?? 0.1
        let log2Value = (Double(point) + Double(exponent)) * log2(10.0) + log2(lead)
        let binaryExponent = log2Value.rounded(.down) + 1
        if binaryExponent < Double(Int32.min) { return nil }  // reads as zero
        if binaryExponent > 100_000 || binaryExponent < -100_000 { return "number too big" }
        return nil
    }
}
