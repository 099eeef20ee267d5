// Module structure: package, imports, rules (heads, bodies, else chains, v0/v1 forms).

extension Parser {
    /// As OPA: the whole text is read as statements first (a parse error stops there); then
    /// the first statement must be the package, and statements that are not rules, imports or
    /// the package are reported (`statementErrors`), before the v1 strictness errors.
    mutating func parseModuleBody() throws(EngineError) -> Module {
        if at(.eof) && !at(.illegal) {
            throw EngineError(.parseError, "empty module", location: SourceLocation(file: source.file, row: 0, col: 0))
        }
        var module = Module(file: source.file, package: Package(path: Ref(head: .variable("data", current.location), parts: []),
                                                                location: current.location),
                            regoVersion: version)
        if atKeyword("package") {
            let pkgTok = advance()
            let path = try parsePackagePath(pkgTok)
            module.package = Package(path: Ref(head: .variable("data", pkgTok.location),
                                               parts: [.field(path.headVariable!, path.head.location)] + path.parts),
                                     location: pkgTok.location)
        } else {
            // The first statement stands in for the package whatever it is.
            statementErrors.append(statementError("package expected", at: current))
            let strictness = softErrors.count, problems = statementErrors.count
            if atKeyword("import") { _ = try parseImport() } else { _ = try parseStatement() }
            softErrors.removeSubrange(strictness...)
            statementErrors.removeSubrange(problems...)
        }
        var ruleStarts: [Int] = []
        while !at(.eof) {
            if atKeyword("import") && !atBracketRefHead {
                module.imports.append(try parseImport())
            } else if atKeyword("package") && !atBracketRefHead {
                let tok = advance()
                _ = try parsePackagePath(tok)
                statementErrors.append(statementError("unexpected package", at: tok))
            } else {
                let start = current
                switch try parseStatement() {
                case .rules(let rules):
                    for _ in rules { ruleStarts.append(start.location.row) }
                    module.rules += rules
                case .query(let problem):
                    if let p = problem { statementErrors.append(p) }
                }
            }
        }
        module.comments = comments
        module.warnings = warnings
        attachAnnotations(to: &module)
        return module
    }

    enum Statement {
        case rules([Rule])
        /// A query where a rule was expected, with OPA's complaint about it.
        case query(EngineError?)
    }

    /// One rule statement, or a query when the text is not a rule: a bare name followed by more
    /// on its line, a body-less rule followed by `;`, anything not starting with a name.
    mutating func parseStatement() throws(EngineError) -> Statement {
        let s = save()
        let s0 = current
        let problems = statementErrors.count
        if at(.ident), let rules = try parseRules() {
            let bodyless = rules.last.map { $0.body.count == 1 && $0.body[0].generated && $0.elseChain.isEmpty } ?? true
            // OPA's rule parser takes only rules with a body, default rules and `… contains x`;
            // the rest (`r := 1`, `f(x) := 1`, `p.q`) it reads as a query and makes a rule of
            // afterwards, so with errors already reported such a statement ends the parse.
            let readAsQuery = bodyless && rules.last?.isDefault != true && !headUsedContains
            if readAsQuery && hasErrors { throw stopping }
            // `some.a`, `package[0]` alone (a keyword touching `.` or `[` is a name to OPA's
            // scanner): a partial set rule OPA refuses to name after a keyword.
            if readAsQuery, let r = rules.last, r.head.kind == .partialSet || (!r.head.ref.parts.isEmpty && r.head.valueGenerated),
               let h = r.head.ref.headVariable, isKeyword(h) {
                statementErrors.append(statementError("\(h) keyword cannot be used for rule name", at: s0))
            }
            // (A default rule is a statement of its own: `default r := 1; …` fails at the `;`.)
            if rules.last?.isDefault == true { return .rules(rules) }
            // The query reading differs when a `;` follows (`r := 1; x`) or the head crossed
            // whitespace (`r [1] := 2` is the query `r`, then `[1] := 2`).
            // So does an operator after it on its line: `r[k]| {2}` is the query `r[k] | {2}`.
            let operatorFollows = !current.newlineBefore && Parser.infixTokens.contains(current.kind)
            if !(bodyless && at(.semicolon)) && !(readAsQuery && (headSpaced || operatorFollows)) { return .rules(rules) }
            statementErrors.removeSubrange(problems...)
        }
        // Errors recorded so far (a failed operand, the scanner's) end the parse where a
        // statement is not a rule, as in OPA.
        if hasErrors { throw stopping }
        restore(s)
        return .query(try statementAsRuleError())
    }

    /// A statement read as a query (literals separated by `;`): the error OPA gives when it
    /// turns that query into a rule (nil when it makes a rule of it).
    mutating func statementAsRuleError() throws(EngineError) -> EngineError? {
        let start = current
        var body: Body = []
        while true {
            body.append(try parseLiteral())
            if at(.semicolon) { advance(); continue }
            break
        }
        if body.count > 1 { return statementError("multiple expressions cannot be used for rule head", at: start) }
        let expr = body[0]
        if expr.negated { return statementError("negated expressions cannot be used for rule head", at: start) }
        if !expr.with.isEmpty {
            return statementError("expressions using with keyword cannot be used for rule head", at: start)
        }
        var name: Term?
        switch expr.kind {
        case .term(let t):
            switch t.value {
            case .ref(let r) where r.headVariable == nil:
                return statementError("invalid rule head: \(RefText.ref(r))", at: start)
            case .ref(let r) where r.parts.isEmpty:
                return statementError("refs cannot be used for rule head", at: start)
            case .ref(let r):
                // (`package[0]`, `some.a`: a keyword touching `[` or `.` is a name to the scanner.)
                if let h = r.headVariable, isKeyword(h) {
                    statementErrors.append(statementError("\(h) keyword cannot be used for rule name", at: start))
                }
                // A ref of one part alone is a partial set rule without `contains`; a longer one neither.
                softErrors.append(statementError(r.parts.count > 1 && strict
                    ? "rule must have value assignment and/or body declaration"
                    : "`contains` keyword is required for partial set rules", at: start))
                return nil
            case .call(let c):
                // A call is a function rule, unless it names a builtin.
                return BuiltinRegistry.lookup(c.name) != nil
                    ? statementError("rule name conflicts with built-in function", at: start) : nil
            default:
                name = t
            }
        case .call(let c) where (c.name == "eq" || c.name == "assign") && c.args.count == 2:
            // `(x) := 7` is the rule `x := 7`; a ref must start with a name (`[1][0] := 2` does not).
            switch c.args[0].value {
            case .ref(let r) where r.headVariable == nil:
                return statementError("invalid rule head: \(RefText.ref(r))", at: start)
            case .variable, .ref, .call: return nil
            default: name = c.args[0]
            }
        case .call(let c):
            if BuiltinRegistry.lookup(c.name) != nil { return statementError("rule name conflicts with built-in function", at: start) }
            return nil
        default: break
        }
        if let n = name { return statementError("\(n.value.kindName) cannot be used for rule name", at: start) }
        return statementError("expression cannot be used for rule head", at: start)
    }

    /// The path after `package`.
    mutating func parsePackagePath(_ pkgTok: Token) throws(EngineError) -> Ref {
        let path = try parseStaticPath()
        guard path.headVariable != nil else { throw error("package path must start with a name", at: pkgTok) }
        // `package f(x)`: OPA reads the call as the package term and fails at what follows.
        if at(.lparen) && adjacent {
            advance()
            _ = try parseTermList(end: .rparen)
            throw unexpected()
        }
        return path
    }

    /// `a.b["c"]` as used by `package` and `import`: a name, then `.name` / `["string"]` parts.
    mutating func parseStaticPath() throws(EngineError) -> Ref {
        guard at(.ident) else { throw unexpected() }
        let head = advance()
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
                guard at(.string) || at(.rawString) else { throw unexpected("expecting string") }
                parts.append(.bracket(.string(current.text, current.location)))
                advance()
                try expect(.rbrack)
            } else {
                break
            }
        }
        return Ref(head: .variable(head.text, head.location), parts: parts)
    }

    mutating func parseImport() throws(EngineError) -> Import {
        failedCollections = [:]  // keywords may change
        let tok = advance()
        let pathTok = current
        let path: Ref
        do {
            path = try parseStaticPath()
            plainNameIndex = index
        } catch {
            // OPA adds `expected path` once the path has begun.
            if pathTok.kind == .ident {
                notes.append(EngineError(.parseError, "expected path", location: error.location, detail: error.detail))
            }
            throw error
        }
        let root = path.headVariable ?? ""
        guard ["data", "input", "future", "rego"].contains(root) else {
            throw error("unexpected import path, must begin with one of: {data, future, input, rego}, got: \(root) (hint: if this is unexpected, try updating OPA)", at: pathTok)
        }
        var alias: String?
        if atKeyword("as") {
            advance()
            guard at(.ident), !isKeywordHere(current.text) else { throw unexpected("expected var") }
            // OPA reads a whole term: one that is no plain name (`as f(x)`, `as x.y`) fails at
            // the token after it.
            let t = try parseTerm()
            guard case .variable(let name) = t.value else { throw unexpected("expected var") }
            alias = name
        }
        if alias == nil, root == "data" || root == "input", case .field(let last, let loc)? = path.parts.last, isKeyword(last) {
            throw EngineError(.parseError, "unexpected import path, must not end with a keyword, got: \(last) (hint: import a different path or use an alias)",
                              location: loc, detail: LineDetail(bytes: source.bytes, offset: source.offset(of: loc)))
        }
        let imp = Import(path: path, alias: alias, location: tok.location)
        switch root {
        case "future":
            let keys = path.parts.map { $0.stringKey ?? "" }
            guard keys.first == "keywords", keys.count <= 2 else {
                throw error("invalid import \(path.dottedName), must be `future.keywords` or `future.keywords.x`", at: pathTok)
            }
            if alias != nil { throw error("`future` imports cannot be aliased", at: pathTok) }
            if importsRegoV1 { throw error(Self.regoV1ImpliesFuture, at: pathTok) }
            if keys.count == 1 {
                keywords.formUnion(Parser.futureKeywords)
            } else {
                let kw = keys[1]
                guard Parser.futureKeywords.contains(kw) || kw == "and" || kw == "or" || kw == "not" else {
                    throw error("unexpected keyword, must be one of [and contains every if in not or]", at: pathTok)
                }
                keywords.insert(kw)
            }
        case "rego":
            guard path.parts.count == 1, path.parts[0].stringKey == "v1" else {
                throw error("invalid import `\(path.dottedName)`, must be `rego.v1`", at: pathTok)
            }
            // In v1 the import changes nothing (an alias is accepted). In v0 it brings every
            // future keyword and v1's rules, so it cannot follow a `future.keywords` import.
            guard version == .v0 else { break }
            if alias != nil { throw error("`rego` imports cannot be aliased", at: pathTok) }
            if !importsRegoV1 && !keywords.isDisjoint(with: Parser.futureKeywords) {
                throw error(Self.regoV1ImpliesFuture, at: pathTok)
            }
            importsRegoV1 = true
            keywords.formUnion(Parser.futureKeywords)
        default:
            break
        }
        return imp
    }

    static let infixTokens: Set<TokenKind> = [.pipe, .amp, .plus, .minus, .star, .slash, .percent, .equal, .notEqual,
                                              .lt, .lte, .gt, .gte, .unify, .assign]

    static let regoV1ImpliesFuture = "the `rego.v1` import implies `future.keywords`, these are therefore mutually exclusive"

    // MARK: - Rules

    /// The first part of a default rule's value that is not a constant, named as OPA names it
    /// ("var", "ref", "call"), or nil for a constant value.
    static func nonConstantPart(_ t: Term) -> String? {
        switch t.value {
        case .scalar: return nil
        case .variable: return "var"
        case .ref: return "ref"
        case .call: return "call"
        case .array(let xs), .set(let xs): return xs.lazy.compactMap(nonConstantPart).first
        case .object(let items):
            for i in items { if let w = nonConstantPart(i.key) ?? nonConstantPart(i.value) { return w } }
            return nil
        default: return nil
        }
    }

    /// One rule statement; v0 `p { a } { b }` yields several rules. Nil for a bare name, which
    /// OPA reads as a query.
    mutating func parseRules() throws(EngineError) -> [Rule]? {
        let startTok = current
        var isDefault = false
        headUsedContains = false
        headSpaced = false
        // `default[k] := …` is a rule named `default` (as `default.a := …` is).
        let next = peek()
        let defaultNamesRule = atKeyword("default") && next.kind == .lbrack && next.offset == current.end
        if atKeyword("default"), !defaultNamesRule {
            advance()
            isDefault = true
        }
        // `not x`, `true`, `some x`, `default :=`: a query (`unexpected default keyword`).
        guard at(.ident), !isKeywordHere(current.text) || atRefHead || atBracketRefHead || defaultNamesRule else { return nil }
        let headLoc = current.location
        let headStart = current.offset
        var ref = try noting("expected rule head name") { p throws(EngineError) in try p.parseRuleRef() }
        var args: [Term]?
        var emptyArgs = false
        if at(.lparen) && (adjacent || ref.parts.isEmpty) {
            if !adjacent { headSpaced = true }
            advance()
            args = try noting("expected rule head name") { p throws(EngineError) in try p.parseTermList(end: .rparen) }
            // `f()` declares no function: OPA reads it as the complete rule `f`, which needs a
            // value or a body; without them what follows is the next statement.
            if args?.isEmpty == true {
                args = nil
                emptyArgs = true
                if !isDefault && !at(.assign) && !at(.unify) && !atKeyword("if") && !at(.lbrace) && !atKeyword("contains") {
                    statementErrors.append(statementError("rule argument list must take at least one argument", at: startTok))
                    return []
                }
            }
        }
        let headText = source.text(from: headStart, to: tokens[max(0, index - 1)].end)
        let refText = args == nil && !emptyArgs ? headText : ref.dottedName

        // A head with neither value nor body followed, after a space, by more on its line is
        // not a rule: OPA reads the statement as a query (`r *if`, `p x`, `f(x) == 7`).
        if !isDefault && !atKeyword("contains") && !at(.assign) && !at(.unify) && !atKeyword("if") && !at(.lbrace)
            && !at(.eof) && !current.newlineBefore && !adjacent {
            return nil
        }
        // Touching the head, a `-` is no operator of a query: `f-x) := 7` is `unexpected minus token`.
        if args == nil, !emptyArgs, at(.minus), adjacent, !current.newlineBefore { throw unexpected() }
        // So is any operator touching a bare name (`r2%(a0) := 1`, `r|x`); after a ref or call
        // the statement is a query (`r[1]|x`).
        if args == nil, !emptyArgs, ref.parts.isEmpty, adjacent, !at(.assign), !at(.unify),
           Parser.infixTokens.contains(current.kind) { throw unexpected() }
        if isDefault {
            if atKeyword("contains") { throw error("illegal default rule (must have a value)", at: startTok) }
            // `default a` alone is `default a := true`, as in OPA, which then reads whatever
            // follows as the next statement (`default r false`: `boolean cannot be used for rule name`).
            let valueless = !at(.assign) && !at(.unify)
            let assign = !valueless && at(.assign)
            let value: Term
            if valueless {
                value = Term.bool(true, headLoc)
            } else {
                advance()
                // OPA's complaint is the one of any rule head, except for `default r :=`.
                let note = !assign ? "expected rule value term (e.g., \(refText)[<nil>] = <VALUE> { ... })"
                    : args != nil ? "expected function value term (e.g., \(refText)(...) := <VALUE> { ... })"
                    : "expected default rule value term (e.g., default \(refText) := <VALUE>)"
                value = try noting(note) {
                    p throws(EngineError) in try p.parseTermInfixCall()
                }
            }
            if let what = Self.nonConstantPart(value) {
                throw error("illegal default rule (value cannot contain \(what))", at: startTok)
            }
            let head = RuleHead(kind: args != nil ? .function : (ref.isGroundPath ? .complete : .partialObject),
                                ref: ref, args: args, value: value, assign: assign, location: headLoc)
            return [Rule(isDefault: true, head: head, body: [generatedTrue(at: value.location)], location: startTok.location)]
        }

        var head: RuleHead
        var missingContains = false
        if atKeyword("contains") {
            if args != nil || emptyArgs {
                throw unexpected("the contains keyword can only be used with multi-value rule definitions (e.g., \(ref.dottedName) contains <VALUE> { ... })")
            }
            advance()
            headUsedContains = true
            let key = try termOrIf("expected rule key term (e.g., \(refText) contains <VALUE> { ... })", isKey: true)
            head = RuleHead(kind: .partialSet, ref: ref, key: key, value: nil, assign: false, location: headLoc)
        } else if at(.assign) || at(.unify) {
            let assign = at(.assign)
            advance()
            // OPA's hint: `f(...) :=` for functions, `r[<nil>] =` (its print of an `=` head).
            let hint = !assign ? "rule value term (e.g., \(refText)[<nil>] = <VALUE> { ... })"
                : args != nil ? "function value term (e.g., \(refText)(...) := <VALUE> { ... })"
                : "rule value term (e.g., \(refText) := <VALUE> { ... })"
            let value = try termOrIf("expected " + hint)
            if args != nil {
                head = RuleHead(kind: .function, ref: ref, args: args, value: value, assign: assign, location: headLoc)
            } else if ref.isGroundPath {
                head = RuleHead(kind: .complete, ref: ref, value: value, assign: assign, location: headLoc)
            } else {
                head = RuleHead(kind: .partialObject, ref: ref, key: ref.parts.last?.term, value: value,
                                assign: assign, location: headLoc)
            }
        } else {
            let t = Term.bool(true, headLoc)
            // A bare call statement naming a builtin (`count(1)`) is a query OPA cannot make a
            // function of.
            if args != nil, !atKeyword("if"), !at(.lbrace), BuiltinRegistry.lookup(ref.dottedName) != nil {
                statementErrors.append(statementError("rule name conflicts with built-in function", at: startTok))
                return []
            }
            if args != nil {
                head = RuleHead(kind: .function, ref: ref, args: args, value: t, assign: false,
                                valueGenerated: true, location: headLoc)
            } else if ref.parts.count == 1, case .bracket(let key) = ref.parts[0], !atKeyword("if") {
                // v0 partial set `p[x] { … }`; in v1 OPA reads it the same way and asks for
                // `contains`. With `if` (v1, or v0 importing it) `p[x] if …` is an object rule.
                ref.parts.removeLast()
                head = RuleHead(kind: .partialSet, ref: ref, key: key, value: nil, assign: false, location: headLoc)
                missingContains = strict
            } else if !ref.isGroundPath {
                if !atKeyword("if") && !at(.lbrace) && strict {
                    softErrors.append(statementError("rule must have value assignment and/or body declaration", at: startTok))
                }
                head = RuleHead(kind: .partialObject, ref: ref, key: ref.parts.last?.term, value: t, assign: false,
                                valueGenerated: true, location: headLoc)
            } else {
                if !atKeyword("if") && !at(.lbrace) {
                    // A bare name is a statement of its own, which OPA cannot make a rule of.
                    if ref.parts.isEmpty {
                        // (`input` and `data` alone are refs to OPA.)
                        let root = ref.headVariable == "input" || ref.headVariable == "data"
                        statementErrors.append(statementError(root ? "refs cannot be used for rule head" : "var cannot be used for rule name", at: startTok))
                        return []
                    }
                    // `p.q` alone is the partial set rule `p contains "q"` (as `p["q"]` is), a
                    // longer ref `p.q.r := true`; v1 asks for `contains` / a value or body.
                    if strict {
                        softErrors.append(statementError(ref.parts.count > 1
                            ? "rule must have value assignment and/or body declaration"
                            : "`contains` keyword is required for partial set rules", at: startTok))
                    } else if ref.parts.count == 1 {
                        head = RuleHead(kind: .partialSet, ref: Ref(head: ref.head, parts: []), key: ref.parts[0].term,
                                        value: nil, assign: false, location: headLoc)
                        return [Rule(head: head, body: try parseRuleBody(ruleStart: startTok, allowBodyless: true).0,
                                     location: startTok.location)]
                    }
                }
                head = RuleHead(kind: .complete, ref: ref, value: t, assign: false, valueGenerated: true, location: headLoc)
            }
        }

        if atKeyword("with") {
            _ = try parseWith()  // its own parse errors come first (`with {`: expected ident)
            throw statementError("expressions using with keyword cannot be used for rule head", at: startTok)
        }
        let (body, hasIf) = try parseRuleBody(ruleStart: startTok, allowBodyless: true, function: args != nil)
        if missingContains {
            softErrors.append(statementError("`contains` keyword is required for partial set rules", at: startTok))
        }
        var rule = Rule(head: head, body: body, location: startTok.location, hasIf: hasIf)
        // Only a rule with a body has an else chain: after `r := 7` an `else` starts the next
        // statement (`unexpected else keyword`).
        let bodyless = !hasIf && body.count == 1 && body[0].generated
        if atKeyword("else"), !atBracketRefHead, !bodyless {
            guard head.kind == .complete || head.kind == .function else {
                throw error("else keyword cannot be used on \(head.kind == .partialSet ? "multi-value rules" : "rules with variables in head")", at: current)
            }
            rule.elseChain = try parseElseChain(args: args, assign: head.assign)
        }
        var rules = [rule]
        // Chained bodies, in v1 as in v0: `p if { a } { b }` (also `p if a { b }`, a `{` on
        // the next line) defines p once per body, each with the first body's `if` or its lack
        // (`p := 1 { a } { b }` asks for `if` twice in v1). After an else chain a `{` is
        // OPA's `expected else keyword` (`else := 0 if count { … }`).
        while at(.lbrace) {
            if rule.elseChain.isEmpty == false { throw error("expected else keyword", at: current) }
            let next = try parseBraceBody()
            if strict && !hasIf {
                softErrors.append(statementError("`if` keyword is required before \(args != nil ? "function" : "rule") body", at: startTok))
            }
            if missingContains {
                softErrors.append(statementError("`contains` keyword is required for partial set rules", at: startTok))
            }
            rules.append(Rule(head: head, body: next, location: startTok.location, hasIf: hasIf))
        }
        return rules
    }

    /// A rule's value or key term. When it fails at an `if` or `{` (`r := if { … }`, `r := [1
    /// if { … }`), OPA records its complaints and goes on with the rule's body and the
    /// statements after it (a non-rule statement then ends the parse), so errors further on are
    /// reported too. Elsewhere the failure ends the parse, except for a `contains` key: OPA keeps
    /// that rule without a body and reads on (`r contains import if …` reports the import too).
    mutating func termOrIf(_ note: String, isKey: Bool = false) throws(EngineError) -> Term {
        let n = notes.count
        do {
            return try noting(note) { p throws(EngineError) in try p.parseTermInfixCall() }
        } catch {
            guard atKeyword("if") || at(.lbrace) || isKey, !error.message.isEmpty, error.location == current.location else { throw error }
            recorded.append(error)
            recorded += notes[n...]
            notes.removeSubrange(n...)
            return Term.bool(true, current.location)
        }
    }

    /// The rule name: `p`, `p.q`, `p[x]`, `p.q["r"][s]` (refs must touch).
    mutating func parseRuleRef() throws(EngineError) -> Ref {
        let head = advance()
        var parts: [RefPart] = []
        // As in OPA, whitespace (a newline too) may come between the name and a first `[`, `.`
        // or `(`: `r [x] if …` is `r[x]`, `r .a if …` `r.a`, `f (x) := …` `f(x)`. Later parts
        // must touch.
        if !adjacent && (at(.lbrack) || at(.dot)) { headSpaced = true }
        while adjacent || (parts.isEmpty && headSpaced) {
            if at(.dot) {
                let dot = advance()
                guard adjacent else { throw whitespaceAfter(dot, "expected identifier") }
                guard at(.ident) else { throw unexpected("expected identifier") }
                parts.append(.field(current.text, current.location))
                advance()
            } else if at(.lbrack) {
                advance()
                let t = try parseTermInfixCall(keyVal: false)
                guard at(.rbrack) else { throw unexpected("expected [") }  // sic, as OPA
                advance()
                parts.append(.bracket(t))
            } else {
                break
            }
        }
        return Ref(head: .variable(head.text, head.location), parts: parts)
    }

    func isBareSetLiteral(_ e: Expr) -> Bool {
        if case .term(let t) = e.kind, case .set = t.value { return true }
        return false
    }

    func generatedTrue(at loc: SourceLocation) -> Expr {
        Expr(kind: .term(.bool(true, loc)), generated: true, location: loc)
    }

    /// `if { … }`, `if literal`, v0 `{ … }`, or nothing (body-less rule).
    /// `elseBranch`: after `else … if`, a `{` always opens a body.
    mutating func parseRuleBody(ruleStart: Token, allowBodyless: Bool, elseBranch: Bool = false,
                                function: Bool = false) throws(EngineError) -> (Body, Bool) {
        if atKeyword("if") {
            advance()
            if elseBranch && at(.eof) { throw unexpected("rule body expected") }
            if at(.lbrace) && !elseBranch {
                // As OPA: after a rule's first `if`, `{ … }` starts a single expression when it
                // parses as one (`if { x | x := 1 }` is a set comprehension, `if {} ` an empty
                // object, `if { 1 } == {1}` a comparison), unless that expression is a bare set
                // literal (`if { false }` is a body).
                let s = save()
                if let lit = try? parseLiteral(), !isBareSetLiteral(lit) { return ([lit], true) }
                restore(s)
            }
            if at(.lbrace) { return (try parseBraceBody(), true) }
            return ([try parseLiteral()], true)
        }
        if at(.lbrace) {
            if strict {
                softErrors.append(statementError("`if` keyword is required before \(function ? "function" : "rule") body", at: ruleStart))
            }
            return (try parseBraceBody(), false)
        }
        if !allowBodyless { throw unexpected() }
        return ([generatedTrue(at: ruleStart.location)], false)
    }

    mutating func parseElseChain(args: [Term]?, assign ruleAssign: Bool) throws(EngineError) -> [ElseBranch] {
        var chain: [ElseBranch] = []
        while atKeyword("else") && !atBracketRefHead {
            let tok = advance()
            let branchArgs = args?.map { renamingWildcards($0) }
            var value = Term.bool(true, tok.location)
            var generated = true
            var assign = ruleAssign
            if at(.assign) || at(.unify) {
                assign = at(.assign)
                advance()
                value = try parseTermInfixCall()
                generated = false
            } else if !atKeyword("if") && !at(.lbrace) {
                // A bare `else` needs a value or a body (`else` at the end, `else else`).
                throw unexpected("expected else value term or rule body")
            }
            let (body, hasIf) = try parseRuleBody(ruleStart: tok, allowBodyless: true, elseBranch: true)
            chain.append(ElseBranch(value: value, valueGenerated: generated, assign: assign, body: body,
                                    args: branchArgs, location: tok.location))
            // A branch without a body ends the chain: a further `else` starts the next statement
            // (`else := 2 else`: `unexpected else keyword`).
            if !hasIf && body.count == 1 && body[0].generated { break }
        }
        return chain
    }
}

extension Parser {
    /// A copy of `t` with every wildcard (`$N`) replaced by a fresh one.
    mutating func renamingWildcards(_ t: Term) -> Term {
        var t = t
        switch t.value {
        case .variable(let v) where v.hasPrefix("$"):
            t.value = .variable(freshWildcard())
        case .array(let xs): t.value = .array(xs.map { renamingWildcards($0) })
        case .set(let xs): t.value = .set(xs.map { renamingWildcards($0) })
        case .object(let items):
            t.value = .object(items.map { ObjectItem(key: renamingWildcards($0.key), value: renamingWildcards($0.value)) })
        case .ref(var r):
            r.head = renamingWildcards(r.head)
            r.parts = r.parts.map { p in
                if case .bracket(let b) = p { return .bracket(renamingWildcards(b)) }
                return p
            }
            t.value = .ref(r)
        default: break
        }
        return t
    }
}
