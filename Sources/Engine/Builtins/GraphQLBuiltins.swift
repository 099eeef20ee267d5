/// The graphql.* builtins: parsing (gqlparser's AST as OPA's JSON; Support/GraphQLParser.swift)
/// and validation of schemas and queries (Support/GraphQLValidator.swift, a subset of
/// gqlparser's rules). Schemas and queries may be given as strings or as AST objects.
enum GraphQLBuiltins {
    static let builtins: [Builtin] = [
        Builtin("graphql.parse_query", arity: 1) { args, _ in try parseQuery(try args.string(0)) },
        Builtin("graphql.parse_schema", arity: 1) { args, _ in try parseSchema(try args.string(0)) },
        Builtin("graphql.schema_is_valid", arity: 1) { args, _ in
            guard let schema = try? schemaAST(args[0]) else { return .false }
            return .bool(GraphQLValidator.validateSchema(schema) == nil)
        },
        Builtin("graphql.is_valid", arity: 2) { args, _ in
            guard let q = try? queryAST(args[0]), let s = try? schemaAST(args[1]) else { return .false }
            return .bool(GraphQLValidator.validateSchema(s) == nil && GraphQLValidator.validateQuery(q, schema: s) == nil)
        },
        Builtin("graphql.parse_and_verify", arity: 2) { args, _ in
            let invalid = Value.array([.false, .emptyObject, .emptyObject])
            guard let q = try? queryAST(args[0]), let s = try? schemaAST(args[1]) else { return invalid }
            guard GraphQLValidator.validateSchema(s) == nil, GraphQLValidator.validateQuery(q, schema: s) == nil else { return invalid }
            return .array([.true, q, s])
        },
        Builtin("graphql.parse", arity: 2) { args, _ in
            // OPA parses the query first and numbers operands from 0 here.
            let q = try parseOperand(args[0], position: 0, type: "QueryDocument", parse: parseQuery)
            let s = try parseOperand(args[1], position: 1, type: "SchemaDocument", parse: parseSchema)
            if let e = GraphQLValidator.validateSchema(s) { throw located(e) }
            // Validate a position-carrying parse so errors can say where (OPA reports locations).
            var positioned = q
            if case .string(let text) = args[0] {
                var p = GraphQLParser(text, positions: true)
                positioned = p.parseQueryDocument()
            }
            if let e = GraphQLValidator.validateQuery(positioned, schema: s) {
                // A query given as an object has no positions: OPA prints gqlparser's error list.
                if case .object = args[0] { throw BuiltinError(.builtin, "GraphQL parse error: input: \(e.message)\n") }
                throw located(e)
            }
            return .array([q, s])
        },
    ]

    static func located(_ e: GraphQLError) -> BuiltinError {
        BuiltinError(.builtin, "\(e.message) in GraphQL string at location \(e.line):\(e.column)")
    }

    static func parseQuery(_ text: String) throws -> Value {
        var p = GraphQLParser(text)
        let doc = p.parseQueryDocument()
        if let e = p.error { throw located(e) }
        return doc
    }

    static func parseSchema(_ text: String) throws -> Value {
        var p = GraphQLParser(text)
        let doc = p.parseSchemaDocument()
        if let e = p.error { throw located(e) }
        return doc
    }

    /// An AST given as an object, as OPA sees it after decoding it into gqlparser's structs.
    static func decoded(_ o: ObjectValue, as type: String) throws -> Value {
        do { return try GraphQLASTDecode.roundTrip(o, as: type) } catch { throw BuiltinError(.builtin, error.message) }
    }

    private static func parseOperand(_ v: Value, position: Int, type: String, parse: (String) throws -> Value) throws -> Value {
        switch v {
        case .string(let text): return try parse(text)
        case .object(let o): return try decoded(o, as: type)
        default: throw BuiltinError(.type, "operand \(position) must be one of {string, object} but got \(v.typeName)")
        }
    }

    static func queryAST(_ v: Value) throws -> Value {
        switch v {
        case .string(let s): return try parseQuery(s)
        case .object(let o): return try decoded(o, as: "QueryDocument")
        default: throw BuiltinError.operandType(1, expected: "string or object", got: v)
        }
    }

    static func schemaAST(_ v: Value) throws -> Value {
        switch v {
        case .string(let s): return try parseSchema(s)
        case .object(let o): return try decoded(o, as: "SchemaDocument")
        default: throw BuiltinError.operandType(2, expected: "string or object", got: v)
        }
    }
}
