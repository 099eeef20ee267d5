// A GraphQL parser following gqlparser's grammar and error messages; it builds the AST directly
// as the JSON OPA returns (gqlparser structs marshalled, with null/empty fields and positions
// pruned).

struct GraphQLParser {
    private var lexer: GraphQLLexer
    private var peeked: GraphQLToken?
    private var prev: GraphQLToken?
    private(set) var error: GraphQLError?
    /// The lexer failed at the peeked token: until the parser looks at that token, the error
    /// stands as "Unexpected <Invalid>"; the parser's own complaint about it, or the lexer's
    /// message when the token is consumed, replaces it (gqlparser's invalid token).
    private var pendingLexError: GraphQLError?

    /// With `positions`, fields carry a "Position": [line, column] entry (for validation errors;
    /// never part of the ASTs the builtins return).
    private let positions: Bool

    init(_ text: String, positions: Bool = false) {
        lexer = GraphQLLexer(text)
        self.positions = positions
    }

    // MARK: Token plumbing (first error wins, as in gqlparser)

    private mutating func peek() -> GraphQLToken {
        if let p = peeked { return p }
        do { peeked = try lexer.next() } catch let e as GraphQLError {
            // gqlparser reports lexing failures as an unexpected invalid token.
            if error == nil {
                error = GraphQLError(message: "Unexpected <Invalid>", line: e.line, column: e.column)
                pendingLexError = e
            }
            peeked = GraphQLToken(kind: .invalid, value: "", line: e.line, column: e.column)
        } catch { peeked = GraphQLToken(kind: .eof, value: "", line: 0, column: 0) }
        return peeked!
    }

    @discardableResult
    private mutating func next() -> GraphQLToken {
        let t = peek()
        if t.kind == .invalid, let e = pendingLexError { error = e; pendingLexError = nil }
        peeked = nil
        prev = t
        return t
    }

    private mutating func fail(_ t: GraphQLToken, _ msg: String) {
        if pendingLexError != nil, t.kind == .invalid {
            error = GraphQLError(message: msg, line: t.line, column: t.column)
            pendingLexError = nil
        }
        if error == nil { error = GraphQLError(message: msg, line: t.line, column: t.column) }
    }

    /// Loop guard: no error, or a token the lexer failed on that the parser has not looked at
    /// yet (it reaches the loop body once, as in gqlparser, where the error only counts then).
    private func mayGoOn(_ tried: inout Bool) -> Bool {
        if error == nil { return true }
        guard pendingLexError != nil, !tried else { return false }
        tried = true
        return true
    }

    private mutating func skip(_ k: GraphQLToken.Kind) -> Bool {
        if error != nil { return false }
        if peek().kind == k { next(); return true }
        return false
    }

    @discardableResult
    private mutating func expect(_ k: GraphQLToken.Kind) -> GraphQLToken {
        let t = peek()
        if t.kind == k { return next() }
        fail(t, "Expected \(k.text), found \(t.kind.text)")
        return t
    }

    private mutating func expectKeyword(_ v: String) {
        let t = peek()
        if t.kind == .name && t.value == v { next(); return }
        fail(t, "Expected \"\(v)\", found \(t.description)")
    }

    private mutating func unexpected(_ t: GraphQLToken? = nil) {
        let t = t ?? peek()
        fail(t, "Unexpected \(t.description)")
    }

    private mutating func some(_ start: GraphQLToken.Kind, _ end: GraphQLToken.Kind, _ body: (inout GraphQLParser) -> Void) {
        guard skip(start) else { return }
        var called = false, tried = false
        while peek().kind != end && mayGoOn(&tried) { called = true; body(&self) }
        if !called {
            fail(peek(), "expected at least one definition, found \(peek().kind.text)")
            return
        }
        next()
    }

    private mutating func many(_ start: GraphQLToken.Kind, _ end: GraphQLToken.Kind, _ body: (inout GraphQLParser) -> Void) {
        guard skip(start) else { return }
        var tried = false
        while peek().kind != end && mayGoOn(&tried) { body(&self) }
        next()
    }

    private mutating func name() -> String { expect(.name).value }

    // MARK: Output helpers

    /// An object without null fields and empty lists/objects (OPA's pruning).
    static func obj(_ pairs: [(String, Value?)]) -> Value {
        var b = ObjectBuilder()
        for (k, v) in pairs {
            guard let v else { continue }
            switch v {
            case .null: continue
            case .array(let a) where a.isEmpty: continue
            case .object(let o) where o.isEmpty: continue
            default: b[.string(k)] = v
            }
        }
        return .object(b.build())
    }

    // MARK: Shared grammar

    private mutating func typeReference() -> Value {
        if skip(.bracketL) {
            let elem = typeReference()
            expect(.bracketR)
            let nonNull = skip(.bang)
            return GraphQLParser.obj([("Elem", elem), ("NamedType", ""), ("NonNull", .bool(nonNull))])
        }
        let n = name()
        let nonNull = skip(.bang)
        return GraphQLParser.obj([("NamedType", .string(n)), ("NonNull", .bool(nonNull))])
    }

    private static func value(kind: Int, raw: String, children: [Value] = []) -> Value {
        obj([("Children", .array(children)), ("ExpectedTypeHasDefault", false), ("Kind", .int(kind)), ("Raw", .string(raw))])
    }

    private mutating func valueLiteral(const isConst: Bool) -> Value {
        let t = peek()
        let kind: Int
        switch t.kind {
        case .bracketL:
            var items: [Value] = []
            many(.bracketL, .bracketR) { p in items.append(GraphQLParser.obj([("Name", ""), ("Value", p.valueLiteral(const: isConst))])) }
            return GraphQLParser.value(kind: 8, raw: "", children: items)
        case .braceL:
            var fields: [Value] = []
            many(.braceL, .braceR) { p in
                let n = p.name()
                p.expect(.colon)
                fields.append(GraphQLParser.obj([("Name", .string(n)), ("Value", p.valueLiteral(const: isConst))]))
            }
            return GraphQLParser.value(kind: 9, raw: "", children: fields)
        case .dollar:
            if isConst { unexpected(); return .null }
            next()
            return GraphQLParser.value(kind: 0, raw: name())
        case .int: kind = 1
        case .float: kind = 2
        case .string: kind = 3
        case .blockString: kind = 4
        case .name: kind = t.value == "true" || t.value == "false" ? 5 : (t.value == "null" ? 6 : 7)
        default:
            unexpected()
            return .null
        }
        next()
        return GraphQLParser.value(kind: kind, raw: t.value)
    }

    private mutating func arguments(const isConst: Bool) -> [Value] {
        var args: [Value] = []
        many(.parenL, .parenR) { p in
            let n = p.name()
            p.expect(.colon)
            args.append(GraphQLParser.obj([("Name", .string(n)), ("Value", p.valueLiteral(const: isConst))]))
        }
        return args
    }

    private mutating func directives(const isConst: Bool) -> [Value] {
        var out: [Value] = []
        while peek().kind == .at && error == nil {
            expect(.at)
            let n = name()
            out.append(GraphQLParser.obj([("Arguments", .array(arguments(const: isConst))), ("Location", ""), ("Name", .string(n))]))
        }
        return out
    }

    // MARK: Queries

    mutating func parseQueryDocument() -> Value {
        var ops: [Value] = [], frags: [Value] = []
        var tried = false
        while peek().kind != .eof && mayGoOn(&tried) {
            let t = peek()
            if t.kind == .name {
                switch t.value {
                case "query", "mutation", "subscription": ops.append(operation())
                case "fragment": frags.append(fragmentDefinition())
                default: unexpected()
                }
            } else if t.kind == .braceL {
                ops.append(operation())
            } else {
                unexpected()
            }
        }
        return GraphQLParser.obj([("Fragments", .array(frags)), ("Operations", .array(ops))])
    }

    private mutating func operation() -> Value {
        if peek().kind == .braceL {
            return GraphQLParser.obj([("Name", ""), ("Operation", "query"), ("SelectionSet", .array(requiredSelectionSet()))])
        }
        let t = next()
        var op = "query"
        switch t.value {
        case "query", "mutation", "subscription": op = t.value
        default: unexpected(t)
        }
        var opName = ""
        if peek().kind == .name { opName = next().value }
        var vars: [Value] = []
        many(.parenL, .parenR) { p in vars.append(p.variableDefinition()) }
        let dirs = directives(const: false)
        let sel = requiredSelectionSet()
        return GraphQLParser.obj([("Directives", .array(dirs)), ("Name", .string(opName)), ("Operation", .string(op)),
                                  ("SelectionSet", .array(sel)), ("VariableDefinitions", .array(vars))])
    }

    private mutating func variableDefinition() -> Value {
        expect(.dollar)
        let v = name()
        expect(.colon)
        let type = typeReference()
        var def: Value? = nil
        if skip(.equals) { def = valueLiteral(const: true) }
        let dirs = directives(const: false)
        return GraphQLParser.obj([("DefaultValue", def), ("Directives", .array(dirs)), ("Type", type), ("Used", false),
                                  ("Variable", .string(v))])
    }

    private mutating func requiredSelectionSet() -> [Value] {
        if peek().kind != .braceL {
            fail(peek(), "Expected {, found \(peek().kind.text)")
            return []
        }
        var sel: [Value] = []
        some(.braceL, .braceR) { p in sel.append(p.selection()) }
        return sel
    }

    private mutating func selection() -> Value {
        if peek().kind == .spread {
            expect(.spread)
            let t = peek()
            if t.kind == .name && t.value != "on" {
                let n = name()
                return GraphQLParser.obj([("Directives", .array(directives(const: false))), ("Name", .string(n))])
            }
            var cond = ""
            if peek().value == "on" { next(); cond = name() }
            let dirs = directives(const: false)
            let sel = requiredSelectionSet()
            return GraphQLParser.obj([("Directives", .array(dirs)), ("SelectionSet", .array(sel)), ("TypeCondition", .string(cond))])
        }
        let start = peek()
        let alias = name()
        var fieldName = alias
        if skip(.colon) { fieldName = name() }
        let args = arguments(const: false)
        let dirs = directives(const: false)
        var sel: [Value] = []
        if peek().kind == .braceL { some(.braceL, .braceR) { p in sel.append(p.selection()) } }
        let pos: Value? = positions ? .array([.int(start.line), .int(start.column)]) : nil
        return GraphQLParser.obj([("Alias", .string(alias)), ("Arguments", .array(args)), ("Directives", .array(dirs)),
                                  ("Name", .string(fieldName)), ("Position", pos), ("SelectionSet", .array(sel))])
    }

    private mutating func fragmentDefinition() -> Value {
        expectKeyword("fragment")
        if peek().value == "on" { unexpected() }
        let n = name()
        var vars: [Value] = []
        many(.parenL, .parenR) { p in vars.append(p.variableDefinition()) }
        expectKeyword("on")
        let cond = name()
        let dirs = directives(const: false)
        let sel = requiredSelectionSet()
        return GraphQLParser.obj([("Directives", .array(dirs)), ("Name", .string(n)), ("SelectionSet", .array(sel)),
                                  ("TypeCondition", .string(cond)), ("VariableDefinition", .array(vars))])
    }

    // MARK: Schemas

    mutating func parseSchemaDocument() -> Value {
        var schema: [Value] = [], schemaExt: [Value] = [], dirs: [Value] = [], defs: [Value] = [], exts: [Value] = []
        while peek().kind != .eof {
            if error != nil { break }
            var desc = ""
            if peek().kind == .blockString || peek().kind == .string { desc = next().value }
            guard peek().kind == .name else { unexpected(); break }
            switch peek().value {
            case "scalar", "type", "interface", "union", "enum", "input": defs.append(typeDefinition(desc, extend: false))
            case "schema": schema.append(schemaDefinition(desc, extend: false))
            case "directive": dirs.append(directiveDefinition(desc))
            case "extend":
                if !desc.isEmpty, let p = prev { unexpected(p) }
                expectKeyword("extend")
                switch peek().value {
                case "schema": schemaExt.append(schemaDefinition("", extend: true))
                case "scalar", "type", "interface", "union", "enum", "input": exts.append(typeDefinition("", extend: true))
                default: unexpected()
                }
            default:
                unexpected()
            }
        }
        return GraphQLParser.obj([("Definitions", .array(defs)), ("Directives", .array(dirs)), ("Extensions", .array(exts)),
                                  ("Schema", .array(schema)), ("SchemaExtension", .array(schemaExt))])
    }

    private mutating func description() -> String {
        let k = peek().kind
        return k == .blockString || k == .string ? next().value : ""
    }

    private mutating func schemaDefinition(_ desc: String, extend: Bool) -> Value {
        let startTok = peek()
        expectKeyword("schema")
        let dirs = directives(const: true)
        var ops: [Value] = []
        some(.braceL, .braceR) { p in
            let t = p.next()
            var op = "query"
            switch t.value {
            case "query", "mutation", "subscription": op = t.value
            default: p.unexpected(t)
            }
            p.expect(.colon)
            let type = p.name()
            ops.append(GraphQLParser.obj([("Operation", .string(op)), ("Type", .string(type))]))
        }
        if extend && dirs.isEmpty && ops.isEmpty { _ = startTok; unexpected() }
        return GraphQLParser.obj([("Description", .string(desc)), ("Directives", .array(dirs)), ("OperationTypes", .array(ops))])
    }

    private mutating func implements() -> [Value] {
        var types: [Value] = []
        if peek().value == "implements" {
            next()
            _ = skip(.amp)
            types.append(.string(name()))
            while skip(.amp) && error == nil { types.append(.string(name())) }
        }
        return types
    }

    private mutating func fieldDefinition(input: Bool) -> Value {
        let desc = description()
        let n = name()
        var args: [Value] = []
        if !input { many(.parenL, .parenR) { p in args.append(p.inputValue()) } }
        expect(.colon)
        let type = typeReference()
        var def: Value? = nil
        if input && skip(.equals) { def = valueLiteral(const: true) }
        let dirs = directives(const: true)
        return GraphQLParser.obj([("Arguments", .array(args)), ("DefaultValue", def), ("Description", .string(desc)),
                                  ("Directives", .array(dirs)), ("Name", .string(n)), ("Type", type)])
    }

    private mutating func inputValue() -> Value {
        let desc = description()
        let n = name()
        expect(.colon)
        let type = typeReference()
        var def: Value? = nil
        if skip(.equals) { def = valueLiteral(const: true) }
        let dirs = directives(const: true)
        return GraphQLParser.obj([("DefaultValue", def), ("Description", .string(desc)), ("Directives", .array(dirs)),
                                  ("Name", .string(n)), ("Type", type)])
    }

    private mutating func typeDefinition(_ desc: String, extend: Bool) -> Value {
        let keyword = peek().value
        expectKeyword(keyword)
        let n = name()
        var kind = "", interfaces: [Value] = [], fields: [Value] = [], types: [Value] = [], enumValues: [Value] = []
        var dirs: [Value] = []
        switch keyword {
        case "scalar":
            kind = "SCALAR"
            dirs = directives(const: true)
            if extend && dirs.isEmpty { unexpected() }
        case "type", "interface":
            kind = keyword == "type" ? "OBJECT" : "INTERFACE"
            interfaces = implements()
            dirs = directives(const: true)
            some(.braceL, .braceR) { p in fields.append(p.fieldDefinition(input: false)) }
            if extend && interfaces.isEmpty && dirs.isEmpty && fields.isEmpty { unexpected() }
        case "union":
            kind = "UNION"
            dirs = directives(const: true)
            if skip(.equals) {
                _ = skip(.pipe)
                types.append(.string(name()))
                while skip(.pipe) && error == nil { types.append(.string(name())) }
            }
            if extend && dirs.isEmpty && types.isEmpty { unexpected() }
        case "enum":
            kind = "ENUM"
            dirs = directives(const: true)
            some(.braceL, .braceR) { p in
                let d = p.description()
                let v = p.name()
                enumValues.append(GraphQLParser.obj([("Description", .string(d)), ("Directives", .array(p.directives(const: true))),
                                                     ("Name", .string(v))]))
            }
            if extend && dirs.isEmpty && enumValues.isEmpty { unexpected() }
        default:  // input
            kind = "INPUT_OBJECT"
            dirs = directives(const: true)
            some(.braceL, .braceR) { p in fields.append(p.fieldDefinition(input: true)) }
            if extend && dirs.isEmpty && fields.isEmpty { unexpected() }
        }
        return GraphQLParser.obj([("BuiltIn", false), ("Description", .string(desc)), ("Directives", .array(dirs)),
                                  ("EnumValues", .array(enumValues)), ("Fields", .array(fields)),
                                  ("Interfaces", .array(interfaces)), ("Kind", .string(kind)), ("Name", .string(n)),
                                  ("Types", .array(types))])
    }

    static let directiveLocations: Set<String> = [
        "QUERY", "MUTATION", "SUBSCRIPTION", "FIELD", "FRAGMENT_DEFINITION", "FRAGMENT_SPREAD", "INLINE_FRAGMENT",
        "VARIABLE_DEFINITION", "SCHEMA", "SCALAR", "OBJECT", "FIELD_DEFINITION", "ARGUMENT_DEFINITION", "INTERFACE",
        "UNION", "ENUM", "ENUM_VALUE", "INPUT_OBJECT", "INPUT_FIELD_DEFINITION",
    ]

    private mutating func directiveDefinition(_ desc: String) -> Value {
        expectKeyword("directive")
        expect(.at)
        let n = name()
        var args: [Value] = []
        many(.parenL, .parenR) { p in args.append(p.inputValue()) }
        var repeatable = false
        if peek().kind == .name && peek().value == "repeatable" { repeatable = true; next() }
        expectKeyword("on")
        _ = skip(.pipe)
        var locs: [Value] = []
        repeat {
            let t = expect(.name)
            if t.kind == .name && !GraphQLParser.directiveLocations.contains(t.value) { unexpected(t) }
            locs.append(.string(t.value))
        } while skip(.pipe) && error == nil
        return GraphQLParser.obj([("Arguments", .array(args)), ("Description", .string(desc)), ("IsRepeatable", .bool(repeatable)),
                                  ("Locations", .array(locs)), ("Name", .string(n))])
    }
}
