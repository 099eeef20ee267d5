/// The regex builtins. (Family not written yet.)
enum RegexBuiltins {
    static let builtins: [Builtin] = []
}
