/// All builtins by name. Each family lives in its own file and contributes `builtins`; a name
/// defined twice is a programming error caught at start-up (and by a test).
public enum BuiltinRegistry {
    static let families: [[Builtin]] = [
        // Language core
        ComparisonBuiltins.builtins,
        ArithmeticBuiltins.builtins,
        AggregateBuiltins.builtins,
        SetBuiltins.builtins,
        TypeBuiltins.builtins,
        InternalBuiltins.builtins,
        // Library
        StringBuiltins.builtins,
        RegexBuiltins.builtins,
        GlobBuiltins.builtins,
        EncodingBuiltins.builtins,
        ObjectBuiltins.builtins,
        ArrayBuiltins.builtins,
        NumberBuiltins.builtins,
        ConversionBuiltins.builtins,
        SemverBuiltins.builtins,
        UnitsBuiltins.builtins,
        GraphBuiltins.builtins,
        UUIDBuiltins.builtins,
        TimeBuiltins.builtins,
        CryptoBuiltins.builtins,
        JWTBuiltins.builtins,
        NetBuiltins.builtins,
        ProvidersBuiltins.builtins,
        NetworkBuiltins.builtins,
        GraphQLBuiltins.builtins,
        RegoBuiltins.builtins,
    ]

    public static let byName: [String: Builtin] = {
        var table: [String: Builtin] = [:]
        for family in families {
            for b in family {
                precondition(table[b.name] == nil, "builtin \(b.name) is defined twice")
                table[b.name] = b
            }
        }
        return table
    }()

    public static func lookup(_ name: String) -> Builtin? { byName[name] }

    /// Builtins a sidecar refuses by design: their answers depend on the network, and they
    /// block on it. They are implemented (NetworkBuiltins.swift), but the compiler rejects
    /// policies that call them unless `CompileOptions.allowNetworkBuiltins`, and they fail at
    /// run time unless `EvalContext.allowNetworkBuiltins` (the daemon sets neither; `policyd
    /// eval` sets both, as `opa eval` would run them).
    public static let refusedByDesign: [String: String] = [
        "http.send": "makes decisions depend on remote HTTP servers",
        "net.lookup_ip_addr": "makes decisions depend on DNS",
    ]

    /// What the refusal messages tell the policy author to do instead.
    public static let networkBuiltinsHint =
        "network builtins run only in `policyd eval` and `policyd test --allow-network-builtins`; tests can mock them with `with`"

    /// A registered builtin (for the compiler's name resolution).
    static func resolve(_ name: String) -> Builtin? { byName[name] }
}
