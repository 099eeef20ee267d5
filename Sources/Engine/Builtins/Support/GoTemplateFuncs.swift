/// The builtin functions of Go's text/template (funcs.go) over template values, with their
/// signatures (argument counts and reflect parameter types) and Go's error texts; failures
/// are reported by the caller as `error calling NAME: …` at the command.
extension GoTemplate {
    struct CallError: Error { let message: String; init(_ m: String) { message = m } }

    /// Go's NumIn, variadic, and the parameter types (the last one repeats when variadic).
    static func signature(_ name: String) -> (numIn: Int, variadic: Bool, params: [Param]) {
        switch name {
        case "and", "or", "index", "slice", "eq", "call": return (2, true, [.value, .value])
        case "not", "len": return (1, false, [.value])
        case "ne", "lt", "le", "gt", "ge": return (2, false, [.value, .value])
        case "printf": return (2, true, [.string, .any])
        default: return (1, true, [.any])  // print, println, html, js, urlquery
        }
    }

    enum Kind { case bool, int, uint, float, complex, string }

    static func basicKind(_ v: GV) -> Kind? {
        switch v {
        case .bool: return .bool
        case .int: return .int
        case .byte: return .uint
        case .float: return .float
        case .complex: return .complex
        case .string, .number: return .string
        default: return nil
        }
    }

    static func intValue(_ v: GV) -> Int { if case .int(let i) = v { return i }; if case .byte(let b) = v { return Int(b) }; return 0 }
    static func floatValue(_ v: GV) -> Double { if case .float(let d) = v { return d }; return 0 }
    static func stringValue(_ v: GV) -> String {
        switch v { case .string(let s), .number(let s): return s; default: return "" }
    }

    static func eq(_ a: GV, _ rest: ArraySlice<GV>) throws(CallError) -> Bool {
        let x = a.indirectInterface
        if rest.isEmpty { throw CallError("missing argument for comparison") }
        let k1 = basicKind(x)
        for b in rest {
            let y = b.indirectInterface
            let k2 = basicKind(y)
            var truth = false
            if k1 != k2 {
                if k1 == .int && k2 == .uint || k1 == .uint && k2 == .int {
                    truth = intValue(x) == intValue(y)
                } else if x.isValid && y.isValid {
                    throw CallError("incompatible types for comparison: \(x.typeName) and \(y.typeName)")
                }
            } else if let k1 {
                switch k1 {
                case .bool: if case .bool(let p) = x, case .bool(let q) = y { truth = p == q }
                case .float: truth = floatValue(x) == floatValue(y)
                case .complex: if case .complex(let a, let b) = x, case .complex(let c, let d) = y { truth = a == c && b == d }
                case .int, .uint: truth = intValue(x) == intValue(y)
                case .string: truth = stringValue(x) == stringValue(y)
                }
            } else {
                if x.isValid && y.isValid && x.typeName != y.typeName {
                    throw CallError("non-comparable types \(x.sText): \(x.typeName), \(y.typeName): \(y.text)")
                }
                if !x.isValid || !y.isValid {
                    truth = x.isValid == y.isValid
                } else {
                    throw CallError("non-comparable type \(y.sText): \(y.typeName)")
                }
            }
            if truth { return true }
        }
        return false
    }

    static func lt(_ a: GV, _ b: GV) throws(CallError) -> Bool {
        let x = a.indirectInterface, y = b.indirectInterface
        guard let k1 = basicKind(x), let k2 = basicKind(y) else { throw CallError("invalid type for comparison") }
        if k1 != k2 {
            if k1 == .int && k2 == .uint { return intValue(x) < intValue(y) }
            if k1 == .uint && k2 == .int { return intValue(x) < intValue(y) }
            throw CallError("incompatible types for comparison: \(x.typeName) and \(y.typeName)")
        }
        switch k1 {
        case .bool, .complex: throw CallError("invalid type for comparison")
        case .float: return floatValue(x) < floatValue(y)
        case .int, .uint: return intValue(x) < intValue(y)
        case .string: return Array(stringValue(x).utf8).lexicographicallyPrecedes(Array(stringValue(y).utf8))
        }
    }

    /// Go's indexArg: an integer index within 0...cap.
    static func indexArg(_ v: GV, _ cap: Int) throws(CallError) -> Int {
        let x: Int
        switch v {
        case .int(let i): x = i
        case .byte(let b): x = Int(b)
        case .invalid: throw CallError("cannot index slice/array with nil")
        default: throw CallError("cannot index slice/array with type \(v.typeName)")
        }
        if x < 0 || x > cap { throw CallError("index out of range: \(x)") }
        return x
    }

    static func index(_ a: [GV]) throws(CallError) -> GV {
        var item = a[0].indirectInterface
        guard item.isValid else { throw CallError("index of untyped nil") }
        for raw in a.dropFirst() {
            let idx = raw.indirectInterface
            let (it, isNil) = item.deref
            if isNil { throw CallError("index of nil pointer") }
            item = it
            switch item {
            case .slice(let s, let n):
                let x = try indexArg(idx, n)
                if x == n { throw CallError("index out of range: \(x)") }
                item = s[x]
            case .string(let str), .number(let str):
                let bytes = Array(str.utf8)
                let x = try indexArg(idx, bytes.count)
                if x == bytes.count { throw CallError("index out of range: \(x)") }
                item = .byte(bytes[x])
            case .map(let m):
                let key: String
                switch idx {
                case .string(let k): key = k
                case .invalid: throw CallError("value is nil; should be of type string")
                default: throw CallError("value has type \(idx.typeName); should be string")
                }
                item = m.first(where: { $0.0 == key })?.1 ?? .boxedNil
            default: throw CallError("can't index item of type \(item.typeName)")
            }
        }
        return item
    }

    static func slice(_ a: [GV]) throws(CallError) -> GV {
        let item = a[0].indirectInterface
        guard item.isValid else { throw CallError("slice of untyped nil") }
        let idxs = a.dropFirst()
        if idxs.count > 3 { throw CallError("too many slice indexes: \(idxs.count)") }
        let cap: Int, len: Int
        switch item {
        case .string(let s), .number(let s):
            if idxs.count == 3 { throw CallError("cannot 3-index slice a string") }
            cap = s.utf8.count; len = cap
        case .slice(let s, let n): cap = s.count; len = n
        default: throw CallError("can't slice item of type \(item.typeName)")
        }
        var idx = [0, len, 0]
        for (i, v) in idxs.enumerated() { idx[i] = try indexArg(v, cap) }
        if idx[0] > idx[1] { throw CallError("invalid slice index: \(idx[0]) > \(idx[1])") }
        if idxs.count == 3 && idx[1] > idx[2] { throw CallError("invalid slice index: \(idx[1]) > \(idx[2])") }
        switch item {
        case .string(let s):
            return .string(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .number(let s):
            return .number(String(decoding: Array(s.utf8)[idx[0]..<idx[1]], as: UTF8.self))
        case .slice(let s, _):
            let end = idxs.count == 3 ? idx[2] : s.count
            return .slice(Array(s[idx[0]..<end]), len: idx[1] - idx[0])
        default: return .invalid
        }
    }

    static func length(_ v: GV) throws(CallError) -> GV {
        let (x, isNil) = v.deref
        if isNil { throw CallError("len of nil pointer") }
        switch x {
        case .string(let s), .number(let s): return .int(s.utf8.count)
        case .map(let m): return .int(m.count)
        case .slice(_, let n): return .int(n)
        case .invalid: throw CallError("reflect: call of reflect.Value.Type on zero Value")
        default: throw CallError("len of type \(x.typeName)")
        }
    }

    /// fmt.Sprint: a space between operands when neither is a string.
    static func sprint(_ a: [GV]) -> String {
        var s = ""
        for (i, v) in a.enumerated() {
            if i > 0, !a[i - 1].isStringKind, !v.isStringKind { s += " " }
            s += v.text
        }
        return s
    }

    /// evalArgs of html/js/urlquery: a lone string as is, else fmt.Sprint with nothing shown
    /// as "<no value>".
    static func evalArgs(_ a: [GV]) -> String {
        if a.count == 1, case .string(let s) = a[0].indirectInterface, case .string = a[0] { return s }
        return sprint(a.map { $0.indirectInterface.isValid ? $0 : .string("<no value>") })
    }

    /// text/template's JSEscapeString.
    static func jsEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if c.value < 0x20 {
                    out += "\\u00" + String(c.value, radix: 16, uppercase: true).leftPadded(2)
                } else if c.value >= 0x80 && !GoQuote.isPrint(c) {
                    out += "\\u" + String(c.value, radix: 16, uppercase: true).leftPadded(4)
                } else {
                    out.unicodeScalars.append(c)
                }
            }
        }
        return out
    }

    /// net/url's QueryEscape.
    static func queryEscape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            case UInt8(ascii: " "): out += "+"
            default: out += "%" + String(b, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }

    /// Calls a builtin with evaluated arguments.
    static func builtin(_ name: String, _ a: [GV], callee: String) throws(CallError) -> GV {
        switch name {
        case "not": return .bool(!a[0].truth)
        case "len": return try length(a[0])
        case "index": return try index(a)
        case "slice": return try slice(a)
        case "eq": return .bool(try eq(a[0], a.dropFirst()))
        case "ne": return .bool(!(try eq(a[0], a.dropFirst())))
        case "lt": return .bool(try lt(a[0], a[1]))
        case "le", "gt":
            // <= is < or ==.
            var le = try lt(a[0], a[1])
            if !le { le = try eq(a[0], a.dropFirst()) }
            return .bool(name == "le" ? le : !le)
        case "ge": return .bool(!(try lt(a[0], a[1])))
        case "print": return .string(sprint(a))
        case "println": return .string(a.map { $0.text }.joined(separator: " ") + "\n")
        case "printf":
            return .string(GoFormatter.sprintf(stringValue(a[0]), a.dropFirst().map { $0.formatArg }))
        case "html": return .string(htmlEscape(evalArgs(a)))
        case "js": return .string(jsEscape(evalArgs(a)))
        case "urlquery": return .string(queryEscape(evalArgs(a)))
        case "call":
            let fn = a[0].indirectInterface
            guard fn.isValid else { throw CallError("call of nil") }
            throw CallError("non-function \(callee) of type \(fn.typeName)")
        default: return .invalid
        }
    }

    /// text/template's HTMLEscapeString.
    static func htmlEscape(_ s: String) -> String {
        var out = ""
        for c in s.unicodeScalars {
            switch c {
            case "\0": out += "\u{FFFD}"
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(c)
            }
        }
        return out
    }
}

extension GoTemplate.Exec {
    /// evalCall: argument count, and/or short-circuit, argument typing, the call.
    mutating func evalCall(_ dot: GoTemplate.GV, _ name: String, node: GoTemplate.At, args: [GoTemplate.Operand],
                           final: GoTemplate.GV?) throws(GoTemplate.Stop) -> GoTemplate.GV {
        let (numInSig, variadic, params) = GoTemplate.signature(name)
        let numIn = args.count + (final != nil ? 1 : 0)
        var numFixed = args.count
        if variadic {
            numFixed = numInSig - 1
            if numIn < numFixed { throw fail("wrong number of args for \(name): want at least \(numFixed) got \(args.count)") }
        } else if numIn != numInSig {
            throw fail("wrong number of args for \(name): want \(numInSig) got \(numIn)")
        }
        if name == "and" || name == "or" {
            var v = GoTemplate.GV.invalid
            for a in args {
                v = try evalArg(dot, .value, a)
                if v.truth == (name == "or") { return v }
            }
            if let f = final { v = try validate(f, .value) }
            return v
        }
        var argv: [GoTemplate.GV] = []
        var i = 0
        while i < numFixed && i < args.count { argv.append(try evalArg(dot, params[i], args[i])); i += 1 }
        if variadic {
            while i < args.count { argv.append(try evalArg(dot, params[params.count - 1], args[i])); i += 1 }
        }
        if let f = final {
            let p = variadic ? (numIn - 1 < numFixed ? params[numIn - 1] : params[params.count - 1]) : params[numInSig - 1]
            argv.append(try validate(f, p))
        }
        var callee = ""
        if name == "call" {
            if let first = args.first { callee = first.description }
            else if let f = final { callee = f.isStringKind ? f.text : "<\(f.typeName) Value>" }
        }
        do {
            return try GoTemplate.builtin(name, argv, callee: callee)
        } catch {
            at = node
            throw fail("error calling \(name): \(error.message)")
        }
    }
}

extension String {
    fileprivate func leftPadded(_ n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
}
