extension EncodingBuiltins {
    /// yaml.marshal, yaml.unmarshal, yaml.is_valid (Support/GoYAML.swift).
    static let yamlBuiltins: [Builtin] = [
        Builtin("yaml.marshal", arity: 1) { args, _ in
            // OPA marshals through JSON text that a YAML reader then reads back: characters JSON
            // leaves raw but YAML's reader refuses fail the call.
            if hasYAMLControlCharacter(args[0]) { throw BuiltinError(.builtin, "yaml: control characters are not allowed") }
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

    /// DEL, C1 controls other than NEL, U+FFFE and U+FFFF anywhere in a string or key.
    static func hasYAMLControlCharacter(_ v: Value) -> Bool {
        switch v {
        case .string(let s):
            return s.unicodeScalars.contains { c in
                let x = c.value
                return x == 0x7F || (x >= 0x80 && x <= 0x9F && x != 0x85) || x == 0xFFFE || x == 0xFFFF
            }
        case .array(let a): return a.contains(where: hasYAMLControlCharacter)
        case .set(let st): return st.elements.contains(where: hasYAMLControlCharacter)
        case .object(let o): return o.pairs.contains { hasYAMLControlCharacter($0.0) || hasYAMLControlCharacter($0.1) }
        default: return false
        }
    }
}
