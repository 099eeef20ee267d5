/// Rules may not depend on themselves, directly or through other rules and functions:
/// `rule data.x.p is recursive: data.x.p -> data.x.q -> data.x.p` (rego_recursion_error), one
/// error per rule on the cycle.
enum RecursionCheck {
    static func run(_ modules: [Module], index: RuleIndex, resolvers: [NameResolver]) -> [EngineError] {
        // Dependencies per rule path (joined key → set of joined keys).
        var deps: [String: Set<String>] = [:]
        var pathOf: [String: [String]] = [:]
        var firstRule: [String: Rule] = [:]
        var order: [String] = []
        for entry in index.entries {
            let key = RuleIndex.key(entry.path)
            if pathOf[key] == nil {
                pathOf[key] = entry.path
                firstRule[key] = entry.rule
                order.append(key)
            }
            let resolver = resolvers[entry.module]
            let locals = ASTWalk.localNames(in: entry.rule)
            var out = deps[key] ?? []
            func add(_ r: Ref) {
                guard let path = resolver.dataPath(r, locals: locals) else { return }
                let targets = index.targets(of: path)
                let atPrefix = targets.filter { $0.count <= path.count }
                if !atPrefix.isEmpty || r.parts.allSatisfy({ $0.stringKey != nil }) && !path.isEmpty {
                    for target in targets { out.insert(RuleIndex.key(target)) }
                    return
                }
                // Past the constant prefix, a variable key matches every child (`data[k]`,
                // `data` itself: every rule, this one included; `data[x].allow.see` only the
                // rules below some `…allow.see`); a constant that is not a string matches none.
                var pattern: [String?] = []
                for part in r.parts.drop(while: { $0.stringKey != nil }) {
                    if let k = part.stringKey { pattern.append(k); continue }
                    if case .bracket(let t) = part, case .scalar = t.value { return }
                    pattern.append(nil)
                }
                for e in index.entries(below: path) {
                    let rest = e.path.dropFirst(path.count)
                    if zip(rest, pattern).allSatisfy({ $1 == nil || $0 == $1 }) { out.insert(RuleIndex.key(e.path)) }
                }
            }
            ASTWalk.terms(in: entry.rule) { t in
                switch t.value {
                case .ref(let r): add(r)
                case .variable(let v): add(Ref(head: .variable(v, t.location), parts: []))
                case .call(let c): add(c.function)
                default: break
                }
            }
            deps[key] = out
        }
        var errors: [EngineError] = []
        for key in order {
            guard let cycle = shortestCycle(from: key, deps: deps) else { continue }
            let names = cycle.map { RuleIndex.display(pathOf[$0] ?? []) }
            errors.append(EngineError(.recursionError, "rule \(names[0]) is recursive: " + names.joined(separator: " -> "),
                                      location: firstRule[key]?.location))
        }
        return errors
    }

    /// Breadth-first search for the shortest path from `start` back to itself.
    static func shortestCycle(from start: String, deps: [String: Set<String>]) -> [String]? {
        var parent: [String: String] = [:]
        var queue: [String] = []
        for d in (deps[start] ?? []).sorted() {
            if d == start { return [start, start] }
            if parent[d] == nil { parent[d] = start; queue.append(d) }
        }
        var i = 0
        while i < queue.count {
            let node = queue[i]
            i += 1
            for d in (deps[node] ?? []).sorted() {
                if d == start {
                    var path = [node]
                    var cur = node
                    while let p = parent[cur], p != start { path.append(p); cur = p }
                    return [start] + Array(path.reversed()) + [start]
                }
                if parent[d] == nil { parent[d] = node; queue.append(d) }
            }
        }
        return nil
    }
}
