/// (uri.parse has its own reduced GoURL in EncodingBuiltins+JSON.swift.) The parts of Go's `net/url.Parse` that OPA's HTTP builtins observe: scheme, host (with
/// port), the escaped path, the raw query, and Go's error messages
/// (`parse "<url>": invalid URL escape "%zz"`). Implemented from the URL rules Go documents
/// (RFC 3986 with Go's leniencies), not from Go's source.
struct GoHTTPURL {
    var scheme = ""
    /// Set for `scheme:opaque` URLs (no `//` and no leading `/`).
    var opaque = ""
    var user: String? = nil
    /// Host with port, unescaped (`example.com:8443`, `[::1]:80`).
    var host = ""
    /// The decoded path.
    var path = ""
    /// The path as written, when it differs from Go's default escaping of `path`.
    var rawPath = ""
    var rawQuery = ""
    var fragment = ""

    struct ParseError: Error {
        let message: String
    }

    /// Go's `url.Parse(raw)`.
    static func parse(_ raw: String) throws(ParseError) -> GoHTTPURL {
        func fail(_ why: String) -> ParseError { ParseError(message: "parse \(GoQuote.quote(raw)): \(why)") }
        if raw.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) { throw fail("net/url: invalid control character in URL") }
        let bytes = Array(raw.utf8)
        var rest: ArraySlice<UInt8>
        var frag: ArraySlice<UInt8> = []
        if let h = bytes.firstIndex(of: UInt8(ascii: "#")) {
            rest = bytes[..<h]
            frag = bytes[(h + 1)...]
        } else {
            rest = bytes[...]
        }
        var u = GoHTTPURL()
        if !frag.isEmpty {
            guard let f = unescape(frag, mode: .fragment) else { throw fail(escapeError(frag, mode: .fragment)) }
            u.fragment = f
        }
        if rest.elementsEqual("*".utf8) {
            u.path = "*"
            return u
        }
        // Scheme: a letter, then letters, digits, `+`, `-`, `.`, up to the first `:`.
        for (i, c) in rest.enumerated() {
            let isAlpha = (c | 0x20) >= UInt8(ascii: "a") && (c | 0x20) <= UInt8(ascii: "z")
            let isSchemeChar = c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") || c == UInt8(ascii: "+")
                || c == UInt8(ascii: "-") || c == UInt8(ascii: ".")
            if isAlpha { continue }
            if isSchemeChar && i > 0 { continue }
            if c == UInt8(ascii: ":") {
                if i == 0 { throw fail("missing protocol scheme") }
                u.scheme = String(decoding: rest.prefix(i), as: UTF8.self).lowercased()
                rest = rest.dropFirst(i + 1)
            }
            break
        }
        if rest.last == UInt8(ascii: "?") && rest.filter({ $0 == UInt8(ascii: "?") }).count == 1 {
            rest = rest.dropLast()
        } else if let q = rest.firstIndex(of: UInt8(ascii: "?")) {
            u.rawQuery = String(decoding: rest[(q + 1)...], as: UTF8.self)
            rest = rest[..<q]
        }
        if rest.first != UInt8(ascii: "/") {
            if !u.scheme.isEmpty {
                u.opaque = String(decoding: rest, as: UTF8.self)
                return u
            }
            // A relative reference's first segment must not look like a scheme.
            let seg = rest.prefix(while: { $0 != UInt8(ascii: "/") })
            if seg.contains(UInt8(ascii: ":")) { throw fail("first path segment in URL cannot contain colon") }
        }
        if rest.starts(with: "//".utf8) && (!u.scheme.isEmpty || !rest.starts(with: "///".utf8)) {
            let afterSlashes = rest.dropFirst(2)
            let end = afterSlashes.firstIndex(of: UInt8(ascii: "/")) ?? afterSlashes.endIndex
            let authority = afterSlashes[..<end]
            rest = afterSlashes[end...]
            var hostPart = authority
            if let at = authority.lastIndex(of: UInt8(ascii: "@")) {
                u.user = String(decoding: authority[..<at], as: UTF8.self)
                hostPart = authority[(at + 1)...]
            }
            u.host = try parseHost(hostPart, fail)
        }
        guard let p = unescape(rest, mode: .path) else { throw fail(escapeError(rest, mode: .path)) }
        u.path = p
        let written = String(decoding: rest, as: UTF8.self)
        if escape(p, mode: .path) != written { u.rawPath = written }
        return u
    }

    /// Go's `URL.EscapedPath`: the path as written when that is a valid encoding of it,
    /// otherwise Go's escaping of the decoded path.
    var escapedPath: String {
        if !rawPath.isEmpty, Self.validEncoded(rawPath), Self.unescape(Array(rawPath.utf8)[...], mode: .path) == path {
            return rawPath
        }
        if path == "*" { return "*" }
        return Self.escape(path, mode: .path)
    }

    private static func parseHost(_ h: ArraySlice<UInt8>, _ fail: (String) -> ParseError) throws(ParseError) -> String {
        var colonPort: ArraySlice<UInt8> = []
        if h.first == UInt8(ascii: "[") {
            guard let close = h.firstIndex(of: UInt8(ascii: "]")) else { throw fail("missing ']' in host") }
            colonPort = h[(close + 1)...]
        } else if let colon = h.lastIndex(of: UInt8(ascii: ":")) {
            colonPort = h[colon...]
        }
        if !colonPort.isEmpty {
            let digits = colonPort.dropFirst()
            guard colonPort.first == UInt8(ascii: ":"), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw fail("invalid port \(GoQuote.quote(String(decoding: colonPort, as: UTF8.self))) after host")
            }
        }
        guard let host = unescape(h, mode: .host) else { throw fail(escapeError(h, mode: .host)) }
        return host
    }

    enum Mode { case path, host, fragment }

    /// Go's shouldEscape for the modes used here.
    static func shouldEscape(_ c: UInt8, mode: Mode) -> Bool {
        if (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A) { return false }
        if mode == .host {
            switch c {
            case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
                 UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "<"),
                 UInt8(ascii: ">"), UInt8(ascii: "\""):
                return false
            default: break
            }
        }
        switch c {
        case UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            return false
        case UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: "/"),
             UInt8(ascii: ":"), UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "@"):
            switch mode {
            case .path: return c == UInt8(ascii: "?")
            case .fragment: return false
            case .host: return true
            }
        default:
            if mode == .fragment {
                switch c {
                case UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"): return false
                default: break
                }
            }
            return true
        }
    }

    /// Percent-escapes the bytes `mode` does not allow (uppercase hex, as Go).
    static func escape(_ s: String, mode: Mode) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count)
        let hex = Array("0123456789ABCDEF".utf8)
        for c in s.utf8 {
            if shouldEscape(c, mode: mode) {
                out.append(UInt8(ascii: "%"))
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Go's validEncoded for paths: only characters a path may hold unescaped, and `%`.
    static func validEncoded(_ s: String) -> Bool {
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
                 UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "["), UInt8(ascii: "]"),
                 UInt8(ascii: "%"):
                continue
            default:
                if shouldEscape(c, mode: .path) { return false }
            }
        }
        return true
    }

    /// Percent-decodes; nil on a malformed escape or (host mode) a character a host may not hold.
    static func unescape(_ s: ArraySlice<UInt8>, mode: Mode) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: "%") {
                guard i + 2 < s.endIndex, let hi = HexDigit.value(s[i + 1]), let lo = HexDigit.value(s[i + 2]) else { return nil }
                // In a host, escapes are only allowed for non-ASCII bytes and `%25` (zones).
                if mode == .host && hi < 8 && !(hi == 2 && lo == 5) { return nil }
                out.append(hi << 4 | lo)
                i += 3
                continue
            }
            if mode == .host && c < 0x80 && shouldEscape(c, mode: .host) { return nil }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The message Go gives for the first thing `unescape` rejects.
    private static func escapeError(_ s: ArraySlice<UInt8>, mode: Mode) -> String {
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: "%") {
                let end = min(i + 3, s.endIndex)
                // Go quotes the three bytes, a cut multi-byte character as `\xe6`.
                let bad = GoQuote.quote(bytes: Array(s[i..<end]))
                guard i + 2 < s.endIndex, let hi = HexDigit.value(s[i + 1]), let lo = HexDigit.value(s[i + 2]) else {
                    return "invalid URL escape \(bad)"
                }
                if mode == .host && hi < 8 && !(hi == 2 && lo == 5) { return "invalid URL escape \(bad)" }
                i += 3
                continue
            }
            if mode == .host && c < 0x80 && shouldEscape(c, mode: .host) {
                return "invalid character \(GoQuote.quote(String(UnicodeScalar(c)))) in host name"
            }
            i += 1
        }
        return "invalid URL"
    }
}
