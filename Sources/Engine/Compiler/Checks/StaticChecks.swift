/// The compiler's static checks over parsed modules, each in its own file, grouped into OPA's
/// stages (`CheckStage`); each check returns OPA-coded errors with file:row:col. (Unsafe
/// variables, `with` targets and body reordering belong to the plan builder; `CompiledPolicy.check`
/// merges its errors by stage.)
public enum StaticChecks {
    /// The errors of the first failing stage among the checks that read the syntax tree
    /// (without the plan builder's with-target and safety stages; see `staged`).
    public static func run(_ modules: [Module], options: CompileOptions = CompileOptions()) -> [EngineError] {
        CheckStage.firstFailing(staged(modules, options: options))?.errors ?? []
    }

    /// Every check's errors tagged with OPA's stage, computed in stage order and cut short once a
    /// stage fails that no plan-builder stage (with targets onwards) could precede.
    static func staged(_ modules: [Module], options: CompileOptions = CompileOptions()) -> [(CheckStage, EngineError)] {
        let index = RuleIndex(modules)
        // One name resolver per module and one walk for every call, shared by the checks.
        let resolvers = modules.map { NameResolver(module: $0, index: index) }
        let calls = CallSites(modules, resolvers: resolvers)
        var out: [(CheckStage, EngineError)] = []
        for e in LocalVarCheck.run(modules) + FunctionArgRefCheck.run(modules) { out.append((CheckStage.ofLocalVarError(e), e)) }
        for e in VoidCallCheck.run(calls) { out.append((.voidCalls, e)) }
        for e in AnnotationsCheck.run(modules, calls: calls) { out.append((.annotations, e)) }
        if let first = out.map(\.0).min(), first < .withTargets { return out }
        for e in ConflictingRulesCheck.run(index) { out.append((.ruleConflicts, e)) }
        for e in FunctionCallCheck.run(calls, resolvers: resolvers) + RefusedBuiltinsCheck.run(modules, calls: calls, options: options) {
            out.append((.undefinedFunctions, e))
        }
        if !out.isEmpty { return out }
        for e in RecursionCheck.run(modules, index: index, resolvers: resolvers) { out.append((.recursion, e)) }
        if !out.isEmpty { return out }
        // A builtin call both walks reject is reported once, as the walk through variables'
        // types prints it (BuiltinTypeCheck prints every variable `???`).
        let walked = FunctionTypeCheck.run(modules, index: index, resolvers: resolvers)
        func callName(_ e: EngineError) -> Substring { e.message.prefix { $0 != "\n" } }
        let seen = Set(walked.map { "\($0.location.map(String.init(describing:)) ?? "")|\(callName($0))" })
        let literal = BuiltinTypeCheck.run(calls).filter {
            !seen.contains("\($0.location.map(String.init(describing:)) ?? "")|\(callName($0))")
        }
        for e in literal + RefTypeCheck.run(modules, index: index, resolvers: resolvers) + walked {
            out.append((.types, e))
        }
        if !out.isEmpty { return out }
        for e in DeprecatedBuiltinsCheck.run(modules, calls: calls) { out.append((.deprecated, e)) }
        return out
    }
}

/// Every rule by its path below `data` (package path + the rule ref's constant prefix).
struct RuleIndex {
    struct Entry {
        var path: [String]
        var rule: Rule
        var module: Int
    }
    var entries: [Entry] = []
    /// Path (joined) → entry indices.
    var byPath: [String: [Int]] = [:]
    /// Package path (joined) → rule names directly defined there (first ref element).
    var namesInPackage: [String: Set<String>] = [:]
    /// Path (joined) → indices of the entries strictly below it, in entry order. Built once so
    /// "rules below this path" is a lookup, not a scan of every rule per reference (which made
    /// the checks quadratic: 12 s for a 1,000-module bundle).
    var entriesBelow: [String: [Int]] = [:]

    init(_ modules: [Module]) {
        for (mi, m) in modules.enumerated() {
            let pkg = m.package.segments
            for r in m.rules {
                let path = pkg + r.head.ref.staticPrefix
                byPath[RuleIndex.key(path), default: []].append(entries.count)
                for k in 0..<path.count { entriesBelow[RuleIndex.key(Array(path[..<k])), default: []].append(entries.count) }
                entries.append(Entry(path: path, rule: r, module: mi))
                namesInPackage[RuleIndex.key(pkg), default: []].insert(r.name)
            }
        }
    }

    static func key(_ path: [String]) -> String { path.joined(separator: "\u{1}") }

    static func display(_ path: [String]) -> String {
        "data" + path.map { RefPart.isIdentifier($0) ? "." + $0 : "[\"\($0)\"]" }.joined()
    }

    func rules(at path: [String]) -> [Entry] { (byPath[RuleIndex.key(path)] ?? []).map { entries[$0] } }

    /// Rule paths that `path` refers to: the rule at a prefix of `path` (`data.x.p.q` → p), or
    /// every rule below `path` (`data.x` → all of package x).
    func targets(of path: [String]) -> [[String]] {
        var out: [[String]] = []
        var prefix: [String] = []
        for seg in path {
            prefix.append(seg)
            if byPath[RuleIndex.key(prefix)] != nil { out.append(prefix) }
        }
        if out.isEmpty {
            var seen = Set<String>()
            for i in entriesBelow[RuleIndex.key(path)] ?? [] where seen.insert(RuleIndex.key(entries[i].path)).inserted {
                out.append(entries[i].path)
            }
        }
        return out
    }

    /// Entries whose path has `path` as a proper prefix, in entry order.
    func entries(below path: [String]) -> [Entry] { (entriesBelow[RuleIndex.key(path)] ?? []).map { entries[$0] } }
}
