/// The arithmetic builtins. (Family not written yet.)
enum ArithmeticBuiltins {
    static let builtins: [Builtin] = []
}
