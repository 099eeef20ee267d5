// GraphQL lexer with gqlparser's token kinds, values (escapes decoded, block strings
// dedented) and 1-based line:column positions (columns count Unicode scalars).

struct GraphQLError: Error {
    let message: String
    let line: Int
    let column: Int
}

struct GraphQLToken {
    enum Kind: Equatable {
        case invalid, eof, bang, dollar, amp, parenL, parenR, spread, colon, equals, at, bracketL, bracketR
        case braceL, braceR, pipe, name, int, float, string, blockString

        var text: String {
            switch self {
            case .invalid: return "<Invalid>"
            case .eof: return "<EOF>"
            case .bang: return "!"
            case .dollar: return "$"
            case .amp: return "&"
            case .parenL: return "("
            case .parenR: return ")"
            case .spread: return "..."
            case .colon: return ":"
            case .equals: return "="
            case .at: return "@"
            case .bracketL: return "["
            case .bracketR: return "]"
            case .braceL: return "{"
            case .braceR: return "}"
            case .pipe: return "|"
            case .name: return "Name"
            case .int: return "Int"
            case .float: return "Float"
            case .string: return "String"
            case .blockString: return "BlockString"
            }
        }
    }

    var kind: Kind
    var value: String
    var line: Int
    var column: Int

    /// gqlparser's Token.String(): kind, plus the quoted value when there is one.
    var description: String { value.isEmpty ? kind.text : "\(kind.text) \(GraphQLLexer.goQuote(value))" }
}

struct GraphQLLexer {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var lineStart = 0

    init(_ text: String) { s = Array(text.unicodeScalars) }

    static func goQuote(_ v: String) -> String {
        var out = "\""
        for c in v.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }

    private func err(_ msg: String, at pos: Int) -> GraphQLError {
        GraphQLError(message: msg, line: line, column: pos - lineStart + 1)
    }

    mutating func next() throws -> GraphQLToken {
        // Skip ignored tokens: whitespace, commas, BOM, line terminators, comments.
        while i < s.count {
            let c = s[i]
            if c == " " || c == "\t" || c == "," || c == "\u{FEFF}" { i += 1; continue }
            if c == "\n" { i += 1; line += 1; lineStart = i; continue }
            if c == "\r" {
                i += 1
                if i < s.count && s[i] == "\n" { i += 1 }
                line += 1; lineStart = i
                continue
            }
            if c == "#" {
                while i < s.count && s[i] != "\n" && s[i] != "\r" { i += 1 }
                continue
            }
            break
        }
        let start = i
        func tok(_ k: GraphQLToken.Kind, _ v: String = "", len: Int = 1) -> GraphQLToken {
            let t = GraphQLToken(kind: k, value: v, line: line, column: start - lineStart + 1)
            i = start + len
            return t
        }
        guard i < s.count else { return tok(.eof, len: 0) }
        let c = s[i]
        switch c {
        case "!": return tok(.bang)
        case "$": return tok(.dollar)
        case "&": return tok(.amp)
        case "(": return tok(.parenL)
        case ")": return tok(.parenR)
        case ":": return tok(.colon)
        case "=": return tok(.equals)
        case "@": return tok(.at)
        case "[": return tok(.bracketL)
        case "]": return tok(.bracketR)
        case "{": return tok(.braceL)
        case "}": return tok(.braceR)
        case "|": return tok(.pipe)
        case ".":
            if i + 2 < s.count && s[i + 1] == "." && s[i + 2] == "." { return tok(.spread, len: 3) }
            throw err("Unexpected character \".\".", at: i)
        case "\"":
            if i + 2 < s.count && s[i + 1] == "\"" && s[i + 2] == "\"" { return try blockString(start) }
            return try string(start)
        default:
            if c == "_" || (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) {
                var j = i + 1
                while j < s.count, s[j] == "_" || (s[j].value >= 48 && s[j].value <= 57) || (s[j].value >= 65 && s[j].value <= 90) || (s[j].value >= 97 && s[j].value <= 122) { j += 1 }
                return tok(.name, String(String.UnicodeScalarView(s[i..<j])), len: j - i)
            }
            if c == "-" || (c.value >= 48 && c.value <= 57) { return try number(start) }
            throw err("Cannot parse the unexpected character \(GraphQLLexer.goQuote(String(c))).", at: i)
        }
    }

    private func isDigit(_ j: Int) -> Bool { j < s.count && s[j].value >= 48 && s[j].value <= 57 }

    private mutating func number(_ start: Int) throws -> GraphQLToken {
        var j = start
        var float = false
        if s[j] == "-" { j += 1 }
        if j < s.count && s[j] == "0" {
            j += 1
            if isDigit(j) { throw err("Invalid number, unexpected digit after 0: \(GraphQLLexer.goQuote(String(s[j]))).", at: j) }
        } else {
            guard isDigit(j) else { throw err("Invalid number, expected digit but got: \(j < s.count ? GraphQLLexer.goQuote(String(s[j])) : "<EOF>").", at: j) }
            while isDigit(j) { j += 1 }
        }
        if j < s.count && s[j] == "." {
            float = true
            j += 1
            guard isDigit(j) else { throw err("Invalid number, expected digit but got: \(j < s.count ? GraphQLLexer.goQuote(String(s[j])) : "<EOF>").", at: j) }
            while isDigit(j) { j += 1 }
        }
        if j < s.count && (s[j] == "e" || s[j] == "E") {
            float = true
            j += 1
            if j < s.count && (s[j] == "+" || s[j] == "-") { j += 1 }
            guard isDigit(j) else { throw err("Invalid number, expected digit but got: \(j < s.count ? GraphQLLexer.goQuote(String(s[j])) : "<EOF>").", at: j) }
            while isDigit(j) { j += 1 }
        }
        let t = GraphQLToken(kind: float ? .float : .int, value: String(String.UnicodeScalarView(s[start..<j])),
                             line: line, column: start - lineStart + 1)
        i = j
        return t
    }

    private mutating func string(_ start: Int) throws -> GraphQLToken {
        var j = start + 1
        var out = String.UnicodeScalarView()
        while j < s.count {
            let c = s[j]
            if c == "\n" || c == "\r" { break }
            if c == "\"" {
                // gqlparser positions string tokens after the opening quote.
                let t = GraphQLToken(kind: .string, value: String(out), line: line, column: start - lineStart + 2)
                i = j + 1
                return t
            }
            if c == "\\" {
                j += 1
                guard j < s.count else { break }
                switch s[j] {
                case "\"": out.append("\"")
                case "\\": out.append("\\")
                case "/": out.append("/")
                case "b": out.append("\u{8}")
                case "f": out.append("\u{C}")
                case "n": out.append("\n")
                case "r": out.append("\r")
                case "t": out.append("\t")
                case "u":
                    guard j + 4 < s.count, let v = UInt32(String(String.UnicodeScalarView(s[(j + 1)...(j + 4)])), radix: 16),
                          let sc = Unicode.Scalar(v) else { throw err("Invalid character escape sequence.", at: j - 1) }
                    out.append(sc)
                    j += 4
                default: throw err("Invalid character escape sequence: \\\(s[j]).", at: j - 1)
                }
                j += 1
                continue
            }
            out.append(c)
            j += 1
        }
        throw err("Unterminated string.", at: j)
    }

    private mutating func blockString(_ start: Int) throws -> GraphQLToken {
        var j = start + 3
        var raw = String.UnicodeScalarView()
        let startLine = line, startCol = start - lineStart + 4
        while j < s.count {
            if s[j] == "\"" && j + 2 < s.count && s[j + 1] == "\"" && s[j + 2] == "\"" {
                i = j + 3
                return GraphQLToken(kind: .blockString, value: GraphQLLexer.blockStringValue(String(raw)), line: startLine, column: startCol)
            }
            if s[j] == "\\" && j + 3 < s.count && s[j + 1] == "\"" && s[j + 2] == "\"" && s[j + 3] == "\"" {
                raw.append(contentsOf: "\"\"\"".unicodeScalars)
                j += 4
                continue
            }
            if s[j] == "\n" || (s[j] == "\r" && !(j + 1 < s.count && s[j + 1] == "\n")) {
                line += 1; lineStart = j + 1
            } else if s[j] == "\r" {
                // \r\n: count the line at the \n
            }
            raw.append(s[j])
            j += 1
        }
        throw err("Unterminated string.", at: j)
    }

    /// The spec's BlockStringValue: common indentation removed, blank first/last lines dropped.
    static func blockStringValue(_ raw: String) -> String {
        let lines = raw.replacingOccurrencesOfCRLF().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var common: Int? = nil
        for (n, l) in lines.enumerated() where n > 0 {
            let indent = l.prefix(while: { $0 == " " || $0 == "\t" }).count
            if indent < l.count, common == nil || indent < common! { common = indent }
        }
        var out = lines
        if let c = common { for n in 1..<out.count { out[n] = String(out[n].dropFirst(min(c, out[n].count))) } }
        while let f = out.first, f.allSatisfy({ $0 == " " || $0 == "\t" }) { out.removeFirst() }
        while let l = out.last, l.allSatisfy({ $0 == " " || $0 == "\t" }) { out.removeLast() }
        return out.joined(separator: "\n")
    }
}

extension String {
    fileprivate func replacingOccurrencesOfCRLF() -> String {
        var out = String.UnicodeScalarView()
        var prevCR = false
        for c in unicodeScalars {
            if c == "\r" { out.append("\n"); prevCR = true; continue }
            if c == "\n" && prevCR { prevCR = false; continue }
            prevCR = false
            out.append(c)
        }
        return String(out)
    }
}
