import BigInt

/// units.parse (SI and binary suffixes, `m` = milli) and units.parse_bytes (case-insensitive,
/// truncated to an integer). Amounts are exact decimals, as OPA's big numbers.
enum UnitsBuiltins {
    /// A decimal amount as numerator / 10^scale.
    struct Decimal { var num: BigInt; var scale: Int }

    static func parseDecimal(_ s: Substring) throws -> Decimal? {
        // Accepts [-]digits[.digits][e[+-]digits].
        var text = s
        var exp = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let x = Int(text[text.index(after: e)...].replacingOccurrences(of: "+", with: "")) else { return nil }
            // Bounded so that "10e10000000Ei" fails instead of building a huge number.
            guard abs(x) <= 100_000 else { throw BuiltinError(.builtin, "exponent too large") }
            exp = x
            text = text[..<e]
        }
        var neg = false
        if text.hasPrefix("-") { neg = true; text = text.dropFirst() } else if text.hasPrefix("+") { text = text.dropFirst() }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, !text.isEmpty else { return nil }
        let intPart = parts[0], frac = parts.count == 2 ? parts[1] : ""
        guard (intPart + frac).allSatisfy({ $0.isASCII && $0.isNumber }), !(intPart + frac).isEmpty,
              var n = BigInt(String(intPart + frac)) else { return nil }
        if neg { n = -n }
        var scale = frac.count - exp
        if scale < 0 { n *= BigInt(10).power(-scale); scale = 0 }
        return Decimal(num: n, scale: scale)
    }

    static func number(_ d: Decimal, times mult: BigInt, dividedBy div: BigInt = 1, truncate: Bool) -> Number {
        let num = d.num * mult
        let den = BigInt(10).power(d.scale) * div
        let (q, r) = num.quotientAndRemainder(dividingBy: den)
        if r == 0 || truncate { return Number(q) }
        return fixed10(num, den)
    }

    /// A fraction as OPA prints it (Go's `big.Rat.FloatString(10)`): exactly 10 decimals, the
    /// last rounded half away from zero (`0.12345678905` → 0.1234567891, `1.5` → 1.5000000000).
    static func fixed10(_ num: BigInt, _ den: BigInt) -> Number {
        let scale = BigInt(10).power(10)
        let whole = num.magnitude.quotientAndRemainder(dividingBy: den.magnitude)
        let fraction = (whole.remainder * scale.magnitude).quotientAndRemainder(dividingBy: den.magnitude)
        var q = whole.quotient, f = fraction.quotient
        if fraction.remainder * 2 >= den.magnitude { f += 1 }
        if f == scale.magnitude { q += 1; f = 0 }
        let digits = String(f)
        let negative = (num.sign == .minus) != (den.sign == .minus)
        let text = (negative ? "-" : "") + String(q) + "." + String(repeating: "0", count: 10 - digits.count) + digits
        return Number.parse(text) ?? Number(Double(num) / Double(den))
    }

    /// Splits "1.5Ki" into amount text and unit (the unit starts at the first letter that
    /// cannot belong to the number). OPA checks the unit before it reads the amount, so the
    /// amount is parsed afterwards (`amount`): `".:A"` is `unit :a not recognized`.
    static func split(_ raw: String, _ name: String, what: String = "amount") throws -> (Substring, String) {
        // OPA drops every double quote, wherever it stands.
        let s = raw.contains("\"") ? raw.replacingOccurrences(of: "\"", with: "") : raw
        if s.contains(" ") { throw BuiltinError(.builtin, "\(name): spaces not allowed in resource strings") }
        var idx = s.startIndex
        while idx < s.endIndex {
            let c = s[idx]
            if (c.isASCII && c.isNumber) || c == "." || c == "-" || c == "+" { idx = s.index(after: idx); continue }
            // An exponent: e/E followed by a digit or sign+digit.
            if c == "e" || c == "E" {
                let n = s.index(after: idx)
                if n < s.endIndex, s[n].isNumber || ((s[n] == "+" || s[n] == "-") && s.index(after: n) < s.endIndex && s[s.index(after: n)].isNumber) {
                    idx = s.index(after: n)
                    continue
                }
            }
            break
        }
        let amount = s[..<idx]
        if amount.isEmpty { throw BuiltinError(.builtin, "\(name): no \(what) provided") }
        return (amount, String(s[idx...]))
    }

    /// The amount text `split` returned, as a number.
    static func amount(_ amount: Substring, _ name: String, what: String = "amount") throws -> Decimal {
        let parsed: Decimal?
        do { parsed = try parseDecimal(amount) } catch let e as BuiltinError {
            throw BuiltinError(.builtin, "\(name): \(e.message)")
        }
        guard let d = parsed else {
            throw BuiltinError(.builtin, "\(name): could not parse \(what) to a number")
        }
        return d
    }

    /// The unit as OPA's message shows it: first byte kept, the rest lowercased. A non-ASCII first
    /// character is thus split mid-sequence, each of its bytes printing as U+FFFD.
    static func messageUnit(_ unit: String) -> String {
        guard let first = unit.unicodeScalars.first else { return unit }
        let rest = String(unit.unicodeScalars.dropFirst()).lowercased()
        if first.isASCII { return String(first) + rest }
        return String(repeating: "\u{FFFD}", count: String(first).utf8.count) + rest
    }

    /// Suffixes compare case-insensitively, except that a lone `m` is milli and `M` mega.
    static let decimal: [String: Int] = ["k": 1, "m": 2, "g": 3, "t": 4, "p": 5, "e": 6]
    static let binary: [String: Int] = ["ki": 1, "mi": 2, "gi": 3, "ti": 4, "pi": 5, "ei": 6]

    static let builtins: [Builtin] = [
        Builtin("units.parse", arity: 1) { args, _ in
            let (text, unit) = try split(try args.string(0), "units.parse")
            let lower = unit.lowercased()
            guard unit.isEmpty || unit == "m" || decimal[lower] != nil || binary[lower] != nil else {
                throw BuiltinError(.builtin, "units.parse: unit \(messageUnit(unit)) not recognized")
            }
            let d = try amount(text, "units.parse")
            if unit.isEmpty { return .number(number(d, times: 1, truncate: false)) }
            if unit == "m" { return .number(number(d, times: 1, dividedBy: 1000, truncate: false)) }
            if let p = decimal[lower] { return .number(number(d, times: BigInt(1000).power(p), truncate: false)) }
            let p = binary[lower]!
            return .number(number(d, times: BigInt(1024).power(p), truncate: false))
        },
        Builtin("units.parse_bytes", arity: 1) { args, _ in
            let (text, unitRaw) = try split(try args.string(0), "units.parse_bytes", what: "byte amount")
            let unit = unitRaw.lowercased()
            let table: [String: BigInt] = [
                "": 1,
                "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024,
                "m": BigInt(1000).power(2), "mb": BigInt(1000).power(2), "mi": BigInt(1024).power(2), "mib": BigInt(1024).power(2),
                "g": BigInt(1000).power(3), "gb": BigInt(1000).power(3), "gi": BigInt(1024).power(3), "gib": BigInt(1024).power(3),
                "t": BigInt(1000).power(4), "tb": BigInt(1000).power(4), "ti": BigInt(1024).power(4), "tib": BigInt(1024).power(4),
                "p": BigInt(1000).power(5), "pb": BigInt(1000).power(5), "pi": BigInt(1024).power(5), "pib": BigInt(1024).power(5),
                "e": BigInt(1000).power(6), "eb": BigInt(1000).power(6), "ei": BigInt(1024).power(6), "eib": BigInt(1024).power(6),
            ]
            guard let mult = table[unit] else { throw BuiltinError(.builtin, "units.parse_bytes: byte unit \(unit) not recognized") }
            let d = try amount(text, "units.parse_bytes", what: "byte amount")
            // OPA reads the amount as a 64-bit big.Float, multiplies at that precision and
            // truncates (`12345678901234567890123` → 12345678901234567889920).
            let amount = ExtendedFloat.decimal(d.num.magnitude, exponent: -d.scale, negative: d.num.sign == .minus)
            return .number(Number((amount * ExtendedFloat.decimal(mult.magnitude, exponent: 0, negative: false)).truncated))
        },
    ]
}
