/// The semver builtins. (Family not written yet.)
enum SemverBuiltins {
    static let builtins: [Builtin] = []
}
