// Terms and infix operators. Precedence, loosest first (as in OPA): `in` (and `k, v in xs`),
// relations (== != < <= > >=), `|`, `&`, `+ -`, `* / %`, then plain terms. Operators may
// continue across newlines; ref and call suffixes (`.x`, `[i]`, `(args)`) must touch the term.

extension Parser {
    struct State {
        var index: Int
        var wildcards: Int
        var warnings: Int
        var softErrors: Int
        var notes: Int
        var recorded: Int
        var furthest: Int
    }

    func save() -> State {
        State(index: index, wildcards: wildcardCounter, warnings: warnings.count, softErrors: softErrors.count,
              notes: notes.count, recorded: recorded.count, furthest: furthest)
    }

    mutating func restore(_ s: State) {
        index = s.index
        wildcardCounter = s.wildcards
        warnings.removeSubrange(s.warnings...)
        softErrors.removeSubrange(s.softErrors...)
        notes.removeSubrange(s.notes...)
        recorded.removeSubrange(s.recorded...)
        furthest = s.furthest
    }

    /// The right operand of an infix operator, or nil when it fails: as in OPA, its errors stay
    /// recorded and the expression ends with its left side, parsing going on from where the
    /// operand failed (`[1 + * 2]`: `unexpected mul token`, then the list's complaint).
    mutating func rightOperand(_ parse: (inout Parser) throws(EngineError) -> Term) -> Term? {
        let n = notes.count
        do {
            return try parse(&self)
        } catch {
            if !error.message.isEmpty { recorded.append(error) }
            recorded += notes[n...]
            notes.removeSubrange(n...)
            return nil
        }
    }

    func callTerm(_ op: String, _ args: [Term], infix: InfixOperator?, at loc: SourceLocation) -> Term {
        Term(.call(Call(function: .dotted(op, loc), args: args, infix: infix, location: loc)), location: loc)
    }

    /// True if the current token is the `in` operator. In v0 without the import, `in` is still
    /// taken as the operator (a variable named `in` cannot follow a term), with a warning.
    mutating func atInOperator() -> Bool {
        guard atIdent("in"), !atRefHead, !atBracketRefHead else { return false }
        if keywords.contains("in") { return true }
        if version == .v0 && !current.newlineBefore {
            warnings.append(SyntaxWarning(
                "`in` used as the membership operator without `import future.keywords.in` (accepted; add the import)",
                location: current.location))
            return true
        }
        return false
    }

    /// A term with all infix operators. `keyVal` allows `k, v in xs` (not inside lists).
    /// `first`, if given, is an already parsed leftmost plain term (comprehension probing in
    /// collections hands it over instead of re-parsing, which would be exponential in nesting).
    mutating func parseTermInfixCall(keyVal: Bool = true, first: Term? = nil) throws(EngineError) -> Term {
        try enter()
        defer { leave() }
        var lhs = try parseRelation(first: first)
        if keyVal && at(.comma) {
            let s = save()
            advance()
            // `k, v in xs`; anything else backs off to `k` (dropping errors on the way).
            if let mhs = try? parseRelation(), atInOperator() {
                advance()
                if let rhs = try? parseRelation() {
                    lhs = callTerm("internal.member_3", [lhs, mhs, rhs], infix: .member, at: lhs.location)
                } else {
                    restore(s)
                }
            } else {
                restore(s)
            }
        }
        while atInOperator() {
            advance()
            guard let rhs = rightOperand({ p throws(EngineError) in try p.parseRelation() }) else { break }
            lhs = callTerm("internal.member_2", [lhs, rhs], infix: .member, at: lhs.location)
        }
        return lhs
    }

    private func relationOperator() -> InfixOperator? {
        switch current.kind {
        case .equal: return .equal
        case .notEqual: return .neq
        case .lt: return .lt
        case .lte: return .lte
        case .gt: return .gt
        case .gte: return .gte
        default: return nil
        }
    }

    mutating func parseRelation(first: Term? = nil) throws(EngineError) -> Term {
        var lhs = try parseOr(first: first)
        while let op = relationOperator() {
            advance()
            guard let rhs = rightOperand({ p throws(EngineError) in try p.parseOr() }) else { break }
            lhs = callTerm(op.builtinName, [lhs, rhs], infix: op, at: lhs.location)
        }
        return lhs
    }

    mutating func parseOr(first: Term? = nil) throws(EngineError) -> Term {
        var lhs = try parseAnd(first: first)
        while at(.pipe) {
            advance()
            guard let rhs = rightOperand({ p throws(EngineError) in try p.parseAnd() }) else { break }
            lhs = callTerm("or", [lhs, rhs], infix: .or, at: lhs.location)
        }
        return lhs
    }

    mutating func parseAnd(first: Term? = nil) throws(EngineError) -> Term {
        var lhs = try parseArith(first: first)
        while at(.amp) {
            advance()
            guard let rhs = rightOperand({ p throws(EngineError) in try p.parseArith() }) else { break }
            lhs = callTerm("and", [lhs, rhs], infix: .and, at: lhs.location)
        }
        return lhs
    }

    mutating func parseArith(first: Term? = nil) throws(EngineError) -> Term {
        var lhs = try parseFactor(first: first)
        while at(.plus) || at(.minus) {
            let op: InfixOperator = at(.plus) ? .plus : .minus
            advance()
            guard let rhs = rightOperand({ p throws(EngineError) in try p.parseFactor() }) else { break }
            lhs = callTerm(op.builtinName, [lhs, rhs], infix: op, at: lhs.location)
        }
        return lhs
    }

    mutating func parseFactor(first: Term? = nil) throws(EngineError) -> Term {
        var lhs: Term
        if let first { lhs = first } else { lhs = try parseTerm() }
        while at(.star) || at(.slash) || at(.percent) {
            let op: InfixOperator = at(.star) ? .mul : at(.slash) ? .div : .rem
            advance()
            guard let rhs = rightOperand({ p throws(EngineError) in try p.parseTerm() }) else { break }
            lhs = callTerm(op.builtinName, [lhs, rhs], infix: op, at: lhs.location)
        }
        return lhs
    }

    /// A plain term (no infix operators) with its ref/call suffixes.
    mutating func parseTerm() throws(EngineError) -> Term {
        try enter()
        defer { leave() }
        let t = current
        let loc = t.location
        let expressionStart = atExpressionStart
        atExpressionStart = false
        var term: Term
        switch t.kind {
        case .ident where (atRefHead || atBracketRefHead) && (expressionStart || !isKeywordHere(t.text) || t.text == "contains"):
            // A keyword heads a ref only as an expression's first term (`default.a == 1`);
            // elsewhere it is the keyword (`x := some.a`: `unexpected some keyword`), and past
            // the first term `true.s` is the literal with a ref after it: an illegal ref head,
            // as OPA.
            advance()
            term = Term(.variable(t.text), location: loc)
        case .ident:
            switch t.text {
            case "null": advance(); term = Term(.scalar(.null), location: loc)
            case "true": advance(); term = Term(.scalar(.true), location: loc)
            case "false": advance(); term = Term(.scalar(.false), location: loc)
            default:
                // `contains` stays usable as the builtin's name.
                if isKeywordHere(t.text) && t.text != "contains" {
                    keywordTermIndex = index
                    throw error("unexpected \(t.text) keyword", at: t)
                }
                advance()
                term = Term(.variable(t.text == "_" ? freshWildcard() : t.text), location: loc)
            }
        case .number:
            term = try numberTerm(t.text, at: t)  // checked before moving on, as OPA
            advance()
        case .minus, .dot:
            let prefixIsMinus = t.kind == .minus
            advance()
            if prefixIsMinus && !at(.number) && !at(.dot) && !at(.lparen) {
                // Only names, refs and calls take a unary minus.
                guard at(.ident), !isKeywordHere(current.text) || ((atRefHead || atBracketRefHead) && !["true", "false", "null"].contains(current.text)) else {
                    throw unexpected("expected number")
                }
                // Unary minus on a variable, ref or call: OPA evaluates `-x` as `0 - x`.
                let operand = try parseTerm()
                term = callTerm("minus", [Term(.scalar(.number(.int(0))), location: loc), operand], infix: .minus, at: loc)
                break
            }
            var text = prefixIsMinus ? "-" : "0."
            if prefixIsMinus && at(.dot) {
                advance()
                text += "0."
            }
            guard at(.number) else { throw unexpectedToken("expected number") }
            text += current.text
            advance()
            term = try numberTerm(text, at: t)
        case .badString:
            throw error(t.text, at: t)  // the scanner took it; its escapes do not decode
        case .string, .rawString:
            advance()
            term = Term(.scalar(.string(t.text)), location: loc)
        case .templateString, .rawTemplateString:
            advance()
            term = try parseTemplate(t)
        case .lbrack:
            term = try memoizingFailure { p throws(EngineError) in try p.parseArray() }
        case .lbrace:
            term = try memoizingFailure { p throws(EngineError) in try p.parseSetOrObject() }
        case .lparen:
            advance()
            term = try parseTermInfixCall()
            guard at(.rparen) else { throw error("non-terminated expression", at: current) }
            advance()
        default:
            throw unexpected()
        }
        return try parseTermFinish(term)
    }

    private func numberTerm(_ text: String, at t: Token) throws(EngineError) -> Term {
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        if digits.count > 1 && digits.hasPrefix("0") && digits.dropFirst().first.map({ $0 != "." && $0 != "e" && $0 != "E" }) == true {
            throw error("unexpected number token: expected number without leading zero", at: t)
        }
        if let message = Number.literalRangeError(text) { throw error(message, at: t) }
        guard let n = Number.literal(text) else { throw error("invalid number", at: t) }
        return Term(.scalar(.number(n)), location: t.location)
    }

    /// Applies `.x`, `[i]` and `(args)` suffixes that touch the term; bare `data` / `input`
    /// become refs.
    mutating func parseTermFinish(_ head: Term) throws(EngineError) -> Term {
        if adjacent && (at(.dot) || at(.lbrack) || at(.lparen)) {
            return try parseRef(head)
        }
        if case .variable(let v) = head.value, v == "data" || v == "input" {
            return Term(.ref(Ref(head: head, parts: [])), location: head.location)
        }
        return head
    }

    mutating func parseRef(_ head: Term) throws(EngineError) -> Term {
        switch head.value {
        case .variable, .array, .object, .set, .arrayComprehension, .setComprehension, .objectComprehension, .call:
            break
        case .scalar(let v):
            // OPA reports it at the head and reads the ref on.
            recorded.append(errorAt(head.location, "illegal ref (head cannot be \(v.typeName))"))
        case .ref, .template:
            recorded.append(errorAt(head.location, "illegal ref (head cannot be \(head.value.kindName))"))
        }
        var parts: [RefPart] = []
        while adjacent {
            if at(.dot) {
                let dot = advance()
                guard adjacent else { throw whitespaceAfter(dot, "expected identifier") }
                guard at(.ident) else { throw unexpected("expected identifier") }
                parts.append(.field(current.text, current.location))
                advance()
            } else if at(.lbrack) {
                advance()
                let t = try parseTermInfixCall()
                guard at(.rbrack) else { throw unexpected("expected [") }  // sic: OPA names the opening bracket
                advance()
                parts.append(.bracket(t))
            } else if at(.lparen) {
                let fn = Ref(head: head, parts: parts)
                let call = try parseCall(fn, at: head.location)
                if adjacent && (at(.dot) || at(.lbrack)) { return try parseRef(call) }
                return call
            } else {
                break
            }
        }
        if parts.isEmpty, case .variable = head.value {
            // `data`/`input` alone are refs too.
            return Term(.ref(Ref(head: head, parts: [])), location: head.location)
        }
        return Term(.ref(Ref(head: head, parts: parts)), location: head.location)
    }

    /// `fn(args…)` with the current token at `(`. `set()` is the empty set.
    mutating func parseCall(_ fn: Ref, at loc: SourceLocation) throws(EngineError) -> Term {
        advance()
        let args = try parseTermList(end: .rparen)
        if fn.parts.isEmpty, fn.headVariable == "set", args.isEmpty {
            return Term(.set([]), location: loc)
        }
        return Term(.call(Call(function: fn, args: args, location: loc)), location: loc)
    }

    /// Comma-separated terms up to `end` (consumed); a trailing comma is fine.
    mutating func parseTermList(end: TokenKind) throws(EngineError) -> [Term] {
        try parseListRest(end: end, items: [])
    }

    /// Splits a template string token into text and `{expr}` parts; each expression is parsed
    /// from its own byte range so locations stay exact.
    mutating func parseTemplate(_ t: Token) throws(EngineError) -> Term {
        let raw = t.kind == .rawTemplateString
        let contentStart = t.offset + 2
        let contentEnd = t.end - 1
        let lexer = Lexer(source: source, start: contentStart, end: contentEnd)
        var parts: [TemplatePart] = []
        var text: [UInt8] = []
        var i = contentStart
        while i < contentEnd {
            let c = source.bytes[i]
            if raw && c == UInt8(ascii: "\\") && i + 1 < contentEnd && source.bytes[i + 1] == UInt8(ascii: "{") {
                text.append(UInt8(ascii: "{"))
                i += 2
                continue
            }
            if !raw && c == UInt8(ascii: "\\") {
                i = try lexer.decodeEscape(at: i, into: &text, templateBraces: true)
                continue
            }
            if c == UInt8(ascii: "{") {
                if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
                let close = try lexer.skipTemplateExpression(from: i + 1)
                var sub = Lexer(source: source, start: i + 1, end: close - 1)
                let subTokens = try sub.tokenize()
                let savedTokens = tokens, savedIndex = index
                tokens = subTokens
                index = 0
                defer { tokens = savedTokens; index = savedIndex }
                if at(.eof) { throw error("empty template string expression", at: current) }
                let expr = try parseSimpleLiteral()
                guard at(.eof) else { throw unexpected("expected }") }
                parts.append(.expr(expr))
                i = close
                continue
            }
            text.append(c)
            i += 1
        }
        if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))) }
        return Term(.template(TemplateString(parts: parts, multiLine: raw)), location: t.location)
    }
}

extension TermValue {
    /// OPA's name for the term type, for messages.
    var kindName: String {
        switch self {
        case .scalar(let v): return v.typeName
        case .variable: return "var"
        case .ref: return "ref"
        case .array: return "array"
        case .set: return "set"
        case .object: return "object"
        case .arrayComprehension: return "arraycomprehension"
        case .setComprehension: return "setcomprehension"
        case .objectComprehension: return "objectcomprehension"
        case .call: return "call"
        case .template: return "templatestring"
        }
    }
}
