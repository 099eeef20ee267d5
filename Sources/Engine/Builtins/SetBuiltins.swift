/// The set builtins. (Family not written yet.)
enum SetBuiltins {
    static let builtins: [Builtin] = []
}
