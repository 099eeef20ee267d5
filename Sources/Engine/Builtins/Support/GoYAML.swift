import BigInt
import Yams

/// YAML as OPA reads and writes it: go-yaml v2 (YAML 1.1 plain-scalar resolution: `yes`/`on`/`y`
/// are booleans, `0x1F` an int, `1:20` needs quoting) behind sigs.k8s.io/yaml's JSON
/// conversion (non-string keys become strings). Parsing and emitting go through Yams' libyaml.
enum GoYAML {
    enum Resolved {
        case null, bool(Bool), int(Number), float(Double), string(String)
    }

    static let trues: Set<String> = ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"]
    static let falses: Set<String> = ["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"]

    /// go-yaml v2's resolve() for a plain scalar.
    static func resolve(_ s: String) -> Resolved {
        switch s {
        case "", "~", "null", "Null", "NULL": return .null
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        default: break
        }
        if trues.contains(s) { return .bool(true) }
        if falses.contains(s) { return .bool(false) }
        guard let first = s.unicodeScalars.first, "+-.0123456789".unicodeScalars.contains(first) else { return .string(s) }
        let plain = s.replacingOccurrences(of: "_", with: "")
        if let n = parseGoInt(plain) { return .int(n) }
        // strconv.ParseFloat fails on overflow (1e400), so go-yaml keeps such a scalar as a string.
        if isYAMLFloat(plain), let d = Double(plain), d.isFinite { return .float(d) }
        return .string(s)
    }

    /// strconv.ParseInt(s, 0, 64) and ParseUint (sign, 0x/0o/0b prefixes, leading-0 octal).
    static func parseGoInt(_ s: String) -> Number? {
        var t = Substring(s)
        var neg = false
        if t.hasPrefix("+") || t.hasPrefix("-") { neg = t.first == "-"; t = t.dropFirst() }
        guard !t.isEmpty else { return nil }
        var radix = 10
        let lower = t.lowercased()
        if lower.hasPrefix("0x") { radix = 16; t = t.dropFirst(2) } else if lower.hasPrefix("0o") { radix = 8; t = t.dropFirst(2) } else if lower.hasPrefix("0b") { radix = 2; t = t.dropFirst(2) } else if t.count > 1 && t.hasPrefix("0") { radix = 8; t = t.dropFirst() }
        guard !t.isEmpty, let mag = UInt64(t, radix: radix) else { return nil }
        if neg {
            if mag <= UInt64(Int64.max) + 1 { return .int(mag == UInt64(Int64.max) + 1 ? Int.min : -Int(mag)) }
            return nil
        }
        if mag <= UInt64(Int.max) { return .int(Int(mag)) }
        return Number(BigInt(mag))  // go-yaml yields a uint64, which JSON carries exactly
    }

    static func isYAMLFloat(_ s: String) -> Bool {
        // ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
        var r = Substring(s)
        if r.hasPrefix("+") || r.hasPrefix("-") { r = r.dropFirst() }
        var mantissa = r, exp: Substring = ""
        if let e = r.firstIndex(where: { $0 == "e" || $0 == "E" }) { mantissa = r[..<e]; exp = r[r.index(after: e)...] }
        func digits(_ x: Substring) -> Bool { !x.isEmpty && x.allSatisfy { $0.isASCII && $0.isNumber } }
        if r.firstIndex(where: { $0 == "e" || $0 == "E" }) != nil {
            var e = exp
            if e.hasPrefix("+") || e.hasPrefix("-") { e = e.dropFirst() }
            if !digits(e) { return false }
        }
        if mantissa.hasPrefix(".") { return digits(mantissa.dropFirst()) }
        let parts = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        if !digits(parts[0]) { return false }
        return parts.count == 1 || parts[1].isEmpty || digits(parts[1])
    }

    /// go-yaml's isBase60Float: `1:20`, `-1:30:00.5`.
    static func isBase60(_ s: String) -> Bool {
        var t = Substring(s)
        if t.hasPrefix("+") || t.hasPrefix("-") { t = t.dropFirst() }
        guard let f = t.first, f.isNumber, f != "0" || t.count == 1 || true else { return false }
        let parts = t.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return false }
        guard parts[0].allSatisfy({ $0.isNumber || $0 == "_" }), !parts[0].isEmpty else { return false }
        for (i, p) in parts.dropFirst().enumerated() {
            let last = i == parts.count - 2
            var q = p
            if last, let dot = q.firstIndex(of: ".") {
                let frac = q[q.index(after: dot)...]
                guard frac.allSatisfy({ $0.isNumber || $0 == "_" }) else { return false }
                q = q[..<dot]
            }
            guard q.count >= 1, q.count <= 2, q.allSatisfy({ $0.isNumber }), let v = Int(q), v < 60 else { return false }
        }
        return true
    }

    // MARK: unmarshal

    struct Failure: Error { let message: String }

    /// go-yaml v2 decodes the first document (Support/GoYAMLReader.swift, GoYAMLDecode.swift),
    /// then sigs.k8s.io/yaml turns it into JSON: map keys become strings, and values JSON
    /// cannot hold (infinities, NaN) fail once the whole document has converted.
    static func unmarshal(_ text: String) throws(Failure) -> Value {
        var decoder = GoYAMLDecoder(try GoYAMLDocument.parse(text))
        let decoded = try decoder.decode()
        var unsupported: String?
        let v = try jsonValue(decoded, &unsupported)
        if let unsupported { throw Failure(message: "json: unsupported value: \(unsupported)") }
        return v
    }

    static func jsonValue(_ g: GoYAMLDecoder.GoValue, _ unsupported: inout String?) throws(Failure) -> Value {
        switch g {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(.int(i))
        case .uint(let u): return .number(Number(BigInt(u)))
        case .float(let d):
            guard d.isFinite else {
                if unsupported == nil { unsupported = d.isNaN ? "NaN" : (d < 0 ? "-Inf" : "+Inf") }
                return .null
            }
            return .number(Number(d))
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(Bytes.goLossy(b))
        case .seq(let a):
            var out: [Value] = []
            out.reserveCapacity(a.count)
            for e in a { out.append(try jsonValue(e, &unsupported)) }
            return .array(out)
        case .map(let m):
            var b = ObjectBuilder()
            for (k, v) in zip(m.keys, m.values) {
                let key = try keyString(k, v)
                b[.string(key)] = try jsonValue(v, &unsupported)
            }
            return .object(b.build())
        }
    }

    /// sigs.k8s.io/yaml's text for a map key: strings as they are, ints in decimal, floats as
    /// float32 shortest 'g' (`.inf`, `-.inf`, `.nan`), booleans; null and uint64 keys fail.
    static func keyString(_ k: GoYAMLDecoder.GoValue, _ v: GoYAMLDecoder.GoValue) throws(Failure) -> String {
        switch k {
        case .string(let s): return s
        case .bytes(let b): return Bytes.goLossy(b)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .float(let d): return float32Text(d)
        case .null:
            throw Failure(message: "unsupported map key of type: %!s(<nil>), key: <nil>, value: \(GoYAMLDecoder.goSharpV(v, nested: false))")
        case .uint:
            throw Failure(message: "unsupported map key of type: uint64, key: \(GoYAMLDecoder.goSharpV(k, nested: false)), value: \(GoYAMLDecoder.goSharpV(v, nested: false))")
        case .seq, .map:
            throw Failure(message: "yaml: invalid map key")  // the decoder refuses these first
        }
    }

    /// strconv.FormatFloat(d, 'g', -1, 32) with YAML's names for the non-finite values.
    static func float32Text(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        let f = Float(d)
        if f.isInfinite { return f < 0 ? "-.inf" : ".inf" }
        let sign = f.sign == .minus ? "-" : ""
        if f == 0 { return sign + "0" }
        let (_, digits, point) = Number.decimalDigits(abs(f).description)
        let digs = GoFloatFormat.Digits(digits: Array(digits.utf8), dp: point)
        let exp = point - 1
        if exp < -4 || exp >= 6 { return sign + GoFloatFormat.fmtE(digs, prec: digs.digits.count - 1) }
        return sign + GoFloatFormat.fmtF(digs, prec: max(digs.digits.count - point, 0))
    }

    // MARK: marshal

    /// sigs.k8s.io/yaml re-reads the number's JSON text as YAML: an int64, else a uint64, else
    /// a float64 printed with the shortest digits (`5.0` → 5, 10^29 → 1.2345678901234568e+29,
    /// 1e-400 → 0); text beyond float64's range stays a plain string, written as it was (`1E400`).
    static func yamlNumberText(_ n: Number) -> String {
        if case .float(let d) = n.unspelled, !d.isFinite { return d.isNaN ? ".nan" : (d < 0 ? "-.inf" : ".inf") }
        let text = n.description
        if let i = Int64(text) { return String(i) }
        if let u = UInt64(text) { return String(u) }
        guard let d = Double(text), d.isFinite else { return text }
        return GoFloatFormat.format(d, verb: "g", prec: -1).withSign(d)
    }

    static func marshal(_ v: Value) throws(Failure) -> String {
        do {
            return try Yams.serialize(node: node(v), indent: 2, allowUnicode: true)
        } catch {
            throw Failure(message: "yaml: \(error)")
        }
    }

    static func node(_ v: Value) -> Node {
        switch v {
        case .null: return Node.scalar(.init("null", Tag.implicit, .plain))
        case .bool(let b): return Node.scalar(.init(b ? "true" : "false", Tag.implicit, .plain))
        case .number(let n): return Node.scalar(.init(yamlNumberText(n), Tag.implicit, .plain))
        case .string(let s): return Node.scalar(.init(s, Tag.implicit, stringStyle(s)))
        case .array(let a): return Node.sequence(.init(a.map(node), Tag(.seq)))
        case .set(let s): return Node.sequence(.init(s.elements.map(node), Tag(.seq)))
        case .object(let o):
            var pairs: [(String, Value)] = o.pairs.map { k, v in
                if case .string(let s) = k { return (s, v) }
                return (JSONWriter.string(k), v)
            }
            pairs.sort { keyLess($0.0, $1.0) }
            return Node.mapping(.init(pairs.map { (Node.scalar(.init($0.0, Tag.implicit, stringStyle($0.0))), node($0.1)) }, Tag(.map)))
        }
    }

    static func stringStyle(_ s: String) -> Node.Scalar.Style {
        if s.contains("\n") { return .literal }
        if case .string = resolve(s), !isBase60(s) { return .plain }
        return .doubleQuoted
    }

    /// go-yaml v2's key order: runs of digits compare numerically, non-letters before letters.
    static func keyLess(_ a: String, _ b: String) -> Bool {
        let ar = Array(a.unicodeScalars), br = Array(b.unicodeScalars)
        var i = 0
        while i < ar.count && i < br.count {
            if ar[i] == br[i] { i += 1; continue }
            let al = ar[i].properties.isAlphabetic, bl = br[i].properties.isAlphabetic
            if al && bl { return ar[i].value < br[i].value }
            if al || bl { return bl }
            func isDigit(_ c: Unicode.Scalar) -> Bool { c.value >= 0x30 && c.value <= 0x39 }
            var an = 0, bn = 0
            if ar[i] == "0" || br[i] == "0" {
                var j = i - 1
                while j >= 0 && isDigit(ar[j]) {
                    if ar[j] != "0" { an = 1; bn = 1; break }
                    j -= 1
                }
            }
            var ai = i, bi = i
            while ai < ar.count && isDigit(ar[ai]) { an = an &* 10 &+ Int(ar[ai].value - 0x30); ai += 1 }
            while bi < br.count && isDigit(br[bi]) { bn = bn &* 10 &+ Int(br[bi].value - 0x30); bi += 1 }
            if an != bn { return an < bn }
            if ai != bi { return ai < bi }
            return ar[i].value < br[i].value
        }
        return ar.count < br.count
    }
}

private extension String {
    /// GoFloatFormat formats magnitudes; put the sign back.
    func withSign(_ d: Double) -> String { d.sign == .minus ? "-" + self : self }
}
