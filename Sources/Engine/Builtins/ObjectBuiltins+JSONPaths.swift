extension ObjectBuiltins {
    /// json.filter and json.remove: paths are `a/b/0` strings (JSON-pointer escapes `~0`, `~1`)
    /// or arrays of keys.
    static let jsonPathBuiltins: [Builtin] = [
        Builtin("json.filter", arity: 2) { args, _ in
            let o = try args.object(0)
            let tree = try pathTree(args)
            return filter(.object(o), tree)
        },
        Builtin("json.remove", arity: 2) { args, _ in
            let o = try args.object(0)
            let tree = try pathTree(args)
            return remove(.object(o), tree)
        },
    ]

    final class PathNode {
        var children: [Value: PathNode] = [:]
        var terminal = false
    }

    static func pathTree(_ args: Arguments) throws -> PathNode {
        let items: [Value]
        switch args[1] {
        case .array(let a): items = a
        case .set(let s): items = s.elements
        default: throw BuiltinError(.type, "operand 2 must be one of {set, array} but got \(args[1].typeName)")
        }
        let root = PathNode()
        for item in items {
            var segments: [Value]
            switch item {
            case .string(let s):
                // As OPA reads a path string: "" is the empty path (selects nothing), otherwise
                // every leading "/" goes before splitting ("//" is the key "", "a//" is a.""."").
                segments = s.isEmpty ? [] : s.drop(while: { $0 == "/" }).split(separator: "/", omittingEmptySubsequences: false).map {
                    .string($0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~"))
                }
            case .array(let a): segments = a
            default:
                throw BuiltinError(.type, "operand 2 must be one of {set, array} containing string paths or array of path segments but got \(item.typeName)")
            }
            // An empty path array selects nothing (OPA skips it).
            if segments.isEmpty { continue }
            var node = root
            for seg in segments {
                if node.terminal { break }
                if let c = node.children[seg] { node = c } else {
                    let c = PathNode()
                    node.children[seg] = c
                    node = c
                }
            }
            node.terminal = true
            node.children = [:]
        }
        return root
    }

    /// The child for an object key, array index or set element (indexes may be given as
    /// numbers or numeric strings).
    static func child(_ node: PathNode, _ key: Value) -> PathNode? {
        if let c = node.children[key] { return c }
        switch key {
        case .number(let n): return node.children[.string(n.description)]
        case .string(let s): return Number.parse(s).flatMap { node.children[.number($0)] }
        default: return nil
        }
    }

    static func filter(_ v: Value, _ node: PathNode) -> Value {
        if node.terminal { return v }
        switch v {
        case .object(let o):
            var b = ObjectBuilder()
            for (k, x) in o.pairs { if let c = child(node, k) { b[k] = filter(x, c) } }
            return .object(b.build())
        case .array(let a):
            var out: [Value] = []
            for (i, x) in a.enumerated() { if let c = child(node, .int(i)) { out.append(filter(x, c)) } }
            return .array(out)
        case .set(let s):
            var b = SetBuilder()
            for x in s.elements { if let c = child(node, x) { b.insert(filter(x, c)) } }
            return .set(b.build())
        default:
            return v
        }
    }

    static func remove(_ v: Value, _ node: PathNode) -> Value {
        if node.children.isEmpty { return v }
        switch v {
        case .object(let o):
            var b = ObjectBuilder()
            for (k, x) in o.pairs {
                if let c = child(node, k) {
                    if !c.terminal { b[k] = remove(x, c) }
                } else {
                    b[k] = x
                }
            }
            return .object(b.build())
        case .array(let a):
            var out: [Value] = []
            for (i, x) in a.enumerated() {
                if let c = child(node, .int(i)) {
                    if !c.terminal { out.append(remove(x, c)) }
                } else {
                    out.append(x)
                }
            }
            return .array(out)
        case .set(let s):
            var b = SetBuilder()
            for x in s.elements {
                if let c = child(node, x) {
                    if !c.terminal { b.insert(remove(x, c)) }
                } else {
                    b.insert(x)
                }
            }
            return .set(b.build())
        default:
            return v
        }
    }
}
