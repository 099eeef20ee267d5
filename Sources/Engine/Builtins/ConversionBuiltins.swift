/// The conversion builtins. (Family not written yet.)
enum ConversionBuiltins {
    static let builtins: [Builtin] = []
}
