import Engine
import Yams

/// The config file read through Yams without its default resolver.
///
/// Why: `Resolver.default` is a set of `NSRegularExpression`s; building it (even implicitly,
/// through `Node("key")`, a `Node.Mapping` literal or `mapping["key"]`) starts Foundation's
/// regex engine and ICU with its data, several MiB of an idle daemon's memory. So the config is
/// composed with `Resolver.basic` (nothing resolved), keys are found by comparing strings, and
/// plain scalars are typed here with the very rules of Yams' default resolver (YAML 1.1: bool,
/// int, float, merge, null, timestamp, value, tried in that order), so every value and every
/// error stays what it was.
enum ConfigYAML {
    static func compose(_ text: String) throws -> Node? {
        try Yams.compose(yaml: text, Resolver.basic, Constructor.default, Parser.Encoding.default)
    }

    /// What `Yams.load(yaml:)` returns (the same Swift values, built by Yams' default
    /// constructor), without the regex resolver: plain scalars are typed here first.
    static func load(_ text: String) throws -> Any? {
        try compose(text).map { typed($0).any }
    }

    /// The tree with every plain scalar's tag resolved (so Yams never consults a resolver).
    static func typed(_ node: Node) -> Node {
        switch node {
        case .scalar(var s):
            if s.tag.rawValue == Tag.Name.implicit.rawValue { s.tag = Tag(resolve(s.string), Resolver.basic, Constructor.default) }
            return .scalar(s)
        case .mapping(let m):
            return .mapping(Node.Mapping(m.map { (typed($0.key), typed($0.value)) }, m.tag, m.style, m.mark))
        case .sequence(let q):
            return .sequence(Node.Sequence(q.map(typed), q.tag, q.style, q.mark))
        case .alias:
            return node
        }
    }

    /// The node's tag name as the default resolver would give it.
    static func tagName(_ node: Node) -> Tag.Name {
        if case .scalar(let s) = node, s.tag.rawValue == Tag.Name.implicit.rawValue { return resolve(s.string) }
        return Tag.Name(rawValue: node.tag.rawValue)
    }

    /// The value under `key` in a mapping node (nil when absent or not a mapping).
    static func child(_ node: Node?, _ key: String) -> Node? {
        guard case .mapping(let m)? = node else { return nil }
        for (k, v) in m where isKey(k, key) { return v }
        return nil
    }

    /// A mapping key equal to `key` as Yams' `mapping[key]` compares them: same text, same
    /// resolved tag.
    private static func isKey(_ k: Node, _ key: String) -> Bool {
        guard case .scalar(let s) = k, s.string == key else { return false }
        return tagName(k) == resolve(key)
    }

    /// A composed node → Value (for config sections checked by their owners, e.g. decision_log).
    static func value(_ node: Node) -> Value {
        switch node {
        case .scalar(let s):
            switch tagName(node) {
            case .null: return .null
            case .bool: return node.bool.map(Value.bool) ?? .string(s.string)
            case .int: return node.int.map(Value.int) ?? .string(s.string)
            case .float: return node.float.map(Value.double) ?? .string(s.string)
            default: return .string(s.string)
            }
        case .sequence(let seq): return .array(seq.map(value))
        case .mapping(let m):
            var b = ObjectBuilder(minimumCapacity: m.count)
            for (k, v) in m { b[.string(k.string ?? "\(k)")] = value(v) }
            return .object(b.build())
        case .alias: return .null
        }
    }

    /// Yams' default resolver rules for a plain scalar, without regular expressions.
    static func resolve(_ text: String) -> Tag.Name {
        let b = Array(text.utf8)
        if isBool(text) { return .bool }
        if isInt(b) { return .int }
        if isFloat(b) { return .float }
        if text == "<<" { return .merge }
        if text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL" { return .null }
        if isTimestamp(b) { return .timestamp }
        if text == "=" { return .value }
        return .str
    }

    private static let bools: Set<String> = [
        "yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
        "on", "On", "ON", "off", "Off", "OFF",
    ]
    static func isBool(_ s: String) -> Bool { bools.contains(s) }

    // Character classes of the patterns.
    private static func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    private static func digitU(_ c: UInt8) -> Bool { digit(c) || c == 0x5F }  // [0-9_]
    private static func octU(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x37) || c == 0x5F }  // [0-7_]
    private static func binU(_ c: UInt8) -> Bool { c == 0x30 || c == 0x31 || c == 0x5F }  // [0-1_]
    private static func hexU(_ c: UInt8) -> Bool {
        digitU(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }

    /// A cursor over the scalar's bytes; every pattern must consume all of them.
    struct Scan {
        let b: [UInt8]
        var i = 0
        var end: Bool { i == b.count }
        var peek: UInt8? { i < b.count ? b[i] : nil }
        mutating func take(_ c: UInt8) -> Bool {
            if peek == c { i += 1; return true }
            return false
        }
        mutating func take(_ p: (UInt8) -> Bool) -> Bool {
            if let c = peek, p(c) { i += 1; return true }
            return false
        }
        /// Greedy `p*`; returns how many were taken.
        @discardableResult mutating func many(_ p: (UInt8) -> Bool) -> Int {
            let start = i
            while let c = peek, p(c) { i += 1 }
            return i - start
        }
        mutating func sign() { if peek == 0x2B || peek == 0x2D { i += 1 } }  // [-+]?
        mutating func word(_ s: String) -> Bool {
            let w = Array(s.utf8)
            guard b.count - i >= w.count, Array(b[i..<i + w.count]) == w else { return false }
            i += w.count
            return true
        }
        /// `(?::[0-5]?[0-9])+`
        mutating func sexagesimal() -> Bool {
            var groups = 0
            while peek == 0x3A {
                let save = i
                i += 1
                if let c = peek, c >= 0x30, c <= 0x35, i + 1 < b.count, ConfigYAML.digit(b[i + 1]) {
                    i += 2
                } else if take(ConfigYAML.digit) {
                } else {
                    i = save
                    break
                }
                groups += 1
            }
            return groups > 0
        }
    }

    private static func isInt(_ b: [UInt8]) -> Bool {
        func alt(_ f: (inout Scan) -> Bool) -> Bool {
            var s = Scan(b: b)
            s.sign()
            return f(&s) && s.end
        }
        // [-+]?0b[0-1_]+
        if alt({ $0.word("0b") && $0.many(binU) > 0 }) { return true }
        // [-+]?0o?[0-7_]+
        if alt({ s in
            guard s.take(0x30) else { return false }
            _ = s.take(0x6F)
            return s.many(octU) > 0
        }) { return true }
        // [-+]?(?:0|[1-9][0-9_]*)
        if alt({ s in
            if s.take(0x30) { return true }
            guard s.take({ $0 >= 0x31 && $0 <= 0x39 }) else { return false }
            s.many(digitU)
            return true
        }) { return true }
        // [-+]?0x[0-9a-fA-F_]+
        if alt({ $0.word("0x") && $0.many(hexU) > 0 }) { return true }
        // [-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+
        return alt({ s in
            guard s.take({ $0 >= 0x31 && $0 <= 0x39 }) else { return false }
            s.many(digitU)
            return s.sexagesimal()
        })
    }

    private static func isFloat(_ b: [UInt8]) -> Bool {
        func alt(signed: Bool, _ f: (inout Scan) -> Bool) -> Bool {
            var s = Scan(b: b)
            if signed { s.sign() }
            return f(&s) && s.end
        }
        // [-+]?(?:[0-9][0-9_]*)(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?
        if alt(signed: true, { s in
            guard s.take(digit) else { return false }
            s.many(digitU)
            if s.take(0x2E) { s.many(digitU) }
            if s.peek == 0x65 || s.peek == 0x45 {
                let save = s.i
                s.i += 1
                s.sign()
                if s.many(digit) == 0 { s.i = save }
            }
            return true
        }) { return true }
        // \.[0-9_]+(?:[eE][-+][0-9]+)?
        if alt(signed: false, { s in
            guard s.take(0x2E), s.many(digitU) > 0 else { return false }
            if s.peek == 0x65 || s.peek == 0x45 {
                let save = s.i
                s.i += 1
                if !(s.take(0x2B) || s.take(0x2D)) || s.many(digit) == 0 { s.i = save }
            }
            return true
        }) { return true }
        // [-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*
        if alt(signed: true, { s in
            guard s.take(digit) else { return false }
            s.many(digitU)
            guard s.sexagesimal(), s.take(0x2E) else { return false }
            s.many(digitU)
            return true
        }) { return true }
        // [-+]?\.(?:inf|Inf|INF)
        if alt(signed: true, { $0.word(".inf") || $0.word(".Inf") || $0.word(".INF") }) { return true }
        // \.(?:nan|NaN|NAN)
        return alt(signed: false, { $0.word(".nan") || $0.word(".NaN") || $0.word(".NAN") })
    }

    private static func isTimestamp(_ b: [UInt8]) -> Bool {
        func digits(_ s: inout Scan, _ min: Int, _ max: Int) -> Bool {
            var n = 0
            while n < max, s.take(digit) { n += 1 }
            return n >= min && !(s.peek.map(digit) ?? false)
        }
        // [0-9]{4}-[0-9]{2}-[0-9]{2}
        var s = Scan(b: b)
        guard digits(&s, 4, 4), s.take(0x2D) else { return false }
        let afterYear = s.i
        if digits(&s, 2, 2), s.take(0x2D), digits(&s, 2, 2), s.end { return true }
        // [0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?
        //   (?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?
        s.i = afterYear
        func blank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 }
        guard digits(&s, 1, 2), s.take(0x2D), digits(&s, 1, 2) else { return false }
        guard s.take(0x54) || s.take(0x74) || s.many(blank) > 0 else { return false }
        guard digits(&s, 1, 2), s.take(0x3A), digits(&s, 2, 2), s.take(0x3A), digits(&s, 2, 2) else { return false }
        if s.take(0x2E) { s.many(digit) }
        if s.end { return true }
        s.many(blank)
        if s.take(0x5A) { return s.end }
        guard s.take(0x2B) || s.take(0x2D), digits(&s, 1, 2) else { return false }
        if s.end { return true }
        return s.take(0x3A) && digits(&s, 2, 2) && s.end
    }
}
