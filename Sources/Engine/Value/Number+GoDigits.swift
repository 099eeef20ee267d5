import BigInt

/// The shortest decimal digits of a binary float as Go's `big.Float.Text(_, -1)` chooses them,
/// which OPA's number text comes from. Go walks the digits of the value and of its half-ulp
/// bounds and stops at the first position where it may round; that is not always the nearest
/// shortest decimal (the 64-bit float 592857142857142856768 prints as …856760, where Swift's
/// shortest printer says …856770), so we reproduce the walk.
enum GoDigits {
    /// Significant digits and decimal point position (value = 0.digits × 10^point) of
    /// `mantissa × 2^exponent` (mantissa > 0, exponent of its least significant bit).
    static func shortest(mantissa: UInt64, exponent: Int) -> (digits: [UInt8], point: Int) {
        let m = BigUInt(mantissa)
        // Scale by 2 so the half-ulp bounds are integers: value = 2m × 2^(exponent-1).
        var d = decimal(m << 1, exponent - 1)
        let lower = decimal((m << 1) - 1, exponent - 1)
        let upper = decimal((m << 1) + 1, exponent - 1)
        // Ties round to even, so the bounds are reachable only for an even mantissa.
        let inclusive = mantissa & 1 == 0
        // The bounds share the value's point position unless a bound crosses a power of ten;
        // align them digit-wise on the value's point.
        func at(_ x: (digits: [UInt8], point: Int), _ i: Int) -> UInt8 {
            let j = i - (d.point - x.point)
            return j >= 0 && j < x.digits.count ? x.digits[j] : 0x30
        }
        let lowerLen = lower.digits.count + (d.point - lower.point)
        let upperLen = upper.digits.count + (d.point - upper.point)
        for i in 0..<d.digits.count {
            let l = at(lower, i), u = at(upper, i), c = d.digits[i]
            let okDown = l != c || (inclusive && i + 1 == lowerLen)
            let okUp = c != u && (inclusive || c + 1 < u || i + 1 < upperLen)
            if okDown && okUp { round(&d, i + 1, up: shouldRoundUp(d.digits, i + 1)); break }
            if okDown { round(&d, i + 1, up: false); break }
            if okUp { round(&d, i + 1, up: true); break }
        }
        return d
    }

    /// Shortest digits and point of a finite non-zero `WideFloat` or `Double`.
    static func shortest<F: BinaryFloatingPoint>(_ x: F) -> (digits: String, point: Int) {
        let a = x.magnitude
        var mantissa = UInt64(a.significandBitPattern)
        var exponent = Int(a.exponent) - F.significandBitCount
        if a.isNormal {
            // Float80 stores its integer bit explicitly; Double's is implicit.
            if F.significandBitCount < 63 { mantissa |= UInt64(1) << UInt64(F.significandBitCount) }
            else { mantissa |= UInt64(1) << 63 }
        } else {
            exponent = Int(F.leastNormalMagnitude.exponent) - F.significandBitCount
        }
        // Keep every mantissa bit: the bounds are half an ulp at the float's full precision.
        let (digits, point) = shortest(mantissa: mantissa, exponent: exponent)
        return (String(decoding: digits, as: UTF8.self), point)
    }

    /// Exact decimal expansion of n × 2^e, trailing zeros trimmed.
    private static func decimal(_ n: BigUInt, _ e: Int) -> (digits: [UInt8], point: Int) {
        var text: String
        var point: Int
        if e >= 0 {
            text = (n << e).description
            point = text.utf8.count
        } else {
            text = (n * BigUInt(5).power(-e)).description
            point = text.utf8.count + e
        }
        var digits = Array(text.utf8)
        while digits.count > 1 && digits.last == 0x30 { digits.removeLast() }
        return (digits, point)
    }

    /// Go's rule for rounding to nearest at n digits: up from 5, and a final lone 5 to even.
    private static func shouldRoundUp(_ digits: [UInt8], _ n: Int) -> Bool {
        guard n < digits.count else { return false }
        if digits[n] == 0x35 && n + 1 == digits.count { return n > 0 && (digits[n - 1] - 0x30) & 1 != 0 }
        return digits[n] >= 0x35
    }

    private static func round(_ d: inout (digits: [UInt8], point: Int), _ n: Int, up: Bool) {
        guard n < d.digits.count else { return }
        d.digits.removeSubrange(n...)
        if up {
            var i = n - 1
            while i >= 0 && d.digits[i] == 0x39 { i -= 1 }
            if i < 0 {
                d.digits = [0x31]
                d.point += 1
            } else {
                d.digits[i] += 1
                d.digits.removeSubrange((i + 1)...)
            }
        }
        while d.digits.count > 1 && d.digits.last == 0x30 { d.digits.removeLast() }
    }
}
