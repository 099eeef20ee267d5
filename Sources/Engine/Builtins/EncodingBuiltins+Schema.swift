extension EncodingBuiltins {
    /// json.verify_schema and json.match_schema (Support/JSONSchema.swift). Documents and
    /// schemas may be given as values or as JSON text.
    static let schemaBuiltins: [Builtin] = [
        Builtin("json.verify_schema", arity: 1) { args, _ in
            do {
                _ = try JSONSchema(try schemaDocument(args, 0))
                return [.true, .null]
            } catch let e as JSONSchema.SchemaError {
                return [.false, .string("jsonschema: " + e.message)]
            } catch let e as BuiltinError {
                return [.false, .string("jsonschema: " + e.message)]
            }
        },
        Builtin("json.match_schema", arity: 2) { args, _ in
            let doc = try schemaOperand(args, 0)
            let schema: JSONSchema
            do { schema = try JSONSchema(try schemaDocument(args, 1)) } catch let e as JSONSchema.SchemaError {
                throw BuiltinError(.builtin, e.message)
            }
            let errors = schema.validate(doc)
            return [.bool(errors.isEmpty), .array(errors.map(\.value))]
        },
    ]

    /// A schema must be an object or a boolean (OPA: `schema is invalid` for any other JSON).
    static func schemaDocument(_ args: Arguments, _ i: Int) throws -> Value {
        let v = try schemaOperand(args, i)
        switch v {
        case .object, .bool: return v
        default: throw JSONSchema.SchemaError(message: "schema is invalid")
        }
    }

    static func schemaOperand(_ args: Arguments, _ i: Int) throws -> Value {
        switch args[i] {
        case .string(let s):
            guard let v = try? JSONReader.parse(s) else { throw BuiltinError(.builtin, "invalid JSON string") }
            return v
        case .object, .array: return args[i]
        default:
            throw BuiltinError(.builtin, "wrong type, expected string or object")
        }
    }
}
