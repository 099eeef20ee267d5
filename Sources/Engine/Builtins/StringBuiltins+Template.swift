extension StringBuiltins {
    /// strings.render_template(template, vars): Go text/template (Support/GoTemplate.swift).
    static let templateBuiltins: [Builtin] = [
        Builtin("strings.render_template", arity: 2) { args, _ in
            let text = try args.string(0)
            let vars = try args.object(1)
            do {
                return .string(try GoTemplate(text).execute(.object(vars)))
            } catch let e as GoTemplate.Failure {
                throw BuiltinError(.builtin, e.message)
            }
        },
    ]
}
