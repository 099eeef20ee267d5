// Bodies, literals (`not`, `some`, `every`, `with`), expressions, and the experimental
// `and`/`or` logic operators.

extension Parser {
    /// Literals separated by `;` or newlines, up to (not including) `end`.
    mutating func parseQuery(end: TokenKind) throws(EngineError) -> Body {
        try enter()
        defer { leave() }
        var body: Body = []
        while true {
            if at(end) && body.isEmpty { throw error("found empty body", at: current) }
            let start = current
            body.append(try parseLiteral())
            if end == .eof, index > 0 {
                // A top-level query expression: keep its source text for `opa eval`-style output.
                querySpans.append(QuerySpan(text: source.text(from: start.offset, to: tokens[index - 1].end),
                                            location: start.location))
            }
            if at(.semicolon) {
                advance()
                continue
            }
            if at(end) { return body }
            if current.newlineBefore { continue }
            if hasErrors { throw stopping }
            throw unexpected("expected \\n or ; or \(end.spelling)")
        }
    }

    /// `{ query }`, consuming the braces.
    mutating func parseBraceBody() throws(EngineError) -> Body {
        try expect(.lbrace)
        if at(.rbrace) { throw error("found empty body", at: current) }
        let body = try parseQuery(end: .rbrace)
        try expect(.rbrace)
        return body
    }

    var notBodies: Bool { keywords.contains("not") }

    var logicKeywords: Bool { keywords.contains("and") || keywords.contains("or") }

    /// One literal; with `and`/`or` enabled, a whole logic expression.
    mutating func parseLiteral() throws(EngineError) -> Expr {
        guard logicKeywords else { return try parseSimpleLiteral() }
        let body = try parseLogicalOr()
        if body.count == 1 { return body[0] }
        // A `{ … }` group with several literals and no operator: keep it as `x and true`-free
        // body by wrapping in an `and` with an empty side is wrong, so refuse.
        throw error("unexpected body group", at: current)
    }

    mutating func parseSimpleLiteral() throws(EngineError) -> Expr {
        let start = current
        var negated = false
        if atKeyword("not") && !atBracketRefHead {
            advance()
            negated = true
            if notBodies && at(.lbrace) {
                let body = try parseBraceBody()
                var expr = Expr(kind: .notBody(body), location: start.location)
                if atKeyword("with") { expr.with = try parseWith() }
                return expr
            }
        }
        // After `not` a keyword is never a ref head (`not some.a`).
        if negated && atIdent("some") && isKeywordHere("some") { throw unexpected("illegal negation of 'some'") }
        if negated && atIdent("every") && isKeywordHere("every") { throw unexpected("illegal negation of 'every'") }
        if atKeyword("some") && !atBracketRefHead { return try parseSome() }
        if atKeyword("every") && !atBracketRefHead { return try parseEvery() }
        var expr = try parseExpr()
        expr.negated = negated
        expr.location = start.location
        if atKeyword("with") { expr.with = try parseWith() }
        return expr
    }

    /// `term`, `term := term`, `term = term`.
    mutating func parseExpr() throws(EngineError) -> Expr {
        atExpressionStart = !(index > 0 && previous.kind == .ident && previous.text == "not")  // not after `not`
        let lhs = try parseTermInfixCall()
        if at(.assign) || at(.unify) {
            let op: InfixOperator = at(.assign) ? .assign : .unify
            advance()
            let rhs = try parseTermInfixCall()
            return Expr(kind: .call(Call(function: .dotted(op.builtinName, lhs.location), args: [lhs, rhs],
                                         infix: op, location: lhs.location)),
                        location: lhs.location)
        }
        if case .call(let c) = lhs.value { return Expr(kind: .call(c), location: lhs.location) }
        return Expr(kind: .term(lhs), location: lhs.location)
    }

    mutating func parseWith() throws(EngineError) -> [WithModifier] {
        var mods: [WithModifier] = []
        while atKeyword("with") {
            let loc = current.location
            advance()
            guard at(.ident), !isKeywordHere(current.text) else { throw unexpected("expected ident") }
            let target = try parseTerm()
            // A target that is no name or ref (`with f(1) as …`) is noted and the parse goes on.
            switch target.value {
            case .variable, .ref: break
            default: recorded.append(unexpected("expected with target path"))
            }
            guard atKeyword("as") else { throw unexpected("expected as keyword") }
            advance()
            let value = try parseTermInfixCall()
            mods.append(WithModifier(target: target, value: value, location: loc))
        }
        return mods
    }

    /// `some x, y` or `some x in xs` / `some k, v in xs`.
    mutating func parseSome() throws(EngineError) -> Expr {
        let loc = current.location
        advance()
        let s = save()
        if let term = try? parseTermInfixCall(), case .call(let call) = term.value {
            let decl: SomeDecl
            switch (call.name, call.args.count) {
            case ("internal.member_2", 2):
                decl = .membership(key: nil, value: call.args[0], collection: call.args[1])
            case ("internal.member_3", 3):
                decl = .membership(key: call.args[0], value: call.args[1], collection: call.args[2])
            default:
                // OPA complains at the token after the whole term (`some x == 1;`: the `;`).
                throw unexpected("expected `x in xs` or `x, y in xs` expression")
            }
            var expr = Expr(kind: .some(decl), location: loc)
            if atKeyword("with") { expr.with = try parseWith() }
            return expr
        }
        restore(s)
        var vars: [Term] = []
        while true {
            guard at(.ident), !isKeywordHere(current.text) else { throw unexpected("expected var") }
            let t = advance()
            vars.append(Term(.variable(t.text == "_" ? freshWildcard() : t.text), location: t.location))
            guard at(.comma) else { break }
            advance()
        }
        if atIdent("in") && !keywords.contains("in") {
            throw error("unexpected ident token: expected \\n or ; or } (hint: `import future.keywords.in` for `some x in xs` expressions)", at: current)
        }
        return Expr(kind: .some(.vars(vars)), location: loc)
    }

    /// `every [k,] v in xs { body }`.
    mutating func parseEvery() throws(EngineError) -> Expr {
        let loc = current.location
        advance()
        // A term that does not parse is its own error; one that is not `x in xs` gets this note.
        let term = try parseTermInfixCall()
        guard case .call(let call) = term.value,
              call.name == "internal.member_2" || call.name == "internal.member_3" else {
            throw unexpected("expected `x[, y] in xs { ... }` expression")
        }
        let key: Term? = call.args.count == 3 ? call.args[0] : nil
        let value = call.args[call.args.count - 2]
        for v in [key, value].compactMap({ $0 }) where v.variableName == nil {
            throw error("unexpected \(v.value.kindName) token: expected var", at: Token(kind: .ident, text: "", location: v.location, offset: 0, end: 0, newlineBefore: false))
        }
        guard at(.lbrace) else { throw unexpected("missing body") }
        let body = try parseBraceBody()
        var expr = Expr(kind: .every(Every(key: key, value: value, collection: call.args[call.args.count - 1],
                                           body: body, location: loc)), location: loc)
        if atKeyword("with") { expr.with = try parseWith() }
        return expr
    }

    // MARK: - and / or

    mutating func parseLogicalOr() throws(EngineError) -> Body {
        var lhs = try parseLogicalAnd()
        while atKeyword("or") {
            advance()
            let rhs = try parseLogicalAnd(rhs: true)
            let loc = lhs.first?.location ?? current.location
            lhs = [Expr(kind: .logical(Logical(op: .or, lhs: lhs, rhs: rhs, location: loc)), location: loc)]
        }
        return lhs
    }

    mutating func parseLogicalAnd(rhs: Bool = false) throws(EngineError) -> Body {
        var lhs = try parseLogicalOperand(rhs: rhs)
        while atKeyword("and") {
            advance()
            let r = try parseLogicalOperand(rhs: true)
            let loc = lhs.first?.location ?? current.location
            lhs = [Expr(kind: .logical(Logical(op: .and, lhs: lhs, rhs: r, location: loc)), location: loc)]
        }
        return lhs
    }

    /// A literal, `( logic )`, `not ( logic )`, or a `{ body }` group.
    mutating func parseLogicalOperand(rhs: Bool) throws(EngineError) -> Body {
        if at(.lbrace) {
            let s = save()
            if let body = try? parseBraceBody(), rhs || atKeyword("and") || atKeyword("or") { return body }
            restore(s)
        }
        let s = save()
        do {
            return [try parseSimpleLiteral()]
        } catch {
            restore(s)
            var negated = false
            let start = current
            if atKeyword("not") {
                advance()
                negated = true
            }
            guard at(.lparen) else { throw error }
            advance()
            var inner = try parseLogicalOr()
            if atKeyword("with"), inner.count == 1 { inner[0].with += try parseWith() }
            // `(a or b with input as x)`: the modifier covers the whole group.
            if inner.count == 1, case .logical(var l) = inner[0].kind, inner[0].with.isEmpty,
               let last = l.rhs.indices.last, !l.rhs[last].with.isEmpty {
                let mods = l.rhs[last].with
                l.rhs[last].with = []
                inner[0].kind = .logical(l)
                inner[0].with = mods
            }
            guard at(.rparen) else { throw error }
            advance()
            if negated {
                guard inner.count == 1 else { throw unexpected() }
                inner[0].negated.toggle()
                inner[0].location = start.location
            }
            return inner
        }
    }
}
