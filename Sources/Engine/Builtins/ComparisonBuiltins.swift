/// The comparison builtins. (Family not written yet.)
enum ComparisonBuiltins {
    static let builtins: [Builtin] = []
}
