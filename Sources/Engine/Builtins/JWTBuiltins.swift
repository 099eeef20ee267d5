/// The jwt builtins. (Family not written yet.)
enum JWTBuiltins {
    static let builtins: [Builtin] = []
}
