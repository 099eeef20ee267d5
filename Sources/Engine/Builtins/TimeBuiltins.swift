/// The time builtins. (Family not written yet.)
enum TimeBuiltins {
    static let builtins: [Builtin] = []
}
