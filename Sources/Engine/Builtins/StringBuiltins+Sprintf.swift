extension StringBuiltins {
    /// sprintf(format, values): Go's fmt.Sprintf over OPA's Go conversions of the values.
    /// A constant format is parsed once per call site (`GoFormatter.CompiledFormat`).
    static let sprintfBuiltins: [Builtin] = [
        Builtin("sprintf", arity: 2, specialize: { site in
            guard site.constants.count == 2, case .string(let text)? = site.constants[0],
                  let format = GoFormatter.CompiledFormat(text) else { return nil }
            return Builtin.Specialization { args, _ in
                let values = try args.array(1)
                if let text = GoFormatter.sprintfDirect(format, values) { return .string(text) }
                return .string(GoFormatter.sprintf(format, values.map(GoFormatter.Arg.init)))
            }
        }) { args, _ in
            let format = try args.string(0)
            let values = try args.array(1).map(GoFormatter.Arg.init)
            return .string(GoFormatter.sprintfPlain(format, values) ?? GoFormatter.sprintf(format, values))
        },
    ]
}
