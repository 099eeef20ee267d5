/// The number builtins. (Family not written yet.)
enum NumberBuiltins {
    static let builtins: [Builtin] = []
}
