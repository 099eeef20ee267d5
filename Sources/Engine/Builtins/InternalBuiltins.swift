/// The internal builtins. (Family not written yet.)
enum InternalBuiltins {
    static let builtins: [Builtin] = []
}
