/// The net builtins. (Family not written yet.)
enum NetBuiltins {
    static let builtins: [Builtin] = []
}
