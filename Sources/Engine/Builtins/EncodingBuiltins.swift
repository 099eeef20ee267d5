/// base64, base64url, hex and urlquery. JSON builtins are in EncodingBuiltins+JSON.swift,
/// YAML in EncodingBuiltins+YAML.swift.
enum EncodingBuiltins {
    static let builtins: [Builtin] = [
        Builtin("base64.encode", arity: 1) { args, _ in
            .string(GoBase64.encode(Array(try args.string(0).utf8), alphabet: GoBase64.std, pad: true))
        },
        Builtin("base64.decode", arity: 1) { args, _ in
            do {
                return .string(bytes: try GoBase64.decode(Array(try args.string(0).utf8), alphabet: GoBase64.std, pad: true))
            } catch let e as GoBase64.CorruptInput {
                throw BuiltinError(.builtin, "illegal base64 data at input byte \(e.offset)")
            }
        },
        Builtin("base64.is_valid", arity: 1) { args, _ in
            .bool((try? GoBase64.decode(Array(try args.string(0).utf8), alphabet: GoBase64.std, pad: true)) != nil)
        },
        Builtin("base64url.encode", arity: 1) { args, _ in
            .string(GoBase64.encode(Array(try args.string(0).utf8), alphabet: GoBase64.url, pad: true))
        },
        Builtin("base64url.encode_no_pad", arity: 1) { args, _ in
            .string(GoBase64.encode(Array(try args.string(0).utf8), alphabet: GoBase64.url, pad: false))
        },
        Builtin("base64url.decode", arity: 1) { args, _ in
            // As OPA (RFC 7515 appendix C): input not ending in "=" gets its padding restored,
            // then everything is decoded as padded base64url.
            let text = try args.string(0)
            var src = Array(text.utf8)
            if src.last != UInt8(ascii: "=") {
                switch src.count % 4 {
                case 2: src += [61, 61]
                case 3: src += [61]
                case 1: throw BuiltinError(.builtin, "illegal base64url string: \(text)")
                default: break
                }
            }
            do {
                return .string(bytes: try GoBase64.decode(src, alphabet: GoBase64.url, pad: true))
            } catch let e as GoBase64.CorruptInput {
                throw BuiltinError(.builtin, "illegal base64 data at input byte \(e.offset)")
            }
        },
        Builtin("hex.encode", arity: 1) { args, _ in
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            for b in try args.string(0).utf8 { out += [digits[Int(b >> 4)], digits[Int(b & 15)]] }
            return .string(bytes: out)
        },
        Builtin("hex.decode", arity: 1) { args, _ in .string(bytes: try hexDecode(Array(try args.string(0).utf8))) },
        Builtin("urlquery.encode", arity: 1) { args, _ in .string(queryEscape(try args.string(0))) },
        Builtin("urlquery.decode", arity: 1) { args, _ in .string(try queryUnescape(try args.string(0))) },
        Builtin("urlquery.encode_object", arity: 1) { args, _ in
            let o = try args.object(0)
            var parts: [String] = []
            for (k, v) in o.pairs {
                guard case .string(let key) = k else {
                    throw BuiltinError(.type, "operand 1 values must be string, array[string], or set[string]")
                }
                let ek = queryEscape(key)
                var items: [Value]
                switch v {
                case .string: items = [v]
                case .array(let a): items = a
                case .set(let s): items = s.elements
                default:
                    throw BuiltinError(.type, "operand 1 values must be string, array[string], or set[string]")
                }
                do {
                    for item in items {
                        guard case .string(let s) = item else {
                            throw BuiltinError(.type, "operand 1 values must be string, array[string], or set[string]")
                        }
                        parts.append(ek + "=" + queryEscape(s))
                    }
                }
            }
            return .string(parts.joined(separator: "&"))
        },
        Builtin("urlquery.decode_object", arity: 1) { args, _ in
            // Go's url.ParseQuery: values keep their order; a key without `=` gets "".
            let q = try args.string(0)
            var keys: [String] = []
            var values: [String: [Value]] = [:]
            for part in q.split(separator: "&", omittingEmptySubsequences: true) {
                if part.contains(";") { throw BuiltinError(.builtin, "invalid semicolon separator in query") }
                let kv = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let k = try queryUnescape(String(kv[0]))
                let v = kv.count > 1 ? try queryUnescape(String(kv[1])) : ""
                if values[k] == nil { keys.append(k); values[k] = [] }
                values[k]!.append(.string(v))
            }
            return .object(ObjectValue(pairs: keys.map { (Value.string($0), Value.array(values[$0]!)) }))
        },
    ] + jsonBuiltins + yamlBuiltins + uriBuiltins + schemaBuiltins

    static func hexDecode(_ src: [UInt8]) throws -> [UInt8] {
        let nibble = HexDigit.value
        func invalid(_ c: UInt8) -> BuiltinError {
            let sc = Unicode.Scalar(c)
            var text = "U+" + GoQuote.hex(UInt32(c), 4).uppercased()
            if GoQuote.isPrint(sc) { text += " '" + String(Character(sc)) + "'" }
            return BuiltinError(.builtin, "encoding/hex: invalid byte: \(text)")
        }
        var out: [UInt8] = []
        var j = 1
        while j < src.count {
            guard let a = nibble(src[j - 1]) else { throw invalid(src[j - 1]) }
            guard let b = nibble(src[j]) else { throw invalid(src[j]) }
            out.append(a << 4 | b)
            j += 2
        }
        if src.count % 2 == 1 {
            if nibble(src[j - 1]) == nil { throw invalid(src[j - 1]) }
            throw BuiltinError(.builtin, "encoding/hex: odd length hex string")
        }
        return out
    }

    /// Go's url.QueryEscape.
    static func queryEscape(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for c in s.utf8 {
            switch c {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39, UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.append(c)
            case UInt8(ascii: " "): out.append(UInt8(ascii: "+"))
            default: out += [UInt8(ascii: "%"), hex[Int(c >> 4)], hex[Int(c & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's url.QueryUnescape.
    static func queryUnescape(_ s: String) throws -> String {
        let b = Array(s.utf8)
        let hexVal = HexDigit.value
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            switch b[i] {
            case UInt8(ascii: "%"):
                guard i + 2 < b.count, let h = hexVal(b[i + 1]), let l = hexVal(b[i + 2]) else {
                    // Go quotes the three bytes as they are (a split character shows as \xNN).
                    throw BuiltinError(.builtin, "invalid URL escape \(GoQuote.quote(bytes: Array(b[i..<min(i + 3, b.count)])))")
                }
                out.append(h << 4 | l)
                i += 3
            case UInt8(ascii: "+"): out.append(0x20); i += 1
            default: out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
