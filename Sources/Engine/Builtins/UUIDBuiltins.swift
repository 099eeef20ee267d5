/// The uuid builtins. (Family not written yet.)
enum UUIDBuiltins {
    static let builtins: [Builtin] = []
}
