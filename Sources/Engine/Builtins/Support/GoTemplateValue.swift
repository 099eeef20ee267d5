/// Values as Go's text/template sees OPA's template variables: the data is JSON decoded into
/// `map[string]interface{}` with numbers as `json.Number` (a string kind), so map and slice
/// elements are `interface{}` values ("boxed"), a lookup of a missing key is the invalid
/// reflect.Value, and template constants are Go ints, float64s and strings.
extension GoTemplate {
    indirect enum GV {
        case invalid
        case boxed(GV)           // an interface{} holding a value
        case boxedNil            // a nil interface{}
        case string(String)
        case number(String)      // json.Number
        case bool(Bool)
        case int(Int)
        case float(Double)
        case complex(Double, Double)
        case byte(UInt8)         // an element of a string
        case map([(String, GV)]) // sorted keys; values boxed
        case slice([GV], len: Int)  // backing store up to the capacity; elements boxed

        /// A decoded JSON value (OPA's variables after their JSON round trip).
        init(_ v: Value) {
            switch v {
            case .null: self = .boxedNil
            case .bool(let b): self = .bool(b)
            case .number(let n): self = .number(n.description)
            case .string(let s): self = .string(s)
            case .array(let a): self = GV.decodedSlice(a.map { GV.element($0) })
            case .set(let s): self = GV.decodedSlice(s.elements.map { GV.element($0) })
            case .object(let o):
                self = .map(o.pairs.map { (k, v) -> (String, GV) in
                    if case .string(let s) = k { return (s, GV.element(v)) }
                    return (RegoFormatter.format(k), GV.element(v))
                })
            }
        }

        static func element(_ v: Value) -> GV {
            if case .null = v { return .boxedNil }
            return .boxed(GV(v))
        }

        /// encoding/json appends decoded array elements one by one: the capacity is the
        /// next power of two (exact up to 256 elements; larger arrays keep their length).
        static func decodedSlice(_ elems: [GV]) -> GV {
            var cap = elems.isEmpty ? 0 : 1
            while cap < elems.count && cap < 512 { cap *= 2 }
            if cap < elems.count { cap = elems.count }
            return .slice(elems + Array(repeating: .boxedNil, count: cap - elems.count), len: elems.count)
        }

        var isValid: Bool { if case .invalid = self { return false } else { return true } }

        /// Go's reflect type name.
        var typeName: String {
            switch self {
            case .invalid: return "<nil>"
            case .boxed, .boxedNil: return "interface {}"
            case .string: return "string"
            case .number: return "json.Number"
            case .bool: return "bool"
            case .int: return "int"
            case .float: return "float64"
            case .complex: return "complex128"
            case .byte: return "uint8"
            case .map: return "map[string]interface {}"
            case .slice: return "[]interface {}"
            }
        }

        /// Go's indirect: through interfaces, stopping at a nil one (isNil).
        var deref: (GV, isNil: Bool) {
            switch self {
            case .boxedNil: return (self, true)
            case .boxed(let v): return v.deref
            default: return (self, false)
            }
        }

        /// Go's indirectInterface: a nil interface becomes the invalid value.
        var indirectInterface: GV {
            switch self {
            case .boxedNil: return .invalid
            case .boxed(let v): return v
            default: return self
            }
        }

        /// evalPipeline's dig into an interface{} result.
        var unboxed: GV { indirectInterface }

        /// Go's isTrue (of a value already through indirectInterface).
        var truth: Bool {
            switch indirectInterface {
            case .invalid, .boxed, .boxedNil: return false
            case .string(let s), .number(let s): return !s.isEmpty
            case .bool(let b): return b
            case .int(let i): return i != 0
            case .float(let d): return d != 0
            case .complex(let r, let i): return r != 0 || i != 0
            case .byte(let b): return b != 0
            case .map(let m): return !m.isEmpty
            case .slice(_, let n): return n > 0
            }
        }

        /// fmt's %v (Fprint) of the value.
        var text: String {
            switch self {
            case .invalid, .boxedNil: return "<nil>"
            case .boxed(let v): return v.text
            case .string(let s), .number(let s): return s
            case .bool(let b): return b ? "true" : "false"
            case .int(let i): return String(i)
            case .float(let d): return GV.goFloat(d)
            case .complex(let r, let i):
                let im = GV.goFloat(i)
                return "(" + GV.goFloat(r) + (im.hasPrefix("-") ? im : "+" + im) + "i)"
            case .byte(let b): return String(b)
            case .map(let m): return "map[" + m.map { $0.0 + ":" + $0.1.text }.joined(separator: " ") + "]"
            case .slice(let s, let n): return "[" + s.prefix(n).map { $0.text }.joined(separator: " ") + "]"
            }
        }

        /// fmt's %v of a float64.
        static func goFloat(_ d: Double) -> String {
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
            return (d.sign == .minus ? "-" : "") + GoFloatFormat.format(d, verb: "g", prec: -1)
        }

        /// fmt's %s of the value (non-strings as `%!s(type=v)`).
        var sText: String {
            switch self {
            case .invalid: return "%!s(<nil>)"
            case .boxedNil: return "<nil>"  // a nil element inside a composite
            case .boxed(let v): return v.sText
            case .string(let s), .number(let s): return s
            case .bool, .int, .float, .complex, .byte: return "%!s(\(typeName)=\(text))"
            case .map(let m): return "map[" + m.map { $0.0 + ":" + $0.1.sText }.joined(separator: " ") + "]"
            case .slice(let s, let n): return "[" + s.prefix(n).map { $0.sText }.joined(separator: " ") + "]"
            }
        }

        /// Whether fmt.Sprint treats the operand as a string (string kinds).
        var isStringKind: Bool {
            switch indirectInterface {
            case .string, .number: return true
            default: return false
            }
        }

        /// The operand as a GoFormatter argument (printf).
        var formatArg: GoFormatter.Arg {
            switch indirectInterface {
            case .invalid, .boxed, .boxedNil: return .nilValue
            case .string(let s): return .string(s)
            case .number(let s): return .named(s, type: "json.Number")
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .byte(let b): return .int(Int(b))
            case .float(let d): return .float(d)
            case .map(let m):
                return .composite(m.flatMap { [GoFormatter.Arg.string($0.0), $0.1.elementArg] }, isMap: true, type: "map[string]interface {}")
            case .slice(let s, let n):
                return .composite(s.prefix(n).map { $0.elementArg }, isMap: false, type: "[]interface {}")
            case .complex: return .named(indirectInterface.text, type: "complex128")
            }
        }

        /// An element inside a composite printf operand (a nil one prints `<nil>`).
        var elementArg: GoFormatter.Arg {
            if case .boxedNil = self { return .nestedNil }
            return formatArg
        }
    }

    // MARK: constants

    /// Go's parse.newNumber.
    static func number(_ text: String, char: Bool) throws(Failure) -> NumberConst {
        var n = NumberConst()
        if char {
            let body = Array(text.utf8.dropFirst())
            guard let (v, tail) = unquoteChar(body, quote: UInt8(ascii: "'")) else { throw Failure(message: "invalid syntax") }
            guard tail == [UInt8(ascii: "'")] else { throw Failure(message: "malformed character constant: \(text)") }
            n.isInt = true; n.int64 = Int(v); n.isUint = true; n.uint64 = UInt64(v); n.isFloat = true; n.float = Double(v)
            return n
        }
        if text.hasSuffix("i") {
            // A complex constant (`1+2i`, as fmt.Sscan reads it) or an imaginary one (`2i`).
            let b = Array(text.utf8)
            var split = 0
            for i in 1..<b.count where (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) && !"eEpP".utf8.contains(b[i - 1]) { split = i }
            let re = split > 0 ? parseFloat(String(decoding: b[..<split], as: UTF8.self)) : 0
            let im = parseFloat(String(decoding: b[split..<(b.count - 1)], as: UTF8.self))
            guard let re, let im else { throw Failure(message: "illegal number syntax: \(GoQuote.quote(text))") }
            n.isComplex = true; n.re = re; n.im = im
            if im == 0 {
                n.isFloat = true; n.float = re
                if let i = Int(exactly: re) { n.isInt = true; n.int64 = i }
                if let u = UInt64(exactly: re) { n.isUint = true; n.uint64 = u }
            }
            return n
        }
        if let u = parseUint(text) { n.isUint = true; n.uint64 = u }
        if let i = parseInt(text) {
            n.isInt = true; n.int64 = i
            if i == 0 { n.isUint = true; n.uint64 = 0 }
        }
        if n.isInt { n.isFloat = true; n.float = Double(n.int64) }
        else if n.isUint { n.isFloat = true; n.float = Double(n.uint64) }
        else if let f = parseFloat(text) {
            if !text.contains(where: { ".eEpP".contains($0) }) { throw Failure(message: "integer overflow: \(GoQuote.quote(text))") }
            n.isFloat = true; n.float = f
            if f.rounded(.towardZero) == f, let i = Int(exactly: f) { n.isInt = true; n.int64 = i }
            if f.rounded(.towardZero) == f, let u = UInt64(exactly: f) { n.isUint = true; n.uint64 = u }
        }
        if !n.isInt && !n.isUint && !n.isFloat { throw Failure(message: "illegal number syntax: \(GoQuote.quote(text))") }
        return n
    }

    /// Go's underscoreOK: underscores only between digits or after a base prefix.
    static func underscoreOK(_ s: Substring) -> Bool {
        var b = Array(s.utf8)
        if let f = b.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") { b.removeFirst() }
        var saw: Character = "^", i = 0, hex = false
        if b.count >= 2, b[0] == UInt8(ascii: "0"), "bBoOxX".utf8.contains(b[1]) { i = 2; saw = "0"; hex = b[1] | 0x20 == UInt8(ascii: "x") }
        while i < b.count {
            let c = b[i]; i += 1
            if (c >= 0x30 && c <= 0x39) || (hex && (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) { saw = "0"; continue }
            if c == UInt8(ascii: "_") { if saw != "0" { return false }; saw = "_"; continue }
            if saw == "_" { return false }
            saw = "!"
        }
        return saw != "_"
    }

    /// strconv.ParseUint(s, 0, 64).
    static func parseUint(_ s: String) -> UInt64? {
        var t = Substring(s)
        guard !t.isEmpty, underscoreOK(t) || !t.contains("_") else { return nil }
        var base: UInt64 = 10
        if t.count > 1, t.first == "0" {
            switch t.dropFirst().first {
            case "x", "X": base = 16; t = t.dropFirst(2)
            case "o", "O": base = 8; t = t.dropFirst(2)
            case "b", "B": base = 2; t = t.dropFirst(2)
            default: base = 8; t = t.dropFirst()
            }
        }
        var v: UInt64 = 0, any = false
        for c in t {
            if c == "_" { continue }
            guard let d = c.hexDigitValue, UInt64(d) < base else { return nil }
            let (m, o1) = v.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(UInt64(d))
            if o1 || o2 { return nil }
            v = a; any = true
        }
        return any || base == 8 ? v : nil
    }

    /// strconv.ParseInt(s, 0, 64).
    static func parseInt(_ s: String) -> Int? {
        var t = s, neg = false
        if t.hasPrefix("+") || t.hasPrefix("-") { neg = t.hasPrefix("-"); t.removeFirst() }
        guard let u = parseUint(t) else { return nil }
        if neg { return u <= UInt64(Int.max) + 1 ? (u == UInt64(Int.max) + 1 ? Int.min : -Int(u)) : nil }
        return u <= UInt64(Int.max) ? Int(u) : nil
    }

    /// strconv.ParseFloat(s, 64): decimal, or hexadecimal with a `p` exponent; ±Inf is an error.
    static func parseFloat(_ s: String) -> Double? {
        guard !s.isEmpty, underscoreOK(Substring(s)) else { return nil }
        let t = s.replacingOccurrences(of: "_", with: "")
        let body = t.hasPrefix("+") || t.hasPrefix("-") ? t.dropFirst() : Substring(t)
        guard let first = body.first, first.isNumber || first == "." else { return nil }
        if body.lowercased().hasPrefix("0x") {
            guard body.lowercased().contains("p") else { return nil }
        } else if body.contains(where: { !("0"..."9").contains($0) && !".eE+-".contains($0) }) {
            return nil
        }
        guard let d = Double(t), d.isFinite else { return nil }
        return d
    }

    /// strconv.UnquoteChar on bytes: the value and the rest, nil for invalid syntax.
    static func unquoteChar(_ s: [UInt8], quote: UInt8) -> (UInt32, [UInt8])? {
        guard let c = s.first else { return nil }
        if c == quote && (quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"")) { return nil }
        if c >= 0x80 {
            var it = s.makeIterator(); var dec = UTF8()
            guard case .scalarValue(let r) = dec.decode(&it) else { return (0xFFFD, Array(s.dropFirst())) }
            return (r.value, Array(s.dropFirst(String(r).utf8.count)))
        }
        if c != UInt8(ascii: "\\") { return (UInt32(c), Array(s.dropFirst())) }
        guard s.count > 1 else { return nil }
        let e = s[1]
        var rest = Array(s.dropFirst(2))
        switch e {
        case UInt8(ascii: "a"): return (7, rest)
        case UInt8(ascii: "b"): return (8, rest)
        case UInt8(ascii: "f"): return (12, rest)
        case UInt8(ascii: "n"): return (10, rest)
        case UInt8(ascii: "r"): return (13, rest)
        case UInt8(ascii: "t"): return (9, rest)
        case UInt8(ascii: "v"): return (11, rest)
        case UInt8(ascii: "\\"): return (0x5C, rest)
        case UInt8(ascii: "x"), UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "x") ? 2 : e == UInt8(ascii: "u") ? 4 : 8
            guard rest.count >= n else { return nil }
            var v: UInt32 = 0
            for b in rest.prefix(n) {
                guard let d = Character(Unicode.Scalar(b)).hexDigitValue else { return nil }
                v = v << 4 | UInt32(d)
            }
            rest.removeFirst(n)
            if e != UInt8(ascii: "x") && (v > 0x10FFFF || (0xD800...0xDFFF).contains(v)) { return nil }
            return (v, rest)
        case UInt8(ascii: "0")...UInt8(ascii: "7"):
            var v = UInt32(e - 0x30)
            guard rest.count >= 2 else { return nil }
            for b in rest.prefix(2) {
                guard b >= 0x30 && b <= 0x37 else { return nil }
                v = v << 3 | UInt32(b - 0x30)
            }
            guard v <= 255 else { return nil }
            return (v, Array(rest.dropFirst(2)))
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return e == quote ? (UInt32(e), rest) : nil
        default: return nil
        }
    }

    /// strconv.Unquote of a string token (`"…"` or a raw `` `…` ``); errors are "invalid syntax".
    static func unquote(_ s: String) throws(Failure) -> String {
        let b = Array(s.utf8)
        let bad = Failure(message: "invalid syntax")
        guard b.count >= 2, b.first == b.last else { throw bad }
        if b[0] == UInt8(ascii: "`") {
            let body = b[1..<(b.count - 1)]
            if body.contains(UInt8(ascii: "`")) { throw bad }
            return String(decoding: body.filter { $0 != 0x0D }, as: UTF8.self)
        }
        guard b[0] == UInt8(ascii: "\"") else { throw bad }
        var rest = Array(b[1..<(b.count - 1)])
        if rest.contains(0x0A) { throw bad }
        var out: [UInt8] = []
        while !rest.isEmpty {
            let wasEscape = rest[0] == UInt8(ascii: "\\") && rest.count > 1 && rest[1] == UInt8(ascii: "x")
            let octal = rest[0] == UInt8(ascii: "\\") && rest.count > 1 && rest[1] >= 0x30 && rest[1] <= 0x37
            guard let (v, tail) = unquoteChar(rest, quote: UInt8(ascii: "\"")) else { throw bad }
            if wasEscape || octal { out.append(UInt8(v)) }
            else { out.append(contentsOf: Array(String(Unicode.Scalar(v) ?? "\u{FFFD}").utf8)) }
            rest = tail
        }
        return String(decoding: out, as: UTF8.self)
    }
}
