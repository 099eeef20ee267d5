/// The compiler's static checks over parsed modules, each in its own file. The compiler calls
/// `StaticChecks.run` after parsing; each check returns OPA-coded errors with file:row:col.
/// (Unsafe variables and body reordering belong to the compiler's safety pass, not here.)
public enum StaticChecks {
    /// All checks, in OPA's order: annotations (only when used), rule conflicts, undefined/refused functions and arity,
    /// builtin argument types, recursion, then deprecated builtins (v1) when nothing else failed. Returns at most OPA's limit of 10 errors.
    public static func run(_ modules: [Module], options: CompileOptions = CompileOptions()) -> [EngineError] {
        let index = RuleIndex(modules)
        // One name resolver per module and one walk for every call, shared by the checks.
        let resolvers = modules.map { NameResolver(module: $0, index: index) }
        let calls = CallSites(modules, resolvers: resolvers)
        var errors = AnnotationsCheck.run(modules, calls: calls)
        errors += ConflictingRulesCheck.run(index)
        errors += LocalVarCheck.run(modules)
        errors += FunctionArgRefCheck.run(modules)
        errors += FunctionCallCheck.run(calls, resolvers: resolvers)
        errors += RefusedBuiltinsCheck.run(modules, calls: calls, options: options)
        errors += BuiltinTypeCheck.run(calls)
        errors += RefTypeCheck.run(modules)
        errors += RecursionCheck.run(modules, index: index, resolvers: resolvers)
        // OPA's deprecated-builtins stage comes after type checking and runs only when every
        // earlier stage passed (`var x assigned above` or a type error hide it).
        if errors.isEmpty { errors += DeprecatedBuiltinsCheck.run(modules, calls: calls) }
        return Array(errors.prefix(10))
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
