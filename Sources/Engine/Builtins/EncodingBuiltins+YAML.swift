extension EncodingBuiltins { static let yamlBuiltins: [Builtin] = [] }
