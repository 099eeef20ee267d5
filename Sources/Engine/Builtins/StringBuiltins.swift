/// The string builtins. (Family not written yet.)
enum StringBuiltins {
    static let builtins: [Builtin] = []
}
