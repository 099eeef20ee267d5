/// The crypto builtins. (Family not written yet.)
enum CryptoBuiltins {
    static let builtins: [Builtin] = []
}
