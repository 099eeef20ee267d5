/// The graph builtins. (Family not written yet.)
enum GraphBuiltins {
    static let builtins: [Builtin] = []
}
