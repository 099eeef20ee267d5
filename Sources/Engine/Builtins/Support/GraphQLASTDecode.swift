/// GraphQL documents given to OPA as objects: OPA decodes the object with Go's encoding/json into
/// gqlparser's AST structs and encodes them back (then drops nulls, empty arrays/objects and
/// "Position"). Decoding keeps only the structs' fields (names matched case-insensitively) and
/// reports Go's type errors.
enum GraphQLASTDecode {
    struct DecodeError: Error { let message: String }

    enum Kind {
        case string, bool, int, strings
        case list(String)  // slice of *struct
        case ptr(String)   // *struct
        case selections    // []Selection: gqlparser decodes it itself
    }

    struct Field {
        let name: String, kind: Kind, goType: String
        init(_ name: String, _ kind: Kind, _ goType: String) { (self.name, self.kind, self.goType) = (name, kind, goType) }
    }

    /// gqlparser v2's AST structs (fields that reach JSON; Position is dropped).
    static let structs: [String: [Field]] = {
        let dirs = Field("Directives", .list("Directive"), "ast.DirectiveList")
        let comment = Field("Comment", .ptr("CommentGroup"), "ast.CommentGroup")
        let descComments = ["BeforeDescriptionComment", "AfterDescriptionComment", "EndOfDefinitionComment"]
            .map { Field($0, .ptr("CommentGroup"), "ast.CommentGroup") }
        return [
            "QueryDocument": [Field("Operations", .list("OperationDefinition"), "ast.OperationList"),
                              Field("Fragments", .list("FragmentDefinition"), "ast.FragmentDefinitionList"), comment],
            "OperationDefinition": [Field("Operation", .string, "ast.Operation"), Field("Name", .string, "string"),
                                    Field("VariableDefinitions", .list("VariableDefinition"), "ast.VariableDefinitionList"),
                                    dirs, Field("SelectionSet", .selections, "ast.SelectionSet"), comment],
            "VariableDefinition": [Field("Variable", .string, "string"), Field("Type", .ptr("Type"), "ast.Type"),
                                   Field("DefaultValue", .ptr("Value"), "ast.Value"), dirs, comment,
                                   Field("Definition", .ptr("Definition"), "ast.Definition"), Field("Used", .bool, "bool")],
            "FragmentDefinition": [Field("Name", .string, "string"),
                                   Field("VariableDefinition", .list("VariableDefinition"), "ast.VariableDefinitionList"),
                                   Field("TypeCondition", .string, "string"), dirs,
                                   Field("SelectionSet", .selections, "ast.SelectionSet"),
                                   Field("Definition", .ptr("Definition"), "ast.Definition"), comment],
            "Directive": [Field("Name", .string, "string"), Field("Arguments", .list("Argument"), "ast.ArgumentList"),
                          Field("ParentDefinition", .ptr("Definition"), "ast.Definition"),
                          Field("Definition", .ptr("DirectiveDefinition"), "ast.DirectiveDefinition"),
                          Field("Location", .string, "ast.DirectiveLocation")],
            "Argument": [Field("Name", .string, "string"), Field("Value", .ptr("Value"), "ast.Value"), comment],
            "Value": [Field("Parent", .ptr("Value"), "ast.Value"), Field("Raw", .string, "string"),
                      Field("Children", .list("ChildValue"), "ast.ChildValueList"), Field("Kind", .int, "ast.ValueKind"),
                      comment, Field("ExpectedType", .ptr("Type"), "ast.Type"),
                      Field("Definition", .ptr("Definition"), "ast.Definition"),
                      Field("VariableDefinition", .ptr("VariableDefinition"), "ast.VariableDefinition"),
                      Field("ExpectedTypeHasDefault", .bool, "bool")],
            "Field": [Field("Alias", .string, "string"), Field("Name", .string, "string"),
                      Field("Arguments", .list("Argument"), "ast.ArgumentList"), dirs,
                      Field("SelectionSet", .selections, "ast.SelectionSet"), comment,
                      Field("Definition", .ptr("FieldDefinition"), "ast.FieldDefinition"),
                      Field("ObjectDefinition", .ptr("Definition"), "ast.Definition")],
            "ChildValue": [Field("Name", .string, "string"), Field("Value", .ptr("Value"), "ast.Value"), comment],
            "Type": [Field("NamedType", .string, "string"), Field("Elem", .ptr("Type"), "ast.Type"), Field("NonNull", .bool, "bool")],
            "SchemaDocument": [Field("Schema", .list("SchemaDefinition"), "ast.SchemaDefinitionList"),
                               Field("SchemaExtension", .list("SchemaDefinition"), "ast.SchemaDefinitionList"),
                               Field("Directives", .list("DirectiveDefinition"), "ast.DirectiveDefinitionList"),
                               Field("Definitions", .list("Definition"), "ast.DefinitionList"),
                               Field("Extensions", .list("Definition"), "ast.DefinitionList"), comment],
            "SchemaDefinition": [Field("Description", .string, "string"), dirs,
                                 Field("OperationTypes", .list("OperationTypeDefinition"), "ast.OperationTypeDefinitionList")]
                + descComments,
            "OperationTypeDefinition": [Field("Operation", .string, "ast.Operation"), Field("Type", .string, "string"), comment],
            "DirectiveDefinition": [Field("Description", .string, "string"), Field("Name", .string, "string"),
                                    Field("Arguments", .list("ArgumentDefinition"), "ast.ArgumentDefinitionList"),
                                    Field("Locations", .strings, "[]ast.DirectiveLocation"),
                                    Field("IsRepeatable", .bool, "bool")] + descComments,
            "ArgumentDefinition": [Field("Description", .string, "string"), Field("Name", .string, "string"),
                                   Field("DefaultValue", .ptr("Value"), "ast.Value"), Field("Type", .ptr("Type"), "ast.Type"),
                                   dirs] + descComments,
            "Definition": [Field("Kind", .string, "ast.DefinitionKind"), Field("Description", .string, "string"),
                           Field("Name", .string, "string"), dirs, Field("Interfaces", .strings, "[]string"),
                           Field("Fields", .list("FieldDefinition"), "ast.FieldList"), Field("Types", .strings, "[]string"),
                           Field("EnumValues", .list("EnumValueDefinition"), "ast.EnumValueList"),
                           Field("BuiltIn", .bool, "bool")] + descComments,
            "FieldDefinition": [Field("Description", .string, "string"), Field("Name", .string, "string"),
                                Field("Arguments", .list("ArgumentDefinition"), "ast.ArgumentDefinitionList"),
                                Field("DefaultValue", .ptr("Value"), "ast.Value"), Field("Type", .ptr("Type"), "ast.Type"),
                                dirs] + descComments,
            "EnumValueDefinition": [Field("Description", .string, "string"), Field("Name", .string, "string"), dirs]
                + descComments,
            "CommentGroup": [Field("List", .list("Comment"), "[]*ast.Comment")],
            "Comment": [Field("Value", .string, "string")],
        ]
    }()

    /// The object decoded as struct `type` and encoded back as OPA returns it; Go's first type
    /// error otherwise.
    static func roundTrip(_ o: ObjectValue, as type: String) throws(DecodeError) -> Value {
        var d = Decoder()
        let v = d.decodeStruct(o, type: type, path: [])
        if let e = d.firstError { throw DecodeError(message: e) }
        return prune(v) ?? .emptyObject
    }

    /// Types gqlparser decodes with their own UnmarshalJSON (a map of raw members, each member
    /// decoded on its own): Go then names errors inside them after the enclosing struct and
    /// field, followed by the member's own path.
    static let customDecoded: Set<String> = ["OperationDefinition", "FragmentDefinition", "Field"]

    private struct Decoder {
        var firstError: String? = nil
        /// Inside a custom-decoded type: the struct and field path Go reports errors under.
        var outer: (structName: String, path: [String])? = nil

        mutating func fail(_ v: Value, _ structName: String, _ path: [String], _ goType: String, kind: String? = nil) {
            guard firstError == nil else { return }
            let (s, p) = outer.map { ($0.structName, $0.path + path) } ?? (structName, path)
            let field = p.isEmpty ? s : "\(s).\(p.joined(separator: "."))"
            firstError = "json: cannot unmarshal \(kind ?? v.goJSONKind) into Go struct field \(field) of type \(goType)"
        }

        /// Decodes a custom-decoded type's members, each from a fresh path.
        mutating func decodeCustom(_ o: ObjectValue, type: String, structName: String, path: [String]) -> Value {
            let saved = outer
            outer = saved.map { ($0.structName, $0.path + path) } ?? (structName, path)
            defer { outer = saved }
            return decodeStruct(o, type: type, path: [], custom: true)
        }

        mutating func decodeStruct(_ o: ObjectValue, type: String, path: [String], custom: Bool = false) -> Value {
            let fields = GraphQLASTDecode.structs[type] ?? []
            var values: [String: Value] = [:]
            for (k, v) in o.pairs {
                guard case .string(let key) = k else { continue }
                // Go prefers an exact field name, else a case-insensitive one.
                guard let f = fields.first(where: { $0.name == key }) ?? fields.first(where: { $0.name.lowercased() == key.lowercased() })
                else { continue }
                if case .null = v { continue }
                values[f.name] = decodeField(v, f, structName: type, path: custom ? [] : path + [f.name], previous: values[f.name],
                                             custom: custom)
            }
            var b = ObjectBuilder()
            for f in fields {
                let v: Value
                switch f.kind {
                case .string: v = values[f.name] ?? .string("")
                case .bool: v = values[f.name] ?? .false
                case .int: v = values[f.name] ?? .int(0)
                default: v = values[f.name] ?? .null
                }
                b[.string(f.name)] = v
            }
            return .object(b.build())
        }

        mutating func decodeField(_ v: Value, _ f: Field, structName: String, path: [String], previous: Value?,
                                  custom: Bool) -> Value? {
            switch (f.kind, v) {
            case (.string, .string), (.bool, .bool): return v
            case (.int, .number(let n)):
                if let i = n.exactInt { return .int(i) }
                fail(v, structName, path, f.goType, kind: "number \(RegoFormatter.format(v))")
                return previous
            case (.strings, .array(let items)):
                return .array(items.map { item -> Value in
                    switch item {
                    case .string, .null: return item
                    default: fail(item, structName, path, "string"); return .string("")
                    }
                })
            case (.list(let t), .array(let items)):
                return .array(items.map { item -> Value in
                    switch item {
                    case .object(let o) where GraphQLASTDecode.customDecoded.contains(t):
                        return decodeCustom(o, type: t, structName: structName, path: path)
                    case .object(let o): return decodeStruct(o, type: t, path: path)
                    case .null: return .null
                    default:
                        let goType = GraphQLASTDecode.customDecoded.contains(t) ? "map[string]json.RawMessage" : "ast.\(t)"
                        fail(item, structName, path, goType)
                        return .null
                    }
                })
            case (.ptr(let t), .object(let o)): return decodeStruct(o, type: t, path: path)
            case (.selections, .array(let items)):
                // gqlparser's own SelectionSet decoding; objects are read as fields here (an
                // approximation: fragments in object form are not told apart), others skipped.
                return .array(items.map { item -> Value in
                    guard case .object(let o) = item else { return .null }
                    return decodeCustom(o, type: "Field", structName: structName, path: path)
                })
            case (.selections, _):
                fail(v, structName, path, "[]json.RawMessage")
                return previous
            default:
                fail(v, structName, path, f.goType)
                return previous
            }
        }
    }

    /// OPA's pruning of the encoded AST: nulls, empty arrays/objects (after pruning) and
    /// "Position" go.
    static func prune(_ v: Value) -> Value? {
        switch v {
        case .null: return nil
        case .array(let items):
            let kept = items.compactMap { prune($0) }
            return kept.isEmpty ? nil : .array(kept)
        case .object(let o):
            var b = ObjectBuilder()
            for (k, x) in o.pairs where k != .string("Position") {
                if let p = prune(x) { b[k] = p }
            }
            let r = b.build()
            return r.isEmpty ? nil : .object(r)
        default: return v
        }
    }
}
