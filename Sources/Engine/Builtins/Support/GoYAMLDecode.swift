/// go-yaml v2's decoding of a document into Go's `interface{}` (maps with keys of any scalar
/// type, last key wins, `<<` merges, explicit tags checked against the text), then
/// sigs.k8s.io/yaml's conversion to JSON (keys to strings). Behaviour established against OPA
/// through the oracle; see docs/conformance.md (session 10 builtins).
struct GoYAMLDecoder {
    /// A decoded Go value.
    indirect enum GoValue {
        case null, bool(Bool), int(Int), uint(UInt64), float(Double), string(String)
        /// A string that is not UTF-8 (from `!!binary`): error texts quote its bytes (`"\x9f"`),
        /// JSON gets it with each bad byte as U+FFFD.
        case bytes([UInt8])
        case seq([GoValue])
        case map(GoMap)
    }

    /// map[interface{}]interface{} in insertion order; setting an existing key replaces its value.
    struct GoMap {
        var keys: [GoValue] = []
        var values: [GoValue] = []
        var index: [Key: Int] = [:]
        var nanKeys = 0

        /// Go's key identity: dynamic type and value (1 and 1.0 are different keys, NaN never
        /// equals itself, -0.0 == 0.0).
        enum Key: Hashable { case null, bool(Bool), int(Int), uint(UInt64), float(UInt64), nan(Int), string(String), bytes([UInt8]) }

        mutating func set(_ k: GoValue, _ v: GoValue) {
            let key: Key
            switch k {
            case .null: key = .null
            case .bool(let b): key = .bool(b)
            case .int(let i): key = .int(i)
            case .uint(let u): key = .uint(u)
            case .float(let d):
                if d.isNaN { nanKeys += 1; key = .nan(nanKeys) } else { key = .float((d == 0 ? 0.0 : d).bitPattern) }
            case .string(let s): key = .string(s)
            case .bytes(let b): key = .bytes(b)
            case .seq, .map: return  // rejected by the caller
            }
            if let i = index[key] { keys[i] = k; values[i] = v; return }
            index[key] = keys.count
            keys.append(k)
            values.append(v)
        }
    }

    let doc: GoYAMLDocument
    private var decoding: Set<Int> = []  // anchors being expanded (alias cycles)
    private var decodeCount = 0, aliasCount = 0, aliasDepth = 0

    init(_ doc: GoYAMLDocument) { self.doc = doc }

    static let tagPrefix = GoYAMLDocument.yamlTagPrefix
    static let strTag = tagPrefix + "str", intTag = tagPrefix + "int", floatTag = tagPrefix + "float"
    static let boolTag = tagPrefix + "bool", nullTag = tagPrefix + "null", timestampTag = tagPrefix + "timestamp"
    static let binaryTag = tagPrefix + "binary", mergeTag = tagPrefix + "merge"
    /// Tags whose scalars are resolved from their text (and must fit it).
    static let resolvable: Set<String> = ["", strTag, intTag, floatTag, boolTag, nullTag, timestampTag]

    static func shortTag(_ t: String) -> String {
        t.hasPrefix(tagPrefix) ? "!!" + t.dropFirst(tagPrefix.count) : t
    }

    mutating func decode() throws(GoYAML.Failure) -> GoValue {
        guard let root = doc.root else { return .null }
        return try decode(root)
    }

    /// Guards against alias bombs the way go-yaml does: once a document is big enough, the
    /// share of nodes reached through aliases must stay under a ratio that tightens with size
    /// (99% up to 400k decoded nodes, 10% from 4M, linear between).
    private mutating func count() throws(GoYAML.Failure) {
        decodeCount += 1
        if aliasDepth > 0 { aliasCount += 1 }
        guard aliasCount > 100, decodeCount > 1000 else { return }
        let allowed: Double
        if decodeCount <= 400_000 { allowed = 0.99 } else if decodeCount >= 4_000_000 { allowed = 0.10 } else {
            allowed = 0.99 - 0.89 * Double(decodeCount - 400_000) / 3_600_000
        }
        if Double(aliasCount) / Double(decodeCount) > allowed {
            throw GoYAML.Failure(message: "yaml: document contains excessive aliasing")
        }
    }

    private mutating func decode(_ i: Int) throws(GoYAML.Failure) -> GoValue {
        try count()
        let n = doc.nodes[i]
        switch n.kind {
        case .scalar: return try scalar(n)
        case .alias: return try alias(n) { (d: inout GoYAMLDecoder, t: Int) throws(GoYAML.Failure) in try d.decode(t) }
        case .sequence:
            var out: [GoValue] = []
            out.reserveCapacity(n.children.count)
            for c in n.children { out.append(try decode(c)) }
            return .seq(out)
        case .mapping:
            var m = GoMap()
            try mapping(n, into: &m)
            return .map(m)
        }
    }

    private mutating func alias<T>(_ n: GoYAMLDocument.Node, _ body: (inout GoYAMLDecoder, Int) throws(GoYAML.Failure) -> T) throws(GoYAML.Failure) -> T {
        if decoding.contains(n.target) {
            throw GoYAML.Failure(message: "yaml: anchor '\(n.value)' value contains itself")
        }
        decoding.insert(n.target)
        aliasDepth += 1
        defer { decoding.remove(n.target); aliasDepth -= 1 }
        return try body(&self, n.target)
    }

    private func isMerge(_ n: GoYAMLDocument.Node) -> Bool {
        n.kind == .scalar && n.value == "<<" && (n.implicit || n.tag == Self.mergeTag)
    }

    /// Decodes a mapping's pairs in order into `m` (a merge sets the merged keys at its place,
    /// so keys after it win and keys before it lose).
    private mutating func mapping(_ n: GoYAMLDocument.Node, into m: inout GoMap) throws(GoYAML.Failure) {
        var j = 0
        while j + 1 < n.children.count {
            let kn = doc.nodes[n.children[j]], vi = n.children[j + 1]
            j += 2
            if isMerge(kn) {
                try merge(vi, into: &m)
                continue
            }
            let k = try decode(n.children[j - 2])
            switch k {
            case .seq, .map: throw GoYAML.Failure(message: "yaml: invalid map key: " + Self.goSharpV(k, nested: true))
            default: break
            }
            m.set(k, try decode(vi))
        }
    }

    private mutating func merge(_ i: Int, into m: inout GoMap) throws(GoYAML.Failure) {
        let wantMap = GoYAML.Failure(message: "yaml: map merge requires map or sequence of maps as the value")
        let n = doc.nodes[i]
        switch n.kind {
        case .mapping:
            try count()
            try mapping(n, into: &m)
        case .alias:
            guard doc.nodes[n.target].kind == .mapping else { throw wantMap }
            try count()
            try alias(n) { (d: inout GoYAMLDecoder, t: Int) throws(GoYAML.Failure) in
                try d.count()
                try d.mapping(d.doc.nodes[t], into: &m)
            }
        case .sequence:
            try count()
            // Later maps first, so earlier ones in the list win.
            for c in n.children.reversed() {
                let cn = doc.nodes[c]
                if cn.kind == .mapping {
                    try count()
                    try mapping(cn, into: &m)
                } else if cn.kind == .alias, doc.nodes[cn.target].kind == .mapping {
                    try count()
                    try alias(cn) { (d: inout GoYAMLDecoder, t: Int) throws(GoYAML.Failure) in
                        try d.count()
                        try d.mapping(d.doc.nodes[t], into: &m)
                    }
                } else {
                    throw wantMap
                }
            }
        default:
            throw wantMap
        }
    }

    // MARK: scalars

    private func scalar(_ n: GoYAMLDocument.Node) throws(GoYAML.Failure) -> GoValue {
        if n.tag.isEmpty && !n.implicit { return .string(n.value) }  // quoted, untagged
        if n.tag == Self.binaryTag {
            do {
                let bytes = try GoBase64.decode(Array(n.value.utf8), alphabet: GoBase64.std, pad: true)
                if let s = String(validating: bytes, as: UTF8.self) { return .string(s) }
                return .bytes(bytes)
            } catch {
                throw GoYAML.Failure(message: "yaml: !!binary value contains invalid base64 data")
            }
        }
        guard Self.resolvable.contains(n.tag) else { return .string(n.value) }
        if n.tag == Self.strTag { return .string(n.value) }
        let (rtag, v) = Self.resolve(n.value, timestamps: n.tag.isEmpty || n.tag == Self.timestampTag)
        if n.tag.isEmpty || n.tag == rtag {
            // Timestamps stay text when decoded into interface{}.
            return rtag == Self.timestampTag ? .string(n.value) : v
        }
        // An int fits !!float; a uint64 (beyond int64) does not.
        if n.tag == Self.floatTag, case .int(let i) = v { return .float(Double(i)) }
        throw GoYAML.Failure(message: "yaml: cannot decode \(Self.shortTag(rtag)) `\(n.value)` as a \(Self.shortTag(n.tag))")
    }

    /// go-yaml v2's implicit typing of a scalar's text, with the tag it resolves to.
    static func resolve(_ s: String, timestamps: Bool) -> (String, GoValue) {
        if timestamps, let f = s.utf8.first, f >= 0x30 && f <= 0x39, isTimestamp(s) { return (timestampTag, .string(s)) }
        switch GoYAML.resolve(s) {
        case .null: return (nullTag, .null)
        case .bool(let b): return (boolTag, .bool(b))
        case .int(let n):
            if case .int(let i) = n { return (intTag, .int(i)) }
            if let u = UInt64(n.description) { return (intTag, .uint(u)) }
            return (floatTag, .float(n.doubleValue))
        case .float(let d): return (floatTag, .float(d))
        case .string(let t): return (strTag, .string(t))
        }
    }

    /// Go's time.Parse with go-yaml's layouts: `2006-1-2T15:4:5.999999999Z07:00` (also `t`),
    /// `2006-1-2 15:4:5.999999999` and `2006-1-2`.
    static func isTimestamp(_ s: String) -> Bool {
        let b = Array(s.utf8)
        var i = 0
        func num(_ maxDigits: Int, exact: Bool = false) -> Int? {
            var v = 0, n = 0
            while i < b.count, n < maxDigits, b[i] >= 0x30, b[i] <= 0x39 { v = v * 10 + Int(b[i] - 0x30); i += 1; n += 1 }
            if n == 0 || (exact && n != maxDigits) { return nil }
            return v
        }
        func lit(_ c: UInt8) -> Bool { if i < b.count, b[i] == c { i += 1; return true }; return false }
        guard let year = num(4, exact: true), lit(0x2D), let month = num(2), lit(0x2D), let day = num(2) else { return false }
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day <= days else { return false }
        if i == b.count { return true }
        let sep = b[i]
        guard sep == 0x54 || sep == 0x74 || sep == 0x20 else { return false }
        i += 1
        guard let h = num(2), h < 24, lit(0x3A), let mi = num(2), mi < 60, lit(0x3A), let sec = num(2), sec < 60 else { return false }
        if i < b.count, b[i] == 0x2E || b[i] == 0x2C, i + 1 < b.count, b[i + 1] >= 0x30, b[i + 1] <= 0x39 {
            i += 1
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 { i += 1 }
        }
        if sep == 0x20 { return i == b.count }
        if lit(0x5A) { return i == b.count }
        guard i < b.count, b[i] == 0x2B || b[i] == 0x2D else { return false }
        i += 1
        guard let zh = num(2, exact: true), zh < 24, lit(0x3A), let zm = num(2, exact: true), zm < 60 else { return false }
        return i == b.count
    }

    // MARK: Go's %#v (error texts)

    static func goSharpV(_ v: GoValue, nested: Bool) -> String {
        switch v {
        case .null: return nested ? "interface {}(nil)" : "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .uint(let u): return "0x" + String(u, radix: 16)
        case .float(let d):
            if d.isNaN { return "NaN" }
            if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
            let s = GoFloatFormat.format(d, verb: "g", prec: -1)
            return d.sign == .minus ? "-" + s : s
        case .string(let s): return GoQuote.quote(s)
        case .bytes(let b): return GoQuote.quote(bytes: b)
        case .seq(let a): return "[]interface {}{" + a.map { goSharpV($0, nested: true) }.joined(separator: ", ") + "}"
        case .map(let m):
            let pairs = zip(m.keys, m.values).map { (goSharpV($0, nested: true), goSharpV($1, nested: true)) }
            return "map[interface {}]interface {}{" + pairs.sorted { $0.0 < $1.0 }.map { $0.0 + ":" + $0.1 }.joined(separator: ", ") + "}"
        }
    }
}
