extension StringBuiltins {
    /// sprintf(format, values): Go's fmt.Sprintf over OPA's Go conversions of the values.
    static let sprintfBuiltins: [Builtin] = [
        Builtin("sprintf", arity: 2) { args, _ in
            let format = try args.string(0)
            let values = try args.array(1)
            return .string(GoFormatter.sprintf(format, values.map(GoFormatter.Arg.init)))
        },
    ]
}
