/// Stand-ins for the builtins refused by design (`BuiltinRegistry.refusedByDesign`). The
/// compiler rejects a call to one unless it is replaced with `with http.send as mock` (a test
/// double) or the operator allows network builtins; the stub lets such a policy compile and
/// fails if the call is ever reached without its replacement.
extension BuiltinRegistry {
    public static let refusedStubs: [String: Builtin] = {
        let arities = ["http.send": 1, "net.lookup_ip_addr": 1, "providers.aws.sign_req": 3]
        var table: [String: Builtin] = [:]
        for (name, why) in refusedByDesign {
            table[name] = Builtin(name, arity: arities[name] ?? 1, deterministic: false) { _, _ in
                throw BuiltinError.failure("not available in the sidecar (\(why))")
            }
        }
        return table
    }()

    /// A registered builtin, or the stub of a refused one (for the compiler's name resolution).
    static func resolve(_ name: String) -> Builtin? { byName[name] ?? refusedStubs[name] }
}
