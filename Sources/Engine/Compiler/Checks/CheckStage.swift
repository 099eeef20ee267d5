/// OPA's compiler runs its checks as stages in a fixed order and stops after the first stage
/// that reports an error; a program with an unsafe variable and a type error reports only the
/// unsafe variable. These are the stages whose errors policyd reproduces, in OPA's order
/// (settled pairwise against OPA 1.20 through the oracle).
enum CheckStage: Int, Comparable, CaseIterable {
    /// Rules, function arguments or imports shadowing `input`/`data`/another import.
    case shadowing
    /// `:=` redeclarations, `some` vars never used, `cannot assign to …`.
    case localVars
    /// Template-string parts that would bind a variable (`$"{x[i]}"`: `var i is undeclared`).
    case templateVars
    /// A call to a function without result (`print`) used as a value.
    case voidCalls
    /// `# METADATA` blocks (only when `rego.metadata.*` is called).
    case annotations
    /// `with` targets that name nothing replaceable.
    case withTargets
    /// Rules of different kinds (or arities) at one path.
    case ruleConflicts
    /// Unknown functions, arity mismatches, builtins refused by the sidecar.
    case undefinedFunctions
    /// Head variables the body never binds.
    case safetyHeads
    /// Unsafe variables in bodies (and refs in function argument patterns).
    case safetyBodies
    case recursion
    /// Builtin and user-function argument types, refs into typed values, unification mismatches.
    case types
    /// Deprecated builtins (v1 modules).
    case deprecated

    static func < (a: CheckStage, b: CheckStage) -> Bool { a.rawValue < b.rawValue }

    /// OPA's error limit: ten errors, then `error limit reached`.
    static let errorLimit = 10

    /// The errors of the first failing stage, in OPA's order, capped at OPA's limit.
    static func firstFailing(_ staged: [(CheckStage, EngineError)]) -> (stage: CheckStage, errors: [EngineError])? {
        guard let stage = staged.map(\.0).min() else { return nil }
        var errors = staged.filter { $0.0 == stage }.map(\.1)
        // OPA sorts a stage's errors by location (the type checker visits rules in dependency
        // order; policyd's checks each walk the modules on their own). Columns only order the
        // type errors, which come from several checks: elsewhere errors of one row keep their order.
        errors = errors.enumerated().sorted { a, b in
            let la = a.element.location, lb = b.element.location
            if let la, let lb, la != lb {
                if la.file != lb.file { return la.file < lb.file }
                if la.row != lb.row { return la.row < lb.row }
                if stage == .types, la.col != lb.col { return la.col < lb.col }
            }
            // Type errors at one position (refs through bare rule names share one) by message.
            if stage == .types, a.element.location == b.element.location, a.element.message != b.element.message {
                return a.element.message < b.element.message
            }
            return a.offset < b.offset
        }.map(\.element)
        return (stage, capped(errors))
    }

    /// At most ten errors; OPA stops at the eleventh and says so.
    static func capped(_ errors: [EngineError]) -> [EngineError] {
        guard errors.count > errorLimit else { return errors }
        return Array(errors.prefix(errorLimit)) + [EngineError(.compileError, "error limit reached")]
    }

    /// The stage of an error raised while building the plan (lowering bodies).
    static func ofPlanError(_ e: EngineError, headSafety: Bool) -> CheckStage {
        if e.message.hasPrefix("with keyword") { return .withTargets }
        if e.message.hasPrefix("conflicting rules") { return .ruleConflicts }
        if e.message.hasPrefix("undefined function") { return .undefinedFunctions }
        if e.code == .compileError, e.message.hasSuffix(" is undeclared") { return .templateVars }
        if e.code == .unsafeVarError { return headSafety ? .safetyHeads : .safetyBodies }
        return .types
    }

    /// The stage of an error from the local-variable and argument checks.
    static func ofLocalVarError(_ e: EngineError) -> CheckStage {
        if e.message.hasPrefix("rules must not shadow") || e.message.hasPrefix("args must not shadow")
            || e.message.hasPrefix("import must not shadow") { return .shadowing }
        if e.code == .unsafeVarError { return .safetyBodies }
        return .localVars
    }
}
