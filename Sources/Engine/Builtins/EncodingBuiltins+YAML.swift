extension EncodingBuiltins {
    /// yaml.marshal, yaml.unmarshal, yaml.is_valid (Support/GoYAML.swift).
    static let yamlBuiltins: [Builtin] = [
        Builtin("yaml.marshal", arity: 1) { args, _ in
            do { return .string(try GoYAML.marshal(args[0])) } catch let e as GoYAML.Failure { throw BuiltinError(.builtin, e.message) }
        },
        Builtin("yaml.unmarshal", arity: 1) { args, _ in
            let s = try args.string(0)
            do { return try GoYAML.unmarshal(s) } catch let e as GoYAML.Failure { throw BuiltinError(.builtin, e.message) }
        },
        Builtin("yaml.is_valid", arity: 1) { args, _ in
            guard case .string(let s) = args[0] else { return .false }
            return .bool((try? GoYAML.unmarshal(s)) != nil)
        },
    ]
}
