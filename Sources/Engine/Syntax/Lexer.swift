/// Splits Rego source (or a byte range of it, for the `{…}` parts of template strings) into
/// tokens. Comments are collected on the side; whitespace only shows as `newlineBefore` and as
/// gaps between token offsets (Rego cares whether `x[1]` is written without a space).
struct Lexer {
    let source: Source
    private var pos: Int
    /// Where lexing started (after a byte-order mark opening the text).
    private let first: Int
    private let end: Int
    private(set) var comments: [Comment] = []

    init(source: Source, start: Int = 0, end: Int? = nil) {
        self.source = source
        self.pos = start
        self.end = end ?? source.bytes.count
        // A byte-order mark opening the text is skipped, as OPA's scanner does.
        if start == 0, Lexer.isBOM(source.bytes, at: 0) { pos = 3 }
        first = pos
    }

    static func isBOM(_ bytes: [UInt8], at i: Int) -> Bool {
        i + 2 < bytes.count && bytes[i] == 0xEF && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF
    }

    private func byte(_ i: Int) -> UInt8 { i < end ? source.bytes[i] : 0 }

    private func error(_ message: String, at offset: Int) -> EngineError {
        EngineError(.parseError, message, location: source.location(at: offset),
                    detail: LineDetail(bytes: source.bytes, offset: offset))
    }

    /// Lexes everything up to the end of the range; the last token is `.eof`. Text the scanner
    /// cannot read becomes an `.illegal` token carrying the scanner's complaints: as in OPA,
    /// they are reported only if the parser gets that far.
    mutating func tokenize() -> [Token] {
        var tokens: [Token] = []
        while true {
            let t = next()
            tokens.append(t)
            if t.kind == .eof { return tokens }
        }
    }

    mutating func next() -> Token {
        let newline = skipTrivia()
        let start = pos
        if let t = nullTrivia(newline: newline) { return t }
        var token: Token
        var complaint: (message: String, offset: Int)? = nil
        do {
            token = try scan(newline: newline)
        } catch {
            pos = resync(from: start)
            // A terminated string with an undecodable `\u` escape is a string token to OPA's
            // scanner; its parser rejects it.
            let bad = error.message.hasPrefix(Lexer.badStringPrefix)
            token = Token(kind: bad ? .badString : .illegal, text: error.message, location: source.location(at: start), offset: start,
                          end: pos, newlineBefore: newline)
            if !bad { complaint = (error.message, error.location.map { source.offset(of: $0) } ?? start) }
        }
        // OPA's scanner complains about a NUL byte or a byte-order mark as it reads it, which is
        // while scanning the token before it (the character after a token is read with it) or
        // the string or comment holding it, and that token becomes illegal. One opening the
        // text is the first token's.
        let bad = badCharacters(from: start == first ? start : start + 1, through: pos)
        guard !bad.isEmpty else { return token }
        var messages: [String] = []
        var pending = complaint
        for b in bad {
            // The scanner's own complaint comes first if made before it read that character.
            if let c = pending, c.offset < b.offset { messages.append(c.message); pending = nil }
            messages.append(b.message)
        }
        if let c = pending { messages.append(c.message) }
        return Token(kind: .illegal, text: messages.joined(separator: "\n"), location: token.location, offset: start,
                     end: pos, newlineBefore: newline)
    }

    /// The NUL bytes and byte-order marks starting in `from...through` (within the lexed
    /// range), with OPA's complaint about each.
    private func badCharacters(from: Int, through: Int) -> [(offset: Int, message: String)] {
        var out: [(offset: Int, message: String)] = []
        var i = from
        while i <= through && i < end {
            if source.bytes[i] == 0 { out.append((i, "illegal null character")) }
            else if Lexer.isBOM(source.bytes, at: i), i + 2 < end { out.append((i, "illegal byte-order mark")) }
            i += 1
        }
        return out
    }

    /// Whether the character at `i` is one OPA's scanner complains about when reading it.
    private func isBadCharacter(at i: Int) -> Bool {
        i < end && (source.bytes[i] == 0 || (Lexer.isBOM(source.bytes, at: i) && i + 2 < end))
    }

    /// Trivia OPA's scanner made illegal by reading a NUL or byte-order mark with it
    /// (`skipTrivia` stops there): a whitespace byte just before one, or a comment holding one. As OPA, the complaint's
    /// row is the NUL's (a newline's row is the next one) and its source line the one before.
    private mutating func nullTrivia(newline: Bool) -> Token? {
        guard pos < end else { return nil }
        let c = source.bytes[pos]
        let start = pos
        if c == UInt8(ascii: "#") {
            var i = pos
            while i < end && source.bytes[i] != UInt8(ascii: "\n") { i += 1 }
            let bad = badCharacters(from: pos, through: i - 1)
            guard !bad.isEmpty else { return nil }
            pos = i
            return Token(kind: .illegal, text: bad.map(\.message).joined(separator: "\n"),
                         location: source.location(at: start), offset: start, end: pos, newlineBefore: newline)
        }
        guard Lexer.isTrivialSpace(c) else { return nil }
        pos += 1
        return Token(kind: .illegal, text: badCharacters(from: pos, through: pos).map(\.message).joined(), location: source.location(at: c == UInt8(ascii: "\n") ? pos : start),
                     offset: start, end: pos, newlineBefore: newline)
    }

    private static func isTrivialSpace(_ c: UInt8) -> Bool {
        c == UInt8(ascii: "\n") || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
    }

    /// Where scanning resumes after unreadable text at `start`: past the string or number it
    /// began, or past one character.
    private func resync(from start: Int) -> Int {
        let c = byte(start)
        var i = start
        switch c {
        case UInt8(ascii: "\""), UInt8(ascii: "$") where byte(start + 1) == UInt8(ascii: "\""):
            i += c == UInt8(ascii: "$") ? 2 : 1
            while i < end && source.bytes[i] != UInt8(ascii: "\n") {
                if source.bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                if source.bytes[i] == UInt8(ascii: "\"") { return i + 1 }
                i += 1
            }
            return min(i, end)
        case UInt8(ascii: "`"), UInt8(ascii: "$"):
            return end
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            while i < end {
                let b = source.bytes[i]
                if Lexer.isIdentByte(b) || b == UInt8(ascii: ".") { i += 1; continue }
                if (b == UInt8(ascii: "+") || b == UInt8(ascii: "-")), i > start,
                   source.bytes[i - 1] == UInt8(ascii: "e") || source.bytes[i - 1] == UInt8(ascii: "E") { i += 1; continue }
                break
            }
            return i
        default:
            return min(end, start + Lexer.utf8Length(c))
        }
    }

    /// Skips whitespace and comments (collecting comments); true if a newline was crossed.
    private mutating func skipTrivia() -> Bool {
        var newline = false
        // Skip whitespace and comments.
        while pos < end {
            let c = source.bytes[pos]
            // A space before a NUL or BOM, or a comment holding one, is a token (`nullTrivia`).
            if Lexer.isTrivialSpace(c) && isBadCharacter(at: pos + 1) { break }
            if c == UInt8(ascii: "\n") { newline = true; pos += 1 }
            else if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") { pos += 1 }
            else if c == UInt8(ascii: "#") {
                let start = pos
                while pos < end && source.bytes[pos] != UInt8(ascii: "\n") { pos += 1 }
                if (start..<pos).contains(where: isBadCharacter) { pos = start; break }
                var textEnd = pos
                if textEnd > start + 1 && source.bytes[textEnd - 1] == UInt8(ascii: "\r") { textEnd -= 1 }
                comments.append(Comment(text: source.text(from: start + 1, to: textEnd), location: source.location(at: start)))
            } else { break }
        }
        return newline
    }

    private mutating func scan(newline: Bool) throws(EngineError) -> Token {
        let start = pos
        func tok(_ kind: TokenKind, _ text: String = "", length: Int) -> Token {
            pos = start + length
            return Token(kind: kind, text: text, location: source.location(at: start), offset: start,
                         end: pos, newlineBefore: newline)
        }
        guard pos < end else { return tok(.eof, length: 0) }
        let c = source.bytes[pos]
        let n = byte(pos + 1)
        switch c {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            var i = pos + 1
            while i < end, Lexer.isIdentByte(source.bytes[i]) { i += 1 }
            return tok(.ident, source.text(from: start, to: i), length: i - start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            let e = try scanNumber(from: pos)
            return tok(.number, source.text(from: start, to: e), length: e - start)
        case UInt8(ascii: "\""):
            let (value, e) = try scanString(from: pos + 1)
            return tok(.string, value, length: e - start)
        case UInt8(ascii: "`"):
            var i = pos + 1
            while i < end && source.bytes[i] != UInt8(ascii: "`") { i += 1 }
            guard i < end else { throw error("non-terminated string", at: i) }
            return tok(.rawString, source.text(from: pos + 1, to: i), length: i + 1 - start)
        case UInt8(ascii: "$") where n == UInt8(ascii: "\"") || n == UInt8(ascii: "`"):
            let e = try scanTemplate(from: pos + 2, raw: n == UInt8(ascii: "`"))
            return tok(n == UInt8(ascii: "`") ? .rawTemplateString : .templateString,
                       source.text(from: pos + 2, to: e - 1), length: e - start)
        case UInt8(ascii: "."): return tok(.dot, length: 1)
        case UInt8(ascii: ","): return tok(.comma, length: 1)
        case UInt8(ascii: ";"): return tok(.semicolon, length: 1)
        case UInt8(ascii: ":"):
            return n == UInt8(ascii: "=") ? tok(.assign, length: 2) : tok(.colon, length: 1)
        case UInt8(ascii: "="):
            return n == UInt8(ascii: "=") ? tok(.equal, length: 2) : tok(.unify, length: 1)
        case UInt8(ascii: "!"):
            if n == UInt8(ascii: "=") { return tok(.notEqual, length: 2) }
            throw error("illegal ! character", at: start + 1)  // the only character OPA names (after reading the next byte)
        case UInt8(ascii: "<"):
            return n == UInt8(ascii: "=") ? tok(.lte, length: 2) : tok(.lt, length: 1)
        case UInt8(ascii: ">"):
            return n == UInt8(ascii: "=") ? tok(.gte, length: 2) : tok(.gt, length: 1)
        case UInt8(ascii: "+"): return tok(.plus, length: 1)
        case UInt8(ascii: "-"): return tok(.minus, length: 1)
        case UInt8(ascii: "*"): return tok(.star, length: 1)
        case UInt8(ascii: "/"): return tok(.slash, length: 1)
        case UInt8(ascii: "%"): return tok(.percent, length: 1)
        case UInt8(ascii: "&"): return tok(.amp, length: 1)
        case UInt8(ascii: "|"): return tok(.pipe, length: 1)
        case UInt8(ascii: "("): return tok(.lparen, length: 1)
        case UInt8(ascii: ")"): return tok(.rparen, length: 1)
        case UInt8(ascii: "["): return tok(.lbrack, length: 1)
        case UInt8(ascii: "]"): return tok(.rbrack, length: 1)
        case UInt8(ascii: "{"): return tok(.lbrace, length: 1)
        case UInt8(ascii: "}"): return tok(.rbrace, length: 1)
        default:
            // OPA's scanner names only NUL and a byte-order mark past the start, and those
            // complaints belong to the token before them (see `next`); other characters are just
            // the parser's `illegal token`.
            throw error("", at: start)
        }
    }

    static let badStringPrefix = "illegal string literal: "

    static func isIdentByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x5F
    }

    private static func utf8Length(_ lead: UInt8) -> Int {
        lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
    }

    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// JSON-style number: digits, optional fraction, optional exponent. Returns the end offset.
    /// A `.` or exponent without digits and a number running into a name are errors, each
    /// reported (`1.x`: `expected fraction`, then `illegal number format`), as OPA's scanner.
    private func scanNumber(from start: Int) throws(EngineError) -> Int {
        var problems: [String] = []
        var i = start
        while Lexer.isDigit(byte(i)) { i += 1 }
        if byte(i) == UInt8(ascii: ".") {
            i += 1
            if !Lexer.isDigit(byte(i)) { problems.append("expected fraction") }
            while Lexer.isDigit(byte(i)) { i += 1 }
        }
        if byte(i) == UInt8(ascii: "e") || byte(i) == UInt8(ascii: "E") {
            i += 1
            if byte(i) == UInt8(ascii: "+") || byte(i) == UInt8(ascii: "-") { i += 1 }
            if !Lexer.isDigit(byte(i)) { problems.append("expected exponent") }
            while Lexer.isDigit(byte(i)) { i += 1 }
        }
        // `1a` or `1_000` is not a number followed by an identifier.
        if i < end, Lexer.isIdentByte(source.bytes[i]) || source.bytes[i] == UInt8(ascii: ".") {
            problems.append("illegal number format")
        }
        if !problems.isEmpty { throw error(problems.joined(separator: "\n"), at: i) }
        return i
    }

    /// A double-quoted string body starting after the opening quote. Returns the decoded
    /// value and the offset after the closing quote.
    private func scanString(from start: Int) throws(EngineError) -> (String, Int) {
        var out: [UInt8] = []
        var i = start
        while true {
            guard i < end else { throw error("non-terminated string", at: i) }
            let c = source.bytes[i]
            if c == UInt8(ascii: "\"") { return (String(decoding: out, as: UTF8.self), i + 1) }
            if c == UInt8(ascii: "\n") { throw error("non-terminated string", at: i) }
            if c == UInt8(ascii: "\\") {
                do {
                    i = try decodeEscape(at: i, into: &out, templateBraces: false)
                } catch {
                    // OPA's scanner takes `\u` and any four characters, `\"`, `\\`, `\/` and
                    // the one-letter escapes, else the string is illegal; bad `\u` digits make the
                    // (terminated) string an illegal literal.
                    if byte(i + 1) != UInt8(ascii: "u") { throw self.error("illegal escape sequence", at: i + 1) }
                    var j = i + 2
                    var k = 0
                    while k < 4 && j < end { j += Lexer.utf8Length(source.bytes[j]); k += 1 }
                    while j < end && source.bytes[j] != UInt8(ascii: "\"") && source.bytes[j] != UInt8(ascii: "\n") {
                        j += source.bytes[j] == UInt8(ascii: "\\") ? 2 : 1
                    }
                    guard j < end, source.bytes[j] == UInt8(ascii: "\"") else { throw self.error("non-terminated string", at: j) }
                    throw self.error(Lexer.badStringPrefix + source.text(from: start - 1, to: j + 1), at: start - 1)
                }
                continue
            }
            out.append(c)
            i += 1
        }
    }

    /// Decodes the escape at `i` (which holds the backslash), appending to `out`. Returns the
    /// offset after the escape. Template strings also accept `\{`.
    func decodeEscape(at i: Int, into out: inout [UInt8], templateBraces: Bool) throws(EngineError) -> Int {
        let e = byte(i + 1)
        switch e {
        case UInt8(ascii: "\""): out.append(e)
        case UInt8(ascii: "\\"): out.append(e)
        case UInt8(ascii: "/"): out.append(e)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "{") where templateBraces: out.append(e)
        case UInt8(ascii: "u"):
            guard let hi = hex4(at: i + 2) else { throw error("invalid escape sequence", at: i) }
            var scalarValue = hi
            var next = i + 6
            if hi >= 0xD800 && hi < 0xDC00 {
                if byte(next) == UInt8(ascii: "\\"), byte(next + 1) == UInt8(ascii: "u"), let lo = hex4(at: next + 2),
                   lo >= 0xDC00 && lo < 0xE000 {
                    scalarValue = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                    next += 6
                } else {
                    scalarValue = 0xFFFD
                }
            } else if hi >= 0xDC00 && hi < 0xE000 {
                scalarValue = 0xFFFD
            }
            appendUTF8(&out, Unicode.Scalar(scalarValue) ?? "\u{FFFD}")
            return next
        default:
            throw error("invalid escape sequence", at: i)
        }
        return i + 2
    }

    private func hex4(at i: Int) -> UInt32? {
        guard i + 4 <= end else { return nil }
        var v: UInt32 = 0
        for k in 0..<4 {
            let c = source.bytes[i + k]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - 0x41 + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    /// Finds the end of a template string whose content starts at `start`: skips `{…}` parts
    /// (which may hold strings and nested braces). Returns the offset after the closing quote.
    private func scanTemplate(from start: Int, raw: Bool) throws(EngineError) -> Int {
        let close = raw ? UInt8(ascii: "`") : UInt8(ascii: "\"")
        var i = start
        while true {
            guard i < end else { throw error("non-terminated string", at: i) }
            let c = source.bytes[i]
            if c == close { return i + 1 }
            if !raw && c == UInt8(ascii: "\n") { throw error("non-terminated string", at: i) }
            if c == UInt8(ascii: "\\") && (!raw || byte(i + 1) == UInt8(ascii: "{")) { i += 2; continue }
            if c == UInt8(ascii: "{") {
                i = try skipTemplateExpression(from: i + 1)
                continue
            }
            i += 1
        }
    }

    /// Skips a `{…}` expression body (starting after the `{`); returns the offset after `}`.
    func skipTemplateExpression(from start: Int) throws(EngineError) -> Int {
        var depth = 1
        var i = start
        while i < end {
            let c = source.bytes[i]
            switch c {
            case UInt8(ascii: "{"): depth += 1; i += 1
            case UInt8(ascii: "}"):
                depth -= 1
                i += 1
                if depth == 0 { return i }
            case UInt8(ascii: "\""):
                i += 1
                while i < end && source.bytes[i] != UInt8(ascii: "\"") {
                    i += source.bytes[i] == UInt8(ascii: "\\") ? 2 : 1
                }
                i += 1
            case UInt8(ascii: "`"):
                i += 1
                while i < end && source.bytes[i] != UInt8(ascii: "`") { i += 1 }
                i += 1
            default: i += 1
            }
        }
        throw error("non-terminated template string expression", at: start - 1)
    }
}
