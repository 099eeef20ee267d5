/// The object builtins. (Family not written yet.)
enum ObjectBuiltins {
    static let builtins: [Builtin] = []
}
