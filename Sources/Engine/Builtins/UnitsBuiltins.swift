/// The units builtins. (Family not written yet.)
enum UnitsBuiltins {
    static let builtins: [Builtin] = []
}
