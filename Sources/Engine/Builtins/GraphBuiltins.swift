/// graph.reachable and graph.reachable_paths over an adjacency object (neighbours as arrays or
/// sets). `walk` belongs to the evaluator.
enum GraphBuiltins {
    static func neighbours(_ g: ObjectValue, _ node: Value) -> [Value]? {
        switch g[node] {
        case .array(let a)?: return a
        case .set(let s)?: return s.elements
        default: return nil
        }
    }

    /// OPA's text for this operand says "must be {array, set}" (no "one of").
    static func startNodes(_ args: Arguments) throws -> [Value] {
        switch args[1] {
        case .array(let a): return a
        case .set(let s): return s.elements
        default: throw BuiltinError(.type, "operand 2 must be {array, set} but got \(args[1].typeName)")
        }
    }

    static let builtins: [Builtin] = [
        Builtin("graph.reachable", arity: 2) { args, _ in
            let g = try args.object(0)
            let start = try startNodes(args)
            var seen = SetBuilder()
            var queue: [Value] = []
            for s in start where g[s] != nil { queue.append(s) }
            while let n = queue.popLast() {
                guard seen.insert(n) else { continue }
                for m in neighbours(g, n) ?? [] where !seen.contains(m) && g[m] != nil { queue.append(m) }
            }
            return .set(seen.build())
        },
        Builtin("graph.reachable_paths", arity: 2) { args, _ in
            let g = try args.object(0)
            let start = try startNodes(args)
            var out = SetBuilder()
            func walk(_ node: Value, _ path: [Value]) {
                let p = path + [node]
                let next = neighbours(g, node) ?? []
                if next.isEmpty { out.insert(.array(p)); return }
                for m in next {
                    // OPA stops at a node on the path, except that a start node's own loop is
                    // walked once (its start is not yet marked reached).
                    if path.contains(m) || (m == node && !path.isEmpty) || g[m] == nil { out.insert(.array(p)); continue }
                    walk(m, p)
                }
            }
            for s in start where g[s] != nil { walk(s, []) }
            return .set(out.build())
        },
    ]
}
