/// The glob builtins. (Family not written yet.)
enum GlobBuiltins {
    static let builtins: [Builtin] = []
}
