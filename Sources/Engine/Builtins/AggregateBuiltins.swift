/// The aggregate builtins. (Family not written yet.)
enum AggregateBuiltins {
    static let builtins: [Builtin] = []
}
