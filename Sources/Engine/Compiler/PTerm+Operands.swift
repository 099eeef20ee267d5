extension PTerm {
    /// The term with each operand of a data path, ref or collection replaced by `f(operand)`,
    /// left to right (a ref's head before its parts, an object's keys before its values: the
    /// order rewriters that lift calls out append them in). nil for leaves, calls and
    /// comprehensions, which each rewriter treats in its own way.
    func mappingOperands(_ f: (PTerm) -> PTerm) -> PTerm? {
        switch self {
        case .const, .local, .input, .inputRef, .call, .compr: return nil
        case .data(let n, let parts): return .data(n, parts.map(f))
        case .ref(let base, let parts): return .ref(f(base), parts.map(f))
        case .array(let xs): return .array(xs.map(f))
        case .set(let xs): return .set(xs.map(f))
        case .template(let xs): return .template(xs.map(f))
        case .object(let ks, let vs): return .object(ks.map(f), vs.map(f))
        }
    }
}
