extension StringBuiltins {
    static let templateBuiltins: [Builtin] = []
}
