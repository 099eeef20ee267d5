/// Recursive-descent parser for Rego as OPA 1.20 accepts it (v1 by default, v0 on request).
///
/// Entry points: `Parser.parseModule(name:source:version:)` and `Parser.parseQuery(_:version:)`.
/// Errors are `rego_parse_error`s with file:row:col and OPA's wording ("unexpected eof token:
/// expected ident", "`if` keyword is required before rule body", …). The parser works on a
/// token array so it can back off and retry (OPA resolves `[x | …]` comprehension-vs-`|` and
/// `some x in xs`-vs-`some x` the same way).
public struct Parser {
    let source: Source
    var tokens: [Token]
    var index = 0
    let version: RegoVersion
    /// Future keywords in force (`in`, `every`, `if`, `contains`; `and`/`or` when imported).
    var keywords: Set<String>
    /// A v0 module that imports `rego.v1` is held to v1's rules (`if`, `contains`, …) as in OPA.
    var importsRegoV1 = false
    /// v1 strictness applies: a v1 module, or a v0 one importing `rego.v1`.
    var strict: Bool { version == .v1 || importsRegoV1 }
    var wildcardCounter = 0
    /// The token after an import path (see `isKeywordHere`).
    var plainNameIndex = -1
    /// A keyword touching `.`/`[` that a term could not start with: OPA names it a keyword
    /// again in the complaints about it (`x := else[1]`: `unexpected else keyword: …`).
    var keywordTermIndex = -1
    /// The rule head just parsed used `contains` (OPA's rule parser keeps such a rule without a body).
    var headUsedContains = false
    /// The rule head just parsed continued across whitespace (`r [x]`, `f (x)`).
    var headSpaced = false
    /// True until the first term of an expression is read: only there may `true`, `false` or
    /// `null` head a ref (`false.foo == 1` names a rule; `x := false.foo` is an illegal ref).
    var atExpressionStart = false
    /// The furthest token read (the scanner has reported every illegal token up to it).
    var furthest = 0
    /// Collections (by their opening token) that failed to parse, and what the failure did.
    /// OPA's fallbacks read a collection again after a failed comprehension; replaying the
    /// failure keeps nested failing comprehensions linear instead of exponential.
    var failedCollections: [Int: CollectionFailure] = [:]
    var warnings: [SyntaxWarning] = []
    /// Errors that do not stop parsing (v1 strictness: missing `if`/`contains`). OPA reports
    /// them only for a module that otherwise parses.
    var softErrors: [EngineError] = []
    /// Errors added by the constructs a failure unwinds through (`expected rule value term`,
    /// `non-terminated set`, …), reported after the error that stopped the parse, as OPA
    /// reports each enclosing parse function's complaint.
    var notes: [EngineError] = []
    /// Statements of a parsed module that are not what a module may hold (`package expected`,
    /// `var cannot be used for rule name`, …), reported before `softErrors`.
    var statementErrors: [EngineError] = []
    /// Parse errors that did not stop the parse (a failed right operand); once there are any,
    /// the next statement or body separator stops it, as OPA does.
    var recorded: [EngineError] = []
    var comments: [Comment] = []
    /// Source text and start of each top-level query expression (`parseQueryWithTexts`).
    var querySpans: [QuerySpan] = []
    /// Nesting depth guard (terms, bodies), so hostile input cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 200

    static let futureKeywords: Set<String> = ["in", "every", "if", "contains"]
    /// Always keywords, in both versions.
    static let coreKeywords: Set<String> = [
        "package", "import", "as", "default", "else", "not", "some", "with", "null", "true", "false",
    ]

    init(source: Source, version: RegoVersion) throws(EngineError) {
        self.source = source
        self.version = version
        var lexer = Lexer(source: source)
        self.tokens = try lexer.tokenize()
        self.comments = lexer.comments
        self.keywords = version == .v1 ? Parser.futureKeywords : []
    }

    /// Parses one module. `version` picks v1 (default) or v0 syntax.
    public static func parseModule(name: String, source text: String, version: RegoVersion = .v1) throws(EngineErrors) -> Module {
        let source = Source(file: name, text: text)
        var parser: Parser
        do { parser = try Parser(source: source, version: version) } catch { throw EngineErrors([error]) }
        let module: Module
        do {
            module = try parser.parseModuleBody()
        } catch {
            throw EngineErrors(parser.failure(error))
        }
        if parser.hasErrors { throw EngineErrors(parser.failure(parser.stopping)) }
        let problems = parser.statementErrors + parser.softErrors
        if !problems.isEmpty { throw EngineErrors(problems) }
        return module
    }

    /// Parses an ad-hoc query (`data.test.p = x`; several expressions separated by `;` or
    /// newlines).
    public static func parseQuery(_ text: String, version: RegoVersion = .v1) throws(EngineErrors) -> Body {
        try parseQueryWithWarnings(text, version: version).body
    }

    public static func parseQueryWithWarnings(_ text: String, version: RegoVersion = .v1) throws(EngineErrors) -> (body: Body, warnings: [SyntaxWarning]) {
        let r = try parseQueryWithTexts(text, version: version)
        return (r.body, r.warnings)
    }

    /// The query, its warnings, and each top-level expression's source text and location (what
    /// `opa eval --format json` reports as `text` / `location`).
    public static func parseQueryWithTexts(_ text: String, version: RegoVersion = .v1) throws(EngineErrors)
        -> (body: Body, warnings: [SyntaxWarning], texts: [QuerySpan])
    {
        let source = Source(file: "", text: text)
        var parser: Parser
        do { parser = try Parser(source: source, version: version) } catch { throw EngineErrors([error]) }
        do {
            if parser.at(.eof) { throw parser.error("empty query", at: parser.current) }
            let body = try parser.parseQuery(end: .eof)
            try parser.expect(.eof)
            if parser.hasErrors { throw parser.stopping }
            if !parser.softErrors.isEmpty { throw EngineErrors(parser.softErrors) }
            return (body, parser.warnings, parser.querySpans)
        } catch let e as EngineError {
            throw EngineErrors(parser.failure(e))
        } catch let e as EngineErrors {
            throw e
        } catch {
            throw EngineErrors([EngineError(.parseError, "\(error)")])
        }
    }

    // MARK: - Token access

    var current: Token { tokens[index] }
    func peek(_ k: Int = 1) -> Token { tokens[min(index + k, tokens.count - 1)] }
    /// The token before the current one (for "adjacent, no whitespace" checks).
    var previous: Token { tokens[max(0, index - 1)] }

    func at(_ kind: TokenKind) -> Bool { current.kind == kind }
    func atIdent(_ name: String) -> Bool { current.kind == .ident && current.text == name }
    /// True if the current token is `name` and `name` is a keyword here.
    func atKeyword(_ name: String) -> Bool { atIdent(name) && isKeywordHere(name) && !atRefHead }
    /// The current identifier starts a ref (`default.foo`, `input.if`'s head): keywords are
    /// plain names there.
    var atRefHead: Bool {
        let d = peek(), n = peek(2)
        return current.kind == .ident && d.kind == .dot && d.offset == current.end && n.kind == .ident && n.offset == d.end
    }
    /// The current identifier touches a `[`. A keyword there heads a ref where a statement or a
    /// literal starts (`in[x] := …`, `some[1]`), and `in[` is no operator (`1 in[1, 2]` is an
    /// error); elsewhere it stays the keyword (`with input as[1]`).
    var atBracketRefHead: Bool {
        let d = peek()
        return current.kind == .ident && d.kind == .lbrack && d.offset == current.end
    }
    func isKeyword(_ name: String) -> Bool { Parser.coreKeywords.contains(name) || keywords.contains(name) }
    /// Whether `name`, as the current token, is a keyword: the token right after an import's
    /// path is read without the future keywords (OPA scans it with the import path's
    /// keyword-free scanner), so `import data.d` then `every` on the next line is a name.
    func isKeywordHere(_ name: String) -> Bool {
        isKeyword(name) && !(index == plainNameIndex && Parser.importLookaheadNames.contains(name))
    }
    static let importLookaheadNames: Set<String> = ["and", "contains", "every", "if", "in", "not", "or"]
    /// The current token starts right where the previous one ended (no whitespace).
    var adjacent: Bool { index > 0 && current.offset == previous.end }

    @discardableResult
    mutating func advance() -> Token {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        furthest = max(furthest, index)
        return t
    }

    mutating func expect(_ kind: TokenKind) throws(EngineError) {
        guard at(kind) else { throw unexpected("expected \(kind.spelling)") }
        advance()
    }

    // MARK: - Errors

    /// Every error of a failed parse in OPA's order: the scanner's complaints about the
    /// illegal tokens read so far and the errors recorded on the way, as the parse met them,
    /// then the error that stopped the parse and the notes of the constructs it unwound through.
    func failure(_ e: EngineError) -> [EngineError] {
        var scanned: [EngineError] = []
        let stop = e.message.isEmpty  // `stopping`: nothing of its own to report
        for t in tokens[0...min(furthest, tokens.count - 1)] where t.kind == .illegal {
            for message in t.text.split(separator: "\n") {
                let scanner = error(String(message), at: t)
                if scanner.location == e.location && scanner.message == e.message { continue }
                scanned.append(scanner)
            }
        }
        // A recorded error comes after the scanner's complaints up to its position (the
        // scanner reads the token the parser complains about before the complaint).
        func notAfter(_ a: SourceLocation?, _ b: SourceLocation?) -> Bool {
            guard let a, let b else { return true }
            return (a.row, a.col) <= (b.row, b.col)
        }
        var errors: [EngineError] = []
        var next = 0
        for r in recorded {
            while next < scanned.count, notAfter(scanned[next].location, r.location) {
                errors.append(scanned[next])
                next += 1
            }
            errors.append(r)
        }
        return errors + scanned[next...] + (stop ? [] : [e]) + notes
    }

    /// Whether errors were reported so far (recorded ones, or the scanner's for tokens read).
    var hasErrors: Bool {
        if !recorded.isEmpty { return true }
        return tokens[0...min(furthest, tokens.count - 1)].contains { $0.kind == .illegal && !$0.text.isEmpty }
    }

    /// Stops the parse without an error of its own (the errors so far are the report).
    var stopping: EngineError { EngineError(.parseError, "") }

    /// Notes `message` (at the current token) when `body` fails, then fails the same way.
    mutating func noting<T>(_ note: @autoclosure () -> String, _ body: (inout Parser) throws(EngineError) -> T) throws(EngineError) -> T {
        do {
            return try body(&self)
        } catch {
            if error.message.hasPrefix(Parser.whitespaceToken) {
                // OPA is still on the whitespace token it complained about.
                notes.append(EngineError(.parseError, Parser.whitespaceToken + note(), location: error.location, detail: error.detail))
            } else {
                notes.append(unexpected(note()))
            }
            throw error
        }
    }

    func error(_ message: String, at token: Token) -> EngineError {
        EngineError(.parseError, message, location: token.location,
                    detail: LineDetail(bytes: source.bytes, offset: token.offset))
    }

    /// A parse error at a location (a term's start), with its source line.
    func errorAt(_ loc: SourceLocation, _ message: String) -> EngineError {
        EngineError(.parseError, message, location: loc, detail: LineDetail(bytes: source.bytes, offset: source.offset(of: loc)))
    }

    /// An error about a whole statement, without the source line: OPA raises these after
    /// parsing (turning statements into rules), where it prints no detail.
    func statementError(_ message: String, at token: Token) -> EngineError {
        EngineError(.parseError, message, location: token.location)
    }

    /// `unexpected whitespace token: note` where a path or ref continues after a `.` with a
    /// space (OPA scans those parts with whitespace as a token).
    func whitespaceAfter(_ dot: Token, _ note: String) -> EngineError {
        // OPA's location is one byte into the whitespace (the next row when it starts with a
        // newline); the line shown is the dot's. A comment touching the dot comes first: the
        // whitespace is the newline after it (`import data.#c` is reported on the next row).
        var ws = dot.end
        if ws < source.bytes.count, source.bytes[ws] == UInt8(ascii: "#") {
            while ws < source.bytes.count, source.bytes[ws] != UInt8(ascii: "\n") { ws += 1 }
        }
        let message = note.isEmpty ? "unexpected whitespace token" : Parser.whitespaceToken + note
        return EngineError(.parseError, message, location: source.location(at: min(ws + 1, source.bytes.count)),
                           detail: LineDetail(bytes: source.bytes, offset: ws))
    }

    static let whitespaceToken = "unexpected whitespace token: "

    /// OPA's "unexpected X token: note" (or "keyword" for keywords).
    func unexpected(_ note: String = "") -> EngineError {
        // Right after a ref's `.` that a space follows, OPA is still on the whitespace token.
        if index > 1, previous.kind == .dot, !adjacent, tokens[index - 2].end == previous.offset,
           [.ident, .rbrack, .rparen, .rbrace, .string, .rawString].contains(tokens[index - 2].kind) {
            return whitespaceAfter(previous, note)
        }
        return unexpectedToken(note)
    }

    /// The previous token ends a term (OPA names a keyword touching `.`/`[` there an
    /// identifier: `input not.n`, `1 in[1, 2]`; after `:=`, `not`, `with`, `(` it is the keyword).
    var afterTerm: Bool {
        guard index > 0 else { return false }
        let p = previous
        switch p.kind {
        case .number, .string, .rawString, .rbrack, .rparen, .rbrace: return true
        case .ident: return !isKeyword(p.text) || ["true", "false", "null"].contains(p.text)
        default: return false
        }
    }

    /// `unexpected` about the current token itself.
    func unexpectedToken(_ note: String = "") -> EngineError {
        let t = current
        let name: String
        var kind = "token"
        switch t.kind {
        case .illegal:
            // OPA drops the note for a token its scanner could not read.
            return error("illegal token", at: t)
        case .ident:
            if (Parser.coreKeywords.contains(t.text) || Parser.futureKeywords.contains(t.text) || keywords.contains(t.text))
                && !(index == plainNameIndex && Parser.importLookaheadNames.contains(t.text))
                && !((atRefHead || atBracketRefHead) && !["contains", "true", "false", "null"].contains(t.text)
                     && index != keywordTermIndex && afterTerm) {
                name = t.text
                kind = "keyword"
            } else {
                name = "identifier"
            }
        case .eof: name = "eof"
        case .string, .rawString, .badString: name = "string"
        case .templateString, .rawTemplateString: name = "template-string"
        case .number: name = "number"
        // Operators by OPA's token names.
        case .equal: name = "equal"
        case .notEqual: name = "neq"
        case .lt: name = "lt"
        case .lte: name = "lte"
        case .gt: name = "gt"
        case .gte: name = "gte"
        case .assign: name = "assign"
        case .unify: name = "eq"
        case .plus: name = "plus"
        case .minus: name = "minus"
        case .star: name = "mul"
        case .slash: name = "div"
        case .percent: name = "rem"
        case .amp: name = "and"
        case .pipe: name = "or"
        default: name = t.kind.spelling
        }
        let msg = note.isEmpty ? "unexpected \(name) \(kind)" : "unexpected \(name) \(kind): \(note)"
        return error(msg, at: t)
    }

    mutating func enter() throws(EngineError) {
        depth += 1
        if depth > Parser.maxDepth { throw error("exceeded maximum nesting depth", at: current) }
    }
    mutating func leave() { depth -= 1 }

    mutating func freshWildcard() -> String {
        defer { wildcardCounter += 1 }
        return "$\(wildcardCounter)"
    }
}

/// One top-level expression of a query as written.
public struct QuerySpan: Sendable {
    public var text: String
    public var location: SourceLocation
}
