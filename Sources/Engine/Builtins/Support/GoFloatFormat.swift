#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Go's strconv.FormatFloat for the verbs sprintf needs ('e', 'f', 'g' and %v's shortest 'g').
/// Fixed-precision digits come from C's correctly rounded printf; shortest digits from Swift's
/// shortest round-trip printer (the same digits Go picks).
enum GoFloatFormat {
    /// Decimal digits of |d| and the decimal point position: value = 0.digits × 10^dp.
    struct Digits { var digits: [UInt8]; var dp: Int }

    static func cFormat(_ d: Double, _ spec: String, _ prec: Int) -> String {
        var buf = [CChar](repeating: 0, count: 400 + max(prec, 0))
        let n = withVaList([Int32(prec), d]) { va in
            buf.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, spec, va) }
        }
        if n >= buf.count {
            buf = [CChar](repeating: 0, count: Int(n) + 1)
            _ = withVaList([Int32(prec), d]) { va in
                buf.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, spec, va) }
            }
        }
        return String(cString: buf)
    }

    static func shortest(_ d: Double) -> Digits {
        if d == 0 { return Digits(digits: [UInt8(ascii: "0")], dp: 1) }
        let (_, digits, dp) = Number.shortestDigits(d)
        return Digits(digits: Array(digits.utf8), dp: dp)
    }

    /// |d| rounded to `n` significant digits, trailing zeros trimmed (Go's decimal type).
    static func significant(_ d: Double, _ n: Int) -> Digits {
        if d == 0 { return Digits(digits: [UInt8(ascii: "0")], dp: 1) }
        let s = cFormat(abs(d), "%.*e", max(n - 1, 0))  // d.ddde±XX
        let parts = s.split(separator: "e")
        var digits = Array(parts[0].utf8.filter { $0 != UInt8(ascii: ".") })
        let exp = Int(parts[1])!
        while digits.count > 1 && digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return Digits(digits: digits, dp: exp + 1)
    }

    /// Formats |d| (sign handled by the caller) for verb e/E/f/F/g/G; `prec` -1 = shortest.
    static func format(_ d: Double, verb: Character, prec: Int) -> String {
        let a = abs(d)
        switch verb {
        case "x", "X":
            let s = hex(a, prec: prec)
            return verb == "X" ? s.uppercased() : s
        case "f", "F":
            return cFormat(a, "%.*f", prec < 0 ? 6 : prec)
        case "e", "E":
            if prec < 0 {
                let s = fmtE(shortest(a), prec: -1)
                return verb == "E" ? s.uppercased() : s
            }
            let s = cFormat(a, "%.*e", prec)
            return verb == "E" ? s.uppercased() : s
        default:  // g, G
            var p = prec
            let digs: Digits
            let isShortest = prec < 0
            if isShortest {
                digs = shortest(a)
                p = digs.digits.count
            } else {
                if p == 0 { p = 1 }
                digs = significant(a, p)
            }
            var eprec = p
            if eprec > digs.digits.count && digs.digits.count >= digs.dp { eprec = digs.digits.count }
            if isShortest { eprec = 6 }
            let exp = digs.dp - 1
            var out: String
            if exp < -4 || exp >= eprec {
                if p > digs.digits.count { p = digs.digits.count }
                out = fmtE(digs, prec: p - 1)
            } else {
                if p > digs.dp { p = digs.digits.count }
                out = fmtF(digs, prec: max(p - digs.dp, 0))
            }
            return verb == "G" ? out.uppercased() : out
        }
    }

    static func fmtE(_ d: Digits, prec: Int) -> String {
        var out = ""
        let ch = d.digits.isEmpty ? UInt8(ascii: "0") : d.digits[0]
        out.unicodeScalars.append(Unicode.Scalar(ch))
        let p = prec < 0 ? d.digits.count - 1 : prec
        if p > 0 {
            out.append(".")
            var i = 1
            let m = min(d.digits.count, p + 1)
            while i < m { out.unicodeScalars.append(Unicode.Scalar(d.digits[i])); i += 1 }
            while i <= p { out.append("0"); i += 1 }
        }
        out.append("e")
        var exp = d.dp - 1
        if d.digits.first == UInt8(ascii: "0") { exp = 0 }
        if exp < 0 { out.append("-"); exp = -exp } else { out.append("+") }
        if exp < 10 { out.append("0") }
        out.append(String(exp))
        return out
    }

    static func fmtF(_ d: Digits, prec: Int) -> String {
        var out = ""
        if d.dp > 0 {
            var m = min(d.digits.count, d.dp)
            for i in 0..<m { out.unicodeScalars.append(Unicode.Scalar(d.digits[i])) }
            while m < d.dp { out.append("0"); m += 1 }
        } else {
            out.append("0")
        }
        if prec > 0 {
            out.append(".")
            for i in 1...prec {
                let j = d.dp + i - 1
                let ch = j < 0 || j >= d.digits.count ? UInt8(ascii: "0") : d.digits[j]
                out.unicodeScalars.append(Unicode.Scalar(ch))
            }
        }
        return out
    }

    /// Go's `%x` of a float64 magnitude: `0x1.3333333333333p-02` (shortest hex digits, or
    /// `prec` of them rounded half to even), exponent with at least two digits.
    static func hex(_ a: Double, prec: Int) -> String {
        var mant: UInt64 = 0
        var exp = 0
        if a != 0 {
            // Leading 1 at bit 60.
            mant = UInt64(a.significandBitPattern) | (UInt64(1) << 52)
            exp = Int(a.exponent)
            if !a.isNormal { mant = UInt64(a.significandBitPattern); exp = Int(Double.leastNormalMagnitude.exponent) }
            mant <<= 8
            while mant & (UInt64(1) << 60) == 0 { mant <<= 1; exp -= 1 }
        }
        if prec >= 0 && prec < 15 {
            let shift = UInt64(prec * 4)
            let extra = (mant << shift) & ((UInt64(1) << 60) - 1)
            mant >>= 60 - shift
            if extra | (mant & 1) > UInt64(1) << 59 { mant += 1 }
            mant <<= 60 - shift
            if mant & (UInt64(1) << 61) != 0 { mant >>= 1; exp += 1 }
        }
        let digits = Array("0123456789abcdef")
        var out = "0x" + String((mant >> 60) & 1)
        mant <<= 4
        if prec < 0 && mant != 0 {
            out += "."
            while mant != 0 { out.append(digits[Int((mant >> 60) & 15)]); mant <<= 4 }
        } else if prec > 0 {
            out += "."
            for _ in 0..<prec { out.append(digits[Int((mant >> 60) & 15)]); mant <<= 4 }
        }
        let e = Swift.abs(exp)
        out += exp < 0 ? "p-" : "p+"
        if e < 10 { out += "0" }
        return out + String(e)
    }
}

extension GoFloatFormat {
    /// Go's `strconv.FormatFloat(|d|, 'b', -1, 64)`: the integer mantissa and the binary
    /// exponent (`1.5` → `6755399441055744p-52`).
    static func binaryExponent(_ d: Double) -> String {
        let bits = d.bitPattern
        var exp = Int((bits >> 52) & 0x7FF)
        var mant = bits & ((1 << 52) - 1)
        if exp == 0 { exp = 1 } else { mant |= 1 << 52 }
        exp += -1023 - 52
        return String(mant) + "p" + (exp >= 0 ? "+" : "") + String(exp)
    }

    /// The `#` flag on a float (Go's fmt): always a decimal point, and for %g/%G/%v (and
    /// lowercase %x, as Go has it) trailing zeros up to the precision (6 when none is given),
    /// counted from the first nonzero character.
    static func sharpForm(_ body: String, verb: Character, prec: Int) -> String {
        var digits = 0
        if verb == "g" || verb == "G" || verb == "x" { digits = prec == -1 ? 6 : prec }
        var num = Array(body.utf8)
        var tail: [UInt8] = []
        var hasDecimalPoint = false, sawNonzeroDigit = false
        var i = 0
        scan: while i < num.count {
            let c = num[i]
            switch c {
            case UInt8(ascii: "."):
                hasDecimalPoint = true
            case UInt8(ascii: "p"), UInt8(ascii: "P"):
                tail = Array(num[i...]); num.removeSubrange(i...); break scan
            case UInt8(ascii: "e"), UInt8(ascii: "E") where verb != "x" && verb != "X":
                tail = Array(num[i...]); num.removeSubrange(i...); break scan
            default:
                if c != UInt8(ascii: "0") { sawNonzeroDigit = true }
                if sawNonzeroDigit { digits -= 1 }
            }
            i += 1
        }
        if !hasDecimalPoint {
            if num.count == 1 && num[0] == UInt8(ascii: "0") { digits -= 1 }
            num.append(UInt8(ascii: "."))
        }
        if digits > 0 { num += [UInt8](repeating: UInt8(ascii: "0"), count: digits) }
        return String(decoding: num + tail, as: UTF8.self)
    }
}
