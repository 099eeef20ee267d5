/// The net.cidr_* builtins (IPv4 and IPv6, Go's net.ParseCIDR / ParseIP rules; see
/// Support/GoIPAddress.swift). net.lookup_ip_addr (DNS) is in NetworkBuiltins.swift.
enum NetBuiltins {
    static let builtins: [Builtin] = [
        Builtin("net.cidr_contains", arity: 2) { args, _ in try contains(args) },
        // Deprecated alias kept by OPA: same as cidr_contains.
        Builtin("net.cidr_overlap", arity: 2) { args, _ in try contains(args) },
        Builtin("net.cidr_intersects", arity: 2) { args, _ in
            let a = try network(try args.string(0)), b = try network(try secondString(args))
            return .bool(a.contains(b.addr) || b.contains(a.addr))
        },
        Builtin("net.cidr_is_valid", arity: 1) { args, _ in
            guard case .string(let s) = args[0] else { return .false }
            return .bool(GoIPNet.parseCIDR(s) != nil)
        },
        Builtin("net.cidr_expand", arity: 1) { args, _ in try expand(try args.string(0)) },
        Builtin("net.cidr_contains_matches", arity: 2) { args, _ in
            var out = SetBuilder()
            try eachCIDR(args[0], position: 1) { cidr1, key1 in
                try eachCIDR(args[1], position: 2) { cidr2, key2 in
                    // OPA parses the CIDR of operand 1 before it types operand 2's element.
                    guard case .string(let c1) = cidr1 else { throw BuiltinError.operandType(1, expected: "string", got: cidr1) }
                    let net = try network(c1)
                    guard case .string(let c2) = cidr2 else { throw BuiltinError.operandType(2, expected: "string", got: cidr2) }
                    if try contains(net, c2) { _ = out.insert(.array([key1, key2])) }
                }
            }
            return .set(out.build())
        },
        Builtin("net.cidr_merge", arity: 1) { args, _ in try merge(args[0]) },
    ]

    private static func network(_ s: String) throws -> GoIPNet {
        guard let n = GoIPNet.parseCIDR(s) else { throw BuiltinError(.builtin, "invalid CIDR address: \(s)") }
        return n
    }

    /// OPA's cidr_contains: `b` is an IP, or else a CIDR whose first and last addresses must
    /// both lie in `a`.
    private static func contains(_ args: Arguments) throws -> Value {
        let net = try network(try args.string(0))
        let b = try secondString(args)
        return .bool(try contains(net, b))
    }

    /// OPA checks operand 2 only after operand 1 parsed, and names it "operand 1".
    private static func secondString(_ args: Arguments) throws -> String {
        guard case .string(let s) = args[1] else {
            throw BuiltinError(.type, "operand 1 must be string but got \(args[1].typeName)")
        }
        return s
    }

    private static func contains(_ net: GoIPNet, _ b: String) throws -> Bool {
        if let ip = GoIP.parse(b) { return net.contains(ip) }
        guard let sub = GoIPNet.parseCIDR(b) else {
            throw BuiltinError(.builtin, "not a valid textual representation of an IP address or CIDR: \(b)")
        }
        return net.contains(sub.first) && net.contains(sub.last)
    }

    /// Addresses beyond this many are refused: OPA would build them all (a /8 is 16M strings).
    static let expandLimit = 1 << 20

    private static func expand(_ s: String) throws -> Value {
        let net = try network(s)
        let hostBits = net.addr.count * 8 - net.prefix
        if hostBits >= 21 { throw BuiltinError(.builtin, "cidr_expand: \(s) has more than \(expandLimit) addresses") }
        var out: [Value] = []
        var key = GoIP.key(net.first)
        let lastKey = GoIP.key(net.last)
        while true {
            let b = key.bytes
            out.append(.string(GoIP.string(net.addr.count == 4 ? Array(b[12..<16]) : b)))
            if key == lastKey { break }
            guard let n = key.successor else { break }
            key = n
        }
        return .set(SetValue(out))
    }

    /// OPA's operand walk for cidr_contains_matches: a string, or array/set/object whose
    /// elements are strings or non-empty arrays (their first element is the CIDR).
    private static func eachCIDR(_ v: Value, position: Int, _ body: (Value, Value) throws -> Void) throws {
        func cidrOf(_ x: Value) throws -> Value {
            if case .string = x { return x }
            if case .array(let a) = x, let f = a.first { return f }
            throw BuiltinError(.builtin, "operand \(position): element must be string or non-empty array")
        }
        switch v {
        case .string: try body(v, v)
        case .array(let a): for (i, x) in a.enumerated() { try body(try cidrOf(x), .int(i)) }
        case .set(let s): for x in s.elements { try body(try cidrOf(x), x) }
        case .object(let o): for (k, x) in o.pairs { try body(try cidrOf(x), k) }
        default:
            break  // OPA matches nothing against other operand types (no error).
        }
    }

    /// OPA's cidr_merge: ranges sorted and coalesced in one 128-bit space (IPv4 as IPv4-mapped);
    /// a network not merged with any other keeps its own text, merged ranges are re-split into
    /// the fewest CIDRs.
    private static func merge(_ v: Value) throws -> Value {
        let elements: [Value]
        switch v {
        case .array(let a): elements = a
        case .set(let s): elements = s.elements
        default: throw BuiltinError(.builtin, "operand must be an array")
        }
        struct Range { var first: GoU128; var last: GoU128; var net: GoIPNet? }
        var ranges: [Range] = []
        for e in elements {
            guard case .string(let s) = e else { throw BuiltinError(.builtin, "element must be string") }
            var net: GoIPNet
            if let ip = GoIP.parse(s) {
                guard let v4 = GoIP.to4(ip) else { throw BuiltinError(.builtin, "IPv6 invalid: needs prefix length") }
                // Go's IP.DefaultMask: the classful mask.
                net = GoIPNet(addr: v4, prefix: v4[0] < 0x80 ? 8 : (v4[0] < 0xC0 ? 16 : 24))
            } else {
                guard let n = GoIPNet.parseCIDR(s) else { throw BuiltinError(.builtin, "invalid CIDR address: \(s)") }
                net = n
            }
            ranges.append(Range(first: GoIP.key(net.first), last: GoIP.key(net.last), net: net))
        }
        ranges.sort { $0.first < $1.first || ($0.first == $1.first && $0.last < $1.last) }
        var merged: [Range] = []
        for r in ranges {
            if var prev = merged.last, prev.last.successor.map({ $0 >= r.first }) ?? true {
                if r.last > prev.last { prev.last = r.last }
                prev.net = nil
                merged[merged.count - 1] = prev
            } else {
                merged.append(r)
            }
        }
        var out: [Value] = []
        for r in merged {
            if let n = r.net { out.append(.string(n.string)); continue }
            for (start, bits) in split(r.first, r.last) {
                let b = start.bytes
                let isV4 = Array(b[0..<12]) == GoIP.v4InV6Prefix && bits >= 96
                let addr = isV4 ? Array(b[12..<16]) : b
                out.append(.string(GoIP.string(addr) + "/" + String(isV4 ? bits - 96 : bits)))
            }
        }
        return .set(SetValue(out))
    }

    /// The fewest CIDRs (start, prefix length) covering [first, last].
    private static func split(_ first: GoU128, _ last: GoU128) -> [(GoU128, Int)] {
        var out: [(GoU128, Int)] = []
        var cur = first
        while true {
            // Largest block aligned at `cur` that ends at or before `last`.
            var host = min(cur.trailingZeros, 128)
            while host > 0 && (cur | GoU128.lowMask(host)) > last { host -= 1 }
            out.append((cur, 128 - host))
            let end = cur | GoU128.lowMask(host)
            if end >= last { break }
            guard let next = end.successor else { break }
            cur = next
        }
        return out
    }
}
