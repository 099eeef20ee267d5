extension StringBuiltins {
    /// strings.render_template(template, vars): Go text/template (Support/GoTemplate.swift).
    static let templateBuiltins: [Builtin] = [
        Builtin("strings.render_template", arity: 2) { args, _ in
            let text = try args.string(0)
            let vars = try templateVariables(try args.object(1))
            do {
                return .string(try GoTemplate(text).execute(vars))
            } catch let e as GoTemplate.Failure {
                throw BuiltinError(.builtin, e.message)
            }
        },
    ]

    /// OPA hands the variables to Go by printing them as Rego text and decoding that as JSON:
    /// sets, non-string keys and strings Go quotes with escapes JSON lacks (`\x01`, `\a`) fail
    /// there with Go's decoding error; anything else decodes to the same value.
    static func templateVariables(_ vars: ObjectValue) throws -> Value {
        let text = RegoFormatter.format(.object(vars))
        do { return try JSONReader.parse(text) } catch let e as JSONParseError {
            throw BuiltinError(.builtin, EncodingBuiltins.goJSONMessage(e, text))
        }
    }
}
