extension EncodingBuiltins {
    /// json.marshal (Go's encoding/json escaping), json.marshal_with_options, json.unmarshal,
    /// json.is_valid.
    static let jsonBuiltins: [Builtin] = [
        Builtin("json.marshal", arity: 1) { args, _ in
            .string(JSONWriter.string(args[0], options: .init(escapeHTML: true)))
        },
        Builtin("json.marshal_with_options", arity: 2) { args, _ in
            let opts = try args.object(1)
            var pretty: Bool? = nil
            var indent: String? = nil
            var prefix: String? = nil
            for (k, v) in opts.pairs {
                switch (k, v) {
                case (.string("pretty"), .bool(let b)): pretty = b
                case (.string("pretty"), _):
                    throw BuiltinError(.type, "operand 2 key \"pretty\" failed cast to bool")
                case (.string("indent"), .string(let s)): indent = s
                case (.string("indent"), _):
                    throw BuiltinError(.type, "operand 2 key \"indent\" failed cast to string: operand 0 must be string but got \(v.typeName)")
                case (.string("prefix"), .string(let s)): prefix = s
                case (.string("prefix"), _):
                    throw BuiltinError(.type, "operand 2 key \"prefix\" failed cast to string: operand 0 must be string but got \(v.typeName)")
                default:
                    throw BuiltinError(.type, "operand 2 object contained unknown key \(RegoFormatter.format(k))")
                }
            }
            // Indentation applies when asked for, or implied by an indent/prefix option.
            let isPretty = pretty ?? (indent != nil || prefix != nil)
            guard isPretty else { return .string(JSONWriter.string(args[0], options: .init(escapeHTML: true))) }
            let options = JSONWriter.Options(escapeHTML: true, indent: indent ?? "\t", prefix: prefix ?? "")
            return .string((prefix ?? "") + JSONWriter.string(args[0], options: options))
        },
        Builtin("json.unmarshal", arity: 1) { args, _ in
            try goUnmarshal(try args.string(0))
        },
        Builtin("json.is_valid", arity: 1) { args, _ in
            guard case .string(let s) = args[0] else { return .false }
            return .bool((try? JSONReader.parse(s)) != nil)
        },
    ]

    /// OPA decodes the first JSON value, then reads exactly one more token (Go's
    /// Decoder.Token): none (or `null`, a nil token) leaves the value standing; `[`/`{` and any
    /// value decoded from the rest of the text as a stream are reported with Go's `%s` of the
    /// token; a failure to decode that next value is Go's decoding error for it.
    /// JSON text read as OPA reads it with Go's decoder: the first value, one more token
    /// looked at, Go's error texts (`EOF`, `unexpected EOF`, `invalid character …`).
    static func goUnmarshal(_ s: String) throws -> Value {
        do { return try JSONReader.parse(s) } catch let e as JSONParseError {
            if e.message == "unexpected data after JSON value" { return try afterTopLevelValue(s, e.offset) }
            if s.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
                throw BuiltinError(.builtin, "EOF")
            }
            throw BuiltinError(.builtin, goJSONMessage(e, s))
        }
    }

    static func afterTopLevelValue(_ s: String, _ offset: Int) throws -> Value {
        let bytes = Array(s.utf8)
        let rest = Array(bytes[offset...])
        guard let c = rest.first else { return try JSONReader.parse(bytes: Array(bytes[..<offset])) }
        func tokenError(_ shown: String) -> BuiltinError {
            BuiltinError(.builtin, "error: invalid character '\(shown)' after top-level value")
        }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { throw tokenError(String(UnicodeScalar(c))) }
        // The stream decoder reads one value and leaves whatever follows it.
        var literal = rest[...]
        let next: Value
        do {
            next = try JSONReader.parse(bytes: rest)
        } catch let e as JSONParseError where e.message == "unexpected data after JSON value" && e.offset <= rest.count {
            literal = rest[..<e.offset]
            next = try JSONReader.parse(bytes: Array(literal))
        } catch let e as JSONParseError {
            throw BuiltinError(.builtin, goJSONMessage(e, String(decoding: rest, as: UTF8.self)))
        }
        switch next {
        case .null: return try JSONReader.parse(bytes: Array(bytes[..<offset]))
        case .string(let str): throw tokenError(str)
        case .bool(let b): throw tokenError("%!s(bool=\(b))")
        default:
            // A json.Number: its literal text.
            let digits = literal.prefix { !(0x09...0x0D).contains($0) && $0 != 0x20 }
            throw tokenError(String(decoding: digits, as: UTF8.self))
        }
    }

    /// Approximates Go's encoding/json error text ("unexpected EOF" when the input ends early).
    static func goJSONMessage(_ e: JSONParseError, _ text: String) -> String {
        let bytes = Array(text.utf8)
        if e.offset >= bytes.count { return "unexpected EOF" }
        // Go's quoteChar: strconv.Quote of the byte read as the rune U+00XX, `'` escaped.
        func shown(_ b: UInt8) -> String {
            if b == 0x27 { return "\\'" }
            if b == 0x22 { return "\"" }
            return String(GoQuote.quote(String(Unicode.Scalar(b))).dropFirst().dropLast())
        }
        if e.message == "invalid literal" {
            // Go scans true/false/null byte by byte: the first wrong byte, or EOF inside.
            let lit: String = switch bytes[e.offset] { case UInt8(ascii: "t"): "true"; case UInt8(ascii: "f"): "false"; default: "null" }
            for (i, want) in lit.utf8.enumerated() {
                let at = e.offset + i
                if at >= bytes.count { return "unexpected EOF" }
                if bytes[at] != want {
                    return "invalid character '\(shown(bytes[at]))' in literal \(lit) (expecting '\(Character(Unicode.Scalar(want)))')"
                }
            }
        }
        let c = shown(bytes[e.offset])
        switch e.message {
        case "invalid number": return "invalid character '\(c)' in numeric literal"
        case "invalid number: expected digit after '.'": return "invalid character '\(c)' after decimal point in numeric literal"
        case "invalid number: expected exponent digits": return "invalid character '\(c)' in exponent of numeric literal"
        case "unexpected data after JSON value": return "error: invalid character '\(c)' after top-level value"
        case "expected ':' after object key": return "invalid character '\(c)' after object key"
        case "expected ',' or '}' in object": return "invalid character '\(c)' after object key:value pair"
        case "expected ',' or ']' in array": return "invalid character '\(c)' after array element"
        case "expected string for object key": return "invalid character '\(c)' looking for beginning of object key string"
        case "invalid escape character in string literal": return "invalid character '\(c)' in string escape code"
        default:
            // The reader's own `invalid character 'X' …` texts: X quoted as Go does.
            if e.message.hasPrefix("invalid character '"), let close = e.message.dropFirst(19).dropFirst().firstIndex(of: "'") {
                return "invalid character '\(c)'" + e.message[e.message.index(after: close)...]
            }
            return e.message.hasPrefix("invalid character") ? e.message : "invalid character '\(c)' \(e.message)"
        }
    }

    static let uriBuiltins: [Builtin] = [
        Builtin("uri.parse", arity: 1) { args, _ in
            let s = try args.string(0)
            do { return .object(try GoURL.parse(s)) } catch let e as GoURL.ParseError {
                throw BuiltinError(.builtin, "parse \(GoQuote.quote(s)): \(e.message)")
            }
        },
        Builtin("uri.is_valid", arity: 1) { args, _ in
            guard case .string(let s) = args[0], !s.isEmpty else { return .false }
            return .bool((try? GoURL.parse(s)) != nil)
        },
    ]
}

/// Go's net/url.Parse, reduced to the parts uri.parse reports.
enum GoURL {
    struct ParseError: Error { let message: String }

    static func parse(_ input: String) throws(ParseError) -> ObjectValue {
        var out: [(String, String)] = []
        if input.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            throw ParseError(message: "net/url: invalid control character in URL")
        }
        var rest = Substring(input)
        if let hash = rest.firstIndex(of: "#") {
            let frag = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
            let f = try unescape(frag)
            if !f.isEmpty { out.append(("fragment", f)) }
        }
        if input.isEmpty { return ObjectValue() }
        // Scheme.
        var scheme = ""
        for (i, c) in rest.unicodeScalars.enumerated() {
            let isLetter = (c >= "a" && c <= "z") || (c >= "A" && c <= "Z")
            if isLetter { continue }
            if (c >= "0" && c <= "9") || c == "+" || c == "-" || c == "." {
                if i == 0 { break }
                continue
            }
            if c == ":" {
                if i == 0 { throw ParseError(message: "missing protocol scheme") }
                let idx = rest.unicodeScalars.index(rest.unicodeScalars.startIndex, offsetBy: i)
                scheme = String(rest.unicodeScalars[..<idx]).lowercased()
                rest = Substring(rest.unicodeScalars[rest.unicodeScalars.index(after: idx)...])
            }
            break
        }
        if !scheme.isEmpty { out.append(("scheme", scheme)) }
        if let q = rest.firstIndex(of: "?") {
            let raw = String(rest[rest.index(after: q)...])
            if !raw.isEmpty { out.append(("raw_query", raw)) }
            rest = rest[..<q]
        }
        if !rest.hasPrefix("/") && !scheme.isEmpty {
            return object(out)  // opaque (mailto:…)
        }
        if scheme.isEmpty, let colon = rest.firstIndex(of: ":"),
           rest.firstIndex(of: "/").map({ colon < $0 }) ?? true {
            throw ParseError(message: "first path segment in URL cannot contain colon")
        }
        if rest.hasPrefix("//") {
            var authority = rest.dropFirst(2)
            if let slash = authority.firstIndex(of: "/") {
                rest = authority[slash...]
                authority = authority[..<slash]
            } else {
                rest = ""
            }
            if let at = authority.lastIndex(of: "@") {
                let userinfo = authority[..<at]
                let allowed = "-._:~!$&'()*+,;=%@"
                guard userinfo.unicodeScalars.allSatisfy({ ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) || allowed.unicodeScalars.contains($0) }) else {
                    throw ParseError(message: "net/url: invalid userinfo")
                }
                authority = authority[authority.index(after: at)...]
            }
            var host = authority, port: Substring = ""
            if authority.hasPrefix("[") {
                guard let close = authority.firstIndex(of: "]") else {
                    throw ParseError(message: "missing ']' in host")
                }
                host = authority[authority.index(after: authority.startIndex)..<close]
                let after = authority[authority.index(after: close)...]
                if !after.isEmpty {
                    guard after.hasPrefix(":") else { throw ParseError(message: "invalid port \(GoQuote.quote(String(after))) after host") }
                    port = after.dropFirst()
                }
            } else if let colon = authority.lastIndex(of: ":") {
                host = authority[..<colon]
                port = authority[authority.index(after: colon)...]
            }
            if !port.allSatisfy({ $0.isASCII && $0.isNumber }) {
                throw ParseError(message: "invalid port \(GoQuote.quote(":" + port)) after host")
            }
            let h = try unescape(String(host), host: true)
            if !h.isEmpty { out.append(("hostname", h)) }
            if !port.isEmpty { out.append(("port", String(port))) }
        }
        let path = try unescape(String(rest))
        if !path.isEmpty {
            out.append(("path", path))
            // Go keeps the original escaping only when it differs from the default one.
            out.append(("raw_path", escapePath(path) == String(rest) ? path : String(rest)))
        }
        return object(out)
    }

    private static func object(_ pairs: [(String, String)]) -> ObjectValue {
        ObjectValue(pairs: pairs.map { (Value.string($0.0), Value.string($0.1)) })
    }

    /// Percent-decoding; in a host only non-ASCII bytes and `%25` may be escaped (Go's rule).
    static func unescape(_ s: String, host: Bool = false) throws(ParseError) -> String {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        let hexVal = HexDigit.value
        while i < b.count {
            if b[i] == UInt8(ascii: "%") {
                guard i + 2 < b.count, let h = hexVal(b[i + 1]), let l = hexVal(b[i + 2]),
                      !host || h >= 8 || (h == 2 && l == 5) else {
                    throw ParseError(message: "invalid URL escape \(GoQuote.quote(bytes: Array(b[i..<min(i + 3, b.count)])))")
                }
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func escapePath(_ s: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for c in s.utf8 {
            switch c {
            case 0x41...0x5A, 0x61...0x7A, 0x30...0x39:
                out.append(c)
            case _ where "-_.~$&+,/:;=@".utf8.contains(c):
                out.append(c)
            default: out += [UInt8(ascii: "%"), hex[Int(c >> 4)], hex[Int(c & 15)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
