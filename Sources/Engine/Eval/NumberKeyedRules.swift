// Rules whose ref head starts with constant keys that include a number (`o[1] := "a"`,
// `p[2.0].b := 1`).
//
// OPA files such rules in its rule tree under the constant keys as written, and a number is its
// text there: `1` and `1.0` are different children. So a ground lookup finds a rule only through
// the same text (`o[1.0]` is undefined next to `o[1] := "a"`, also through a variable bound to
// 1.0), while values compare by number everywhere else (`{1: "a"}[1.0]`, a variable-key rule
// `o[k]` read as `o[1.0]`). Two such rules under different texts of one number (`o[1]` and
// `o[1.0]`) are separate children whose documents OPA cannot merge: each lookup finds its own
// value, and the whole document is undefined (settled with the oracle, OPA 1.20.2).
// A rule with a variable key (`o[k] := …`, `o[1][k] := …`) puts a value at its tree node, and
// lookups through that node compare by number: text matching stops at the shallowest such node.

enum NumberKeyedRules {
    /// `DataNode.numberKeyedDepth`: for a partial object, the number of leading constant keys
    /// every rule has, when some rule has a number among them (else 0).
    static func depth(_ n: DataNode) -> Int {
        guard n.kind == .partialObject else { return 0 }
        var depth = Int.max
        var numbered = false
        for r in n.rules {
            var g = 0
            for part in r.keyPath {
                guard case .const(let key) = part else { break }
                if case .number = key { numbered = true }
                g += 1
            }
            depth = min(depth, g)
        }
        return numbered && depth != Int.max ? depth : 0
    }

    /// The rule's leading constant keys (its node in OPA's rule tree).
    static func groundPrefix(_ r: PRule) -> [Value] {
        var keys: [Value] = []
        for part in r.keyPath {
            guard case .const(let key) = part else { break }
            keys.append(key)
        }
        return keys
    }

    /// How deep a lookup by `lookup` is matched by text: down to the first rule-tree node on its
    /// path that holds a rule (its document is computed there and read by value).
    static func textDepth(_ prefixes: [[Value]], _ lookup: [Value]) -> Int {
        var depth = lookup.count
        for p in prefixes where p.count < depth {
            if zip(p, lookup).allSatisfy({ sameText($0, $1) }) { depth = p.count }
        }
        return depth
    }

    /// True when OPA's rule tree has a node at `lookup` (numbers by text): some rule is filed
    /// there or below, or above it (a node holding a rule, whose document is read by value).
    static func filed(_ prefixes: [[Value]], _ lookup: [Value]) -> Bool {
        prefixes.contains { p in zip(p, lookup).allSatisfy { sameText($0, $1) } }
    }

    /// Equal keys, numbers written alike.
    static func sameText(_ a: Value, _ b: Value) -> Bool {
        if case .number(let x) = a, case .number(let y) = b { return x.description == y.description }
        return a == b
    }

    /// True when a lookup by the ground keys `lookup` cannot reach rule `r` in OPA's rule tree:
    /// at some depth both the rule's constant key and the lookup key are numbers of different
    /// text (equal numbers included).
    static func filedElsewhere(_ r: PRule, _ lookup: [Value], depth: Int) -> Bool {
        for d in 0..<min(r.keyPath.count, lookup.count, depth) {
            guard case .const(let key) = r.keyPath[d] else { return false }
            if case .number(let a) = key, case .number(let b) = lookup[d], a.description != b.description {
                return true
            }
        }
        return false
    }

    /// The rule-tree children that produced values while a whole document is built: each path
    /// of keys (compared by value) with the texts its numbers were filed under.
    struct Filing {
        private var texts: [[Value]: [String?]] = [:]
        private(set) var collided = false

        /// Records that rule `r` produced a value at `keys`; true when another rule produced one
        /// under the same keys written with other number texts (the document is then undefined).
        mutating func add(_ r: PRule, _ keys: [Value], depth: Int) -> Bool {
            guard let last = NumberKeyedRules.lastGroundNumber(r, depth: depth) else { return false }
            let path = Array(keys[0...last])
            let written: [String?] = r.keyPath[0...last].map { part in
                if case .const(.number(let n)) = part { return n.description }
                return nil
            }
            if let earlier = texts[path] {
                if earlier != written { collided = true }
            } else {
                texts[path] = written
            }
            return collided
        }
    }

    /// The depth of the last number among the rule's first `depth` constant keys.
    static func lastGroundNumber(_ r: PRule, depth: Int) -> Int? {
        var last: Int?
        for (d, part) in r.keyPath.prefix(depth).enumerated() {
            guard case .const(let key) = part else { break }
            if case .number = key { last = d }
        }
        return last
    }

    /// The lookup keys `path[i...]` that are known without evaluating anything: constants and
    /// bound locals, up to the first other term.
    static func groundKeys(_ path: [PTerm], from i: Int, slot: (Int) -> Value?) -> [Value] {
        var keys: [Value] = []
        for t in path[i...] {
            switch t {
            case .const(let v): keys.append(v)
            case .local(let s):
                guard let v = slot(s) else { return keys }
                keys.append(v)
            default: return keys
            }
        }
        return keys
    }
}
