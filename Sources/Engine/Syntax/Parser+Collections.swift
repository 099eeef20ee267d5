// Arrays, sets, objects and their comprehensions, read as OPA reads them: the first element as a
// plain term decides between a comprehension (`[x | …]`, `{k: v | …}`) and a collection
// (`[x | y]` is then an array holding `x | y`). A comprehension whose body fails at a `,` is
// read again as a collection (its errors dropped); one failing anywhere else is the error.

/// The effects of a failed collection parse, replayed when the same text is read again.
struct CollectionFailure {
    let error: EngineError
    let index: Int
    let furthest: Int
    let notes: [EngineError]
    let recorded: [EngineError]
    let warnings: [SyntaxWarning]
    let softErrors: [EngineError]
    let wildcards: Int
}

extension Parser {
    /// Parses a collection at the current token, or replays how it failed before.
    mutating func memoizingFailure(_ parse: (inout Parser) throws(EngineError) -> Term) throws(EngineError) -> Term {
        let start = index
        if let f = failedCollections[start] {
            index = f.index
            furthest = max(furthest, f.furthest)
            notes += f.notes
            recorded += f.recorded
            warnings += f.warnings
            softErrors += f.softErrors
            wildcardCounter += f.wildcards
            throw f.error
        }
        let s = save()
        do {
            return try parse(&self)
        } catch {
            failedCollections[start] = CollectionFailure(
                error: error, index: index, furthest: furthest, notes: Array(notes[s.notes...]),
                recorded: Array(recorded[s.recorded...]), warnings: Array(warnings[s.warnings...]),
                softErrors: Array(softErrors[s.softErrors...]), wildcards: wildcardCounter - s.wildcards)
            throw error
        }
    }

    mutating func parseArray() throws(EngineError) -> Term {
        let loc = current.location
        advance()
        if at(.rbrack) { advance(); return Term(.array([]), location: loc) }
        var maybeComprehension = true
        if at(.comma) { maybeComprehension = false; advance() }
        let head = try parseTerm()
        let afterHead = save()
        switch current.kind {
        case .rbrack:
            advance()
            return Term(.array([head]), location: loc)
        case .comma:
            advance()
            return Term(.array(try parseListRest(end: .rbrack, items: [head])), location: loc)
        case .pipe where maybeComprehension:
            advance()
            do {
                let body = try parseQuery(end: .rbrack)
                try expect(.rbrack)
                return Term(.arrayComprehension(term: head, body: body), location: loc)
            } catch {
                if !at(.comma) { throw error }
            }
            restore(afterHead)
        default:
            break
        }
        let first = try parseTermInfixCall(keyVal: false, first: head)
        return Term(.array(try parseListAfter(first, end: .rbrack)), location: loc)
    }

    /// `{}` is the empty object; `{a, b}` a set; `{k: v}` an object; `{x | body}` and
    /// `{k: v | body}` comprehensions.
    mutating func parseSetOrObject() throws(EngineError) -> Term {
        let loc = current.location
        advance()
        if at(.rbrace) { advance(); return Term(.object([]), location: loc) }
        var maybeComprehension = true
        if at(.comma) { maybeComprehension = false; advance() }
        let head = try parseTerm()
        let afterHead = save()
        switch current.kind {
        case .pipe where maybeComprehension, .rbrace, .comma:
            return try parseSet(head, afterHead: afterHead, maybeComprehension: maybeComprehension, at: loc)
        case .colon:
            return try parseObject(key: head, maybeComprehension: maybeComprehension, at: loc)
        default:
            break
        }
        let first = try parseTermInfixCall(keyVal: false, first: head)
        switch current.kind {
        case .rbrace, .comma:
            return try parseSet(first, afterHead: nil, maybeComprehension: false, at: loc)
        case .colon:
            return try parseObject(key: first, maybeComprehension: maybeComprehension, at: loc)
        default:
            throw unexpected("non-terminated set")
        }
    }

    private mutating func parseSet(_ head: Term, afterHead: State?, maybeComprehension: Bool, at loc: SourceLocation) throws(EngineError) -> Term {
        switch current.kind {
        case .rbrace:
            advance()
            return Term(.set([head]), location: loc)
        case .comma:
            advance()
            return Term(.set(try parseListRest(end: .rbrace, items: [head])), location: loc)
        default:  // `|`
            advance()
            do {
                let body = try parseQuery(end: .rbrace)
                try expect(.rbrace)
                return Term(.setComprehension(term: head, body: body), location: loc)
            } catch {
                if !at(.comma) { throw error }
            }
            if let s = afterHead { restore(s) }
            let first = try parseTermInfixCall(keyVal: false, first: head)
            return Term(.set(try parseListAfter(first, end: .rbrace)), location: loc)
        }
    }

    /// After the first key and its `:`. The value is first read as a plain term (for `{k: v |
    /// …}`); when that does not lead to a whole object, OPA goes back to the value and reads it
    /// with operators, and reports `non-terminated object` there if that fails too.
    private mutating func parseObject(key: Term, maybeComprehension: Bool, at loc: SourceLocation) throws(EngineError) -> Term {
        advance()
        let beforeValue = save()
        let value = try parseTerm()
        let afterValue = save()
        var maybeRelation = true
        if maybeComprehension && (at(.rbrace) || at(.comma) || at(.pipe)) {
            maybeRelation = at(.pipe)
            if let t = try? parseObjectFinish(key: key, value: value, maybeComprehension: true, at: loc) { return t }
            restore(afterValue)
        }
        if maybeRelation {
            let v = try parseTermInfixCall(keyVal: false, first: value)
            if at(.rbrace) || at(.comma) { return try parseObjectFinish(key: key, value: v, maybeComprehension: false, at: loc) }
        } else {
            restore(beforeValue)
        }
        throw unexpected("non-terminated object")
    }

    private mutating func parseObjectFinish(key: Term, value: Term, maybeComprehension: Bool, at loc: SourceLocation) throws(EngineError) -> Term {
        switch current.kind {
        case .rbrace:
            advance()
            return Term(.object([ObjectItem(key: key, value: value)]), location: loc)
        case .pipe:
            guard maybeComprehension else { throw unexpected("non-terminated object") }
            advance()
            let body = try parseQuery(end: .rbrace)
            try expect(.rbrace)
            return Term(.objectComprehension(key: key, value: value, body: body), location: loc)
        default:  // `,`
            advance()
            var items = [ObjectItem(key: key, value: value)]
            if at(.rbrace) { advance(); return Term(.object(items), location: loc) }
            while true {
                let k = try parseTermInfixCall(keyVal: false)
                guard at(.colon) else { throw unexpected("expected \":\"") }
                advance()
                items.append(ObjectItem(key: k, value: try parseTermInfixCall(keyVal: false)))
                if at(.rbrace) { advance(); return Term(.object(items), location: loc) }
                guard at(.comma) else { throw unexpected("expected \",\" or \"}\"") }
                advance()
                if at(.rbrace) { advance(); return Term(.object(items), location: loc) }
            }
        }
    }

    /// Comma-separated terms up to `end` (consumed), after `items`; a trailing comma is fine.
    mutating func parseListRest(end: TokenKind, items: [Term]) throws(EngineError) -> [Term] {
        var items = items
        if at(end) { advance(); return items }
        while true {
            items.append(try parseTermInfixCall(keyVal: false))
            if try listContinues(end: end) { continue }
            return items
        }
    }

    /// The list whose first element `first` was just read.
    private mutating func parseListAfter(_ first: Term, end: TokenKind) throws(EngineError) -> [Term] {
        if try listContinues(end: end) { return try parseListRest(end: end, items: [first]) }
        return [first]
    }

    /// After an element: true at `,` followed by more, false at the end (consumed either way).
    private mutating func listContinues(end: TokenKind) throws(EngineError) -> Bool {
        if at(end) { advance(); return false }
        guard at(.comma) else { throw unexpected("expected \",\" or \"\(end.spelling)\"") }
        advance()
        if at(end) { advance(); return false }
        return true
    }
}
