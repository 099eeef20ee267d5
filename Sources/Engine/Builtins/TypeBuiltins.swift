/// The type builtins. (Family not written yet.)
enum TypeBuiltins {
    static let builtins: [Builtin] = []
}
