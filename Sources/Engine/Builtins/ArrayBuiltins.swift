/// The array builtins. (Family not written yet.)
enum ArrayBuiltins {
    static let builtins: [Builtin] = []
}
