extension CryptoBuiltins { static let x509Builtins: [Builtin] = [] }
