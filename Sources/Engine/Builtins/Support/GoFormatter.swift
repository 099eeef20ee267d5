import BigInt

/// A subset of Go's fmt.Sprintf, as OPA's sprintf uses it: arguments arrive as Go int64,
/// *big.Int, float64 or string (non-string Rego values are passed as their Rego text), and
/// every misuse renders the way Go renders it (`%!d(string=x)`, `%!d(MISSING)`, `%!(EXTRA …)`).
struct GoFormatter {
    enum Arg {
        case int(Int)
        case big(BigInt)
        case float(Double)
        case string(String)
        /// Operands of strings.render_template's printf: a named string type with a String
        /// method (json.Number; also composite values by their text), a bool, nil.
        case named(String, type: String)
        case bool(Bool)
        case nilValue
        /// A map (keys and values alternating) or slice, printed element-wise with the verb;
        /// a nil element inside prints `<nil>` whatever the verb.
        case composite([Arg], isMap: Bool, type: String)
        case nestedNil
        /// An error made by errors.New (fmt.Errorf's operand): its text for the verbs that
        /// ask for it, otherwise the pointer to its struct (`&{%!d(string=…)}`).
        case error(String)

        var goType: String {
            switch self {
            case .int: return "int64"
            case .big: return "*big.Int"
            case .float: return "float64"
            case .string: return "string"
            case .named(_, let t): return t
            case .bool: return "bool"
            case .nilValue: return "<nil>"
            case .composite(_, _, let t): return t
            case .nestedNil: return "interface {}"
            case .error: return "*errors.errorString"
            }
        }

        /// OPA's conversion of a Rego value to a Go argument.
        init(_ v: Value) {
            switch v {
            case .string(let s): self = .string(s)
            case .number(.int(let i)): self = .int(i)
            case .number(.big(let b)): self = .big(b)
            case .number(let n): self = Arg(number: n)
            default: self = .string(RegoFormatter.format(v))
            }
        }

        /// OPA's reading of a number's text: an int64 if it is an integer written without an
        /// exponent (`5.0`), a *big.Int if plain digits, a float64 if it has a fraction
        /// (`1.5e2`), and otherwise the text itself (`1e2`, `1e-07`, `1e400`).
        init(number n: Number) {
            if let i = n.writtenInt { self = .int(i); return }
            let text = n.description
            if text.utf8.contains(UInt8(ascii: ".")) {
                let d = Double(text) ?? n.doubleValue
                self = d.isFinite ? .float(d) : .string(text)
            } else if n.textHasExponent {
                self = .string(text)
            } else if let b = n.exactBigInt {
                self = .big(b)
            } else {
                self = .float(n.doubleValue)
            }
        }
    }

    struct Flags {
        var plus = false, minus = false, sharp = false, space = false, zero = false
        /// `#` and `+` on a `%v` directive: Go moves them here (Go-syntax / field-name forms),
        /// so `%#v` quotes strings and `%+v` prints no sign on numbers.
        var sharpV = false, plusV = false
        var width: Int? = nil
        var prec: Int? = nil
    }

    let args: [Arg]
    var out = ""
    var flags = Flags()

    init(args: [Arg]) { self.args = args }

    static func sprintf(_ format: String, _ args: [Arg]) -> String {
        var f = GoFormatter(args: args)
        f.run(Array(format.unicodeScalars))
        return f.out
    }

    private mutating func run(_ fmt: [Unicode.Scalar]) {
        var argNum = 0
        var reordered = false
        var i = 0
        let end = fmt.count
        while i < end {
            if fmt[i] != "%" {
                out.unicodeScalars.append(fmt[i]); i += 1; continue
            }
            i += 1
            flags = Flags()
            flagLoop: while i < end {
                switch fmt[i] {
                case "#": flags.sharp = true
                case "0": flags.zero = !flags.minus
                case "+": flags.plus = true
                case "-": flags.minus = true; flags.zero = false
                case " ": flags.space = true
                default: break flagLoop
                }
                i += 1
            }
            var goodArgNum = true
            var afterIndex = false
            // Argument index before the width.
            (argNum, i, afterIndex, goodArgNum) = argNumber(fmt, i, argNum, goodArgNum, &reordered)
            // Width.
            if i < end && fmt[i] == "*" {
                i += 1
                if argNum < args.count, case .int(var w) = args[argNum] {
                    if w < 0 { flags.minus = true; flags.zero = false; w = -w }
                    if w > 1_000_000 { out += "%!(BADWIDTH)" } else { flags.width = w }
                } else {
                    out += "%!(BADWIDTH)"
                }
                argNum += 1
                afterIndex = false
            } else {
                let (n, ni) = parseNum(fmt, i)
                if let n { flags.width = n }
                i = ni
                if afterIndex && n != nil { goodArgNum = false }
            }
            // Precision.
            if i + 1 <= end && i < end && fmt[i] == "." {
                i += 1
                if afterIndex { goodArgNum = false }
                (argNum, i, afterIndex, goodArgNum) = argNumber(fmt, i, argNum, goodArgNum, &reordered)
                if i < end && fmt[i] == "*" {
                    i += 1
                    if argNum < args.count, case .int(let p) = args[argNum] {
                        flags.prec = p < 0 ? nil : p
                    } else {
                        out += "%!(BADPREC)"
                    }
                    argNum += 1
                    afterIndex = false
                } else {
                    let (n, ni) = parseNum(fmt, i)
                    flags.prec = n ?? 0
                    i = ni
                }
            }
            if !afterIndex {
                (argNum, i, afterIndex, goodArgNum) = argNumber(fmt, i, argNum, goodArgNum, &reordered)
            }
            if i >= end { out += "%!(NOVERB)"; break }
            let verb = fmt[i]
            i += 1
            if verb == "%" { out += "%"; continue }
            if !goodArgNum {
                out += "%!\(Character(verb))(BADINDEX)"; continue
            }
            if argNum >= args.count {
                out += "%!\(Character(verb))(MISSING)"; continue
            }
            if verb == "v" {
                flags.sharpV = flags.sharp; flags.sharp = false
                flags.plusV = flags.plus; flags.plus = false
            }
            printArg(args[argNum], verb)
            argNum += 1
        }
        if !reordered { appendExtra(argNum) }
    }

    /// Go's `%!(EXTRA type=value, …)` for the arguments from `argNum` on that no verb used.
    mutating func appendExtra(_ argNum: Int) {
        guard argNum < args.count else { return }
        out += "%!(EXTRA "
        for (k, a) in args[argNum...].enumerated() {
            if k > 0 { out += ", " }
            out += a.goType + "="
            flags = Flags()
            printArg(a, "v")
        }
        out += ")"
    }

    private func parseNum(_ fmt: [Unicode.Scalar], _ start: Int) -> (Int?, Int) {
        var i = start
        var n = 0
        var any = false
        while i < fmt.count, let d = fmt[i].properties.numericType != nil ? Int(String(fmt[i])) : nil, fmt[i].isASCII {
            n = n * 10 + d
            if n > 1_000_000 { return (nil, fmt.count) }
            any = true
            i += 1
        }
        return (any ? n : nil, i)
    }

    /// Parses `[n]` at `i`; returns the new argument number, position, whether an index was
    /// read, and whether it was valid.
    private func argNumber(_ fmt: [Unicode.Scalar], _ i: Int, _ argNum: Int, _ good: Bool,
                           _ reordered: inout Bool) -> (Int, Int, Bool, Bool) {
        guard i < fmt.count, fmt[i] == "[" else { return (argNum, i, false, good) }
        reordered = true
        var j = i + 1
        while j < fmt.count && fmt[j] != "]" { j += 1 }
        guard j < fmt.count else { return (argNum, i + 1, false, false) }
        let text = String(String.UnicodeScalarView(fmt[(i + 1)..<j]))
        guard let n = Int(text), n >= 1, n <= args.count else { return (argNum, j + 1, true, false) }
        return (n - 1, j + 1, true, good)
    }

    private mutating func badVerb(_ a: Arg, _ verb: Unicode.Scalar) {
        if case .big(let b) = a {
            // big.Int formats itself and reports a verb it lacks with its plain digits.
            out += "%!\(Character(verb))(big.Int=\(b))"
            return
        }
        if case .nilValue = a { out += "%!\(Character(verb))(<nil>)"; return }
        out += "%!\(Character(verb))(\(a.goType)="
        // Go prints the operand with the directive's width, precision and flags
        // (`%5.1f` of "abc" is `%!f(string=    a)`).
        printArg(a, "v")
        out += ")"
    }

    mutating func printArg(_ a: Arg, _ verb: Unicode.Scalar) {
        if verb == "T" { pad(a.goType); return }
        switch a {
        case .int(let i):
            // Plain `%d`/`%v`: the decimal digits as is (what fmtInteger produces without flags).
            if verb == "d" || verb == "v", flags.width == nil, flags.prec == nil, !flags.plus, !flags.space {
                out += String(i)
                return
            }
            fmtInteger(negative: i < 0, magnitude: BigInt(i).magnitude, verb: verb, arg: a)
        case .big(let b):
            switch verb {
            case "d", "s", "v", "b", "o", "O", "x", "X":
                // big.Int.Format asks fmt for its flags, which reports `+` and `#` of `%+v`/`%#v`.
                if flags.plusV { flags.plus = true }
                fmtInteger(negative: b.sign == .minus, magnitude: b.magnitude, verb: verb == "s" ? "d" : verb, arg: a)
            default: badVerb(a, verb)
            }
        case .float(let d):
            switch verb {
            case "v": fmtFloat(d, "g", flags.prec ?? -1)
            case "g", "G": fmtFloat(d, Character(verb), flags.prec ?? -1)
            case "e", "E", "f", "F": fmtFloat(d, Character(verb), flags.prec ?? 6)
            case "x", "X", "b": fmtFloat(d, Character(verb), flags.prec ?? -1)
            default: badVerb(a, verb)
            }
        case .named(let s, _):
            switch verb {
            case "v", "s", "q", "x", "X": printArg(.string(s), verb)
            default: badVerb(a, verb)
            }
        case .bool(let b):
            if verb == "v" || verb == "t" { pad(b ? "true" : "false") } else { badVerb(a, verb) }
        case .nilValue:
            if verb == "v" { pad("<nil>") } else { badVerb(a, verb) }
        case .nestedNil: pad("<nil>")
        case .error(let text):
            switch verb {
            case "v" where flags.sharpV: out += "&errors.errorString{s:" + GoQuote.quote(text) + "}"
            case "v", "s", "q", "x", "X": printArg(.string(text), verb)
            case "w": printArg(.string(text), "v")  // fmt.Errorf's wrapped error
            default:
                out += "&{"
                badVerb(.string(text), verb)
                out += "}"
            }
        case .composite(let items, let isMap, _):
            out += isMap ? "map[" : "["
            var i = 0
            while i < items.count {
                if i > 0 { out += " " }
                printArg(items[i], verb)
                if isMap && i + 1 < items.count { out += ":"; printArg(items[i + 1], verb); i += 1 }
                i += 1
            }
            out += "]"
        case .string(let s):
            switch verb {
            case "v" where flags.sharpV: pad(GoQuote.quote(truncate(s), asciiOnly: false))
            case "v", "s": pad(truncate(s))
            case "q":
                let t = truncate(s)
                if flags.sharp && !t.unicodeScalars.contains(where: { $0 == "`" || ($0.value < 0x20 && $0 != "\t") }) {
                    pad("`" + t + "`")
                } else {
                    pad(GoQuote.quote(t, asciiOnly: flags.plus))
                }
            case "x", "X": fmtHexBytes(Array(s.utf8), upper: verb == "X")
            default: badVerb(a, verb)
            }
        }
    }

    private func truncate(_ s: String) -> String {
        guard let p = flags.prec else { return s }
        let r = s.unicodeScalars
        if r.count <= p { return s }
        return String(String.UnicodeScalarView(r.prefix(p)))
    }

    /// Pads to the width with spaces (or zeros for the `0` flag), counting runes.
    private mutating func pad(_ s: String) {
        guard let w = flags.width else { out += s; return }
        let n = s.unicodeScalars.count
        if n >= w { out += s; return }
        let fill = String(repeating: flags.zero ? "0" : " ", count: w - n)
        if flags.minus { out += s + String(repeating: " ", count: w - n) } else { out += fill + s }
    }

    private mutating func fmtHexBytes(_ b: [UInt8], upper: Bool) {
        let digits = upper ? Array("0123456789ABCDEF".utf8) : Array("0123456789abcdef".utf8)
        var length = b.count
        if let p = flags.prec, p < length { length = p }
        var s: [UInt8] = []
        for i in 0..<length {
            if flags.space && i > 0 { s.append(UInt8(ascii: " ")) }
            if flags.sharp && (flags.space || i == 0) { s += upper ? Array("0X".utf8) : Array("0x".utf8) }
            s.append(digits[Int(b[i] >> 4)])
            s.append(digits[Int(b[i] & 0xF)])
        }
        let text = String(decoding: s, as: UTF8.self)
        // Go pads hex strings with spaces even with the 0 flag.
        let z = flags.zero
        flags.zero = false
        pad(text)
        flags.zero = z
    }

    private mutating func fmtInteger(negative: Bool, magnitude: BigUInt, verb: Unicode.Scalar, arg: Arg) {
        var base = 10
        switch verb {
        case "v", "d": base = 10
        case "b": base = 2
        case "o", "O": base = 8
        case "x", "X": base = 16
        case "c":
            if let v = UInt32(exactly: magnitude), !negative, let sc = Unicode.Scalar(v) {
                pad(String(Character(sc)))
            } else {
                pad("\u{FFFD}")
            }
            return
        case "q":
            let sc = (!negative ? UInt32(exactly: magnitude).flatMap { Unicode.Scalar($0) } : nil) ?? "\u{FFFD}"
            pad(GoQuote.quoteRune(sc, asciiOnly: flags.plus))
            return
        case "U":
            // Go formats the operand's uint64 bits (a negative int64 wraps), zero-filled to
            // the precision (at least 4 digits).
            let m = UInt64(truncatingIfNeeded: magnitude)
            let v = negative ? 0 &- m : m
            var hex = String(v, radix: 16, uppercase: true)
            let p = Swift.max(4, flags.prec ?? 4)
            if hex.count < p { hex = String(repeating: "0", count: p - hex.count) + hex }
            var s = "U+" + hex
            if flags.sharp, v <= 0x10FFFF, let sc = Unicode.Scalar(UInt32(v)), GoQuote.isPrint(sc) {
                s += " '" + String(Character(sc)) + "'"
            }
            let z = flags.zero
            flags.zero = false
            pad(s)
            flags.zero = z
            return
        default:
            badVerb(arg, verb)
            return
        }
        var digits = magnitude == 0 ? "0" : String(magnitude, radix: base, uppercase: verb == "X")
        var prec = flags.prec
        if prec == nil, flags.zero, let w = flags.width, !flags.minus {
            var p = w
            if negative || flags.plus || flags.space { p -= 1 }
            prec = p
        }
        if let p = prec {
            if p == 0 && magnitude == 0 {
                let z = flags.zero; flags.zero = false; pad(""); flags.zero = z; return
            }
            if digits.count < p { digits = String(repeating: "0", count: p - digits.count) + digits }
        }
        var prefix = ""
        if flags.sharp {
            switch verb {
            case "b": prefix = "0b"
            case "o": if !digits.hasPrefix("0") { prefix = "0" }
            case "x": prefix = "0x"
            case "X": prefix = "0X"
            default: break
            }
        }
        if verb == "O" { prefix = "0o" }
        let sign = negative ? "-" : flags.plus ? "+" : flags.space ? " " : ""
        let z = flags.zero
        flags.zero = false  // already applied through the precision
        pad(sign + prefix + digits)
        flags.zero = z
    }

    private mutating func fmtFloat(_ d: Double, _ verb: Character, _ prec: Int) {
        if d.isNaN || d.isInfinite {
            var s = d.isNaN ? "NaN" : (d < 0 ? "-Inf" : (flags.plus ? "+Inf" : flags.space ? " Inf" : "+Inf"))
            if d.isNaN && flags.plus { s = "+NaN" } else if d.isNaN && flags.space { s = " NaN" }
            if d.isInfinite && d > 0 && !flags.plus && !flags.space { s = "+Inf" }
            let z = flags.zero; flags.zero = false; pad(s); flags.zero = z
            return
        }
        var body = verb == "b" ? GoFloatFormat.binaryExponent(d) : GoFloatFormat.format(d, verb: verb, prec: prec)
        if flags.sharp && verb != "b" { body = GoFloatFormat.sharpForm(body, verb: verb, prec: prec) }
        let negative = d.sign == .minus
        let sign = negative ? "-" : flags.plus ? "+" : flags.space ? " " : ""
        if flags.zero, let w = flags.width, !flags.minus, sign.count + body.count < w {
            out += sign + String(repeating: "0", count: w - sign.count - body.count) + body
            return
        }
        pad(sign + body)
    }
}
