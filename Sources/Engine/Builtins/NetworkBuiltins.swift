/// The builtins that reach the network: `http.send` and `net.lookup_ip_addr`. Both are
/// refused by design in the daemon (`BuiltinRegistry.refusedByDesign`: the compiler rejects
/// them unless `CompileOptions.allowNetworkBuiltins`, and at run time they fail unless
/// `EvalContext.allowNetworkBuiltins`). `policyd eval` allows them, as `opa eval` does.
/// Both are non-deterministic, so their answers are memoised per evaluation (one request or
/// lookup per distinct argument, as OPA's per-query cache).
enum NetworkBuiltins {
    static let builtins: [Builtin] = [
        Builtin("http.send", arity: 1, deterministic: false) { args, ctx in try HTTPSend.call(args[0], ctx) },
        Builtin("net.lookup_ip_addr", arity: 1, deterministic: false) { args, ctx in
            let name = try args.string(0)
            try requireNetwork("net.lookup_ip_addr", ctx)
            let addrs: [HostResolver.Address]
            do { addrs = try HostResolver.lookup(name) } catch let e as HostResolver.Failure { throw BuiltinError(.builtin, lookupMessage(name, e.message)) }
            return .set(SetValue(addrs.map { Value.string($0.text) }))
        },
    ]

    /// Go's DNS error text: `lookup NAME: no such host`, `lookup NAME on SERVER: no such host`.
    static func lookupMessage(_ name: String, _ why: String) -> String {
        why.hasPrefix("on ") ? "lookup \(name) \(why)" : "lookup \(name): \(why)"
    }

    /// The run-time half of the refusal: a policy that slipped past the compiler's check (a
    /// call next to a `with … as mock` of the same builtin elsewhere) still cannot reach the
    /// network unless the evaluation allows it.
    static func requireNetwork(_ name: String, _ ctx: EvalContext) throws {
        guard ctx.allowNetworkBuiltins else {
            let why = BuiltinRegistry.refusedByDesign[name] ?? "network access"
            throw BuiltinError(.builtin, "not allowed in the sidecar (\(why)); \(BuiltinRegistry.networkBuiltinsHint)",
                               halts: true)
        }
    }
}
