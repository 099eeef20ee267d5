/// The encoding builtins. (Family not written yet.)
enum EncodingBuiltins {
    static let builtins: [Builtin] = []
}
