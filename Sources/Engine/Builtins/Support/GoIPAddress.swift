// IP addresses and networks with Go's net/netip parsing rules (net.ParseIP, net.ParseCIDR) and
// Go's IPNet behaviour: IPv4-mapped IPv6 addresses act as IPv4 ("To4"), IPv4 octets may not
// have leading zeros, zones are rejected, and addresses print in Go's canonical forms.

/// 128-bit unsigned integer as two words (addresses in one key space: IPv4 as ::ffff:a.b.c.d).
struct GoU128: Comparable, Hashable {
    var hi: UInt64, lo: UInt64
    static func < (a: GoU128, b: GoU128) -> Bool { a.hi != b.hi ? a.hi < b.hi : a.lo < b.lo }
    static let max = GoU128(hi: .max, lo: .max)

    init(hi: UInt64, lo: UInt64) { self.hi = hi; self.lo = lo }
    init(bytes b: [UInt8]) {
        var h: UInt64 = 0, l: UInt64 = 0
        for i in 0..<8 { h = h << 8 | UInt64(b[i]) }
        for i in 8..<16 { l = l << 8 | UInt64(b[i]) }
        hi = h; lo = l
    }
    var bytes: [UInt8] {
        (0..<16).map { i in i < 8 ? UInt8(truncatingIfNeeded: hi >> (56 - 8 * UInt64(i))) : UInt8(truncatingIfNeeded: lo >> (56 - 8 * UInt64(i - 8))) }
    }
    /// All-ones in the low `n` bits (0…128).
    static func lowMask(_ n: Int) -> GoU128 {
        if n <= 0 { return GoU128(hi: 0, lo: 0) }
        if n >= 128 { return .max }
        if n <= 64 { return GoU128(hi: 0, lo: n == 64 ? .max : (1 << UInt64(n)) - 1) }
        return GoU128(hi: (1 << UInt64(n - 64)) - 1, lo: .max)
    }
    static func & (a: GoU128, b: GoU128) -> GoU128 { GoU128(hi: a.hi & b.hi, lo: a.lo & b.lo) }
    static func | (a: GoU128, b: GoU128) -> GoU128 { GoU128(hi: a.hi | b.hi, lo: a.lo | b.lo) }
    static prefix func ~ (a: GoU128) -> GoU128 { GoU128(hi: ~a.hi, lo: ~a.lo) }
    /// self + 1, nil on overflow.
    var successor: GoU128? {
        if lo != .max { return GoU128(hi: hi, lo: lo + 1) }
        if hi != .max { return GoU128(hi: hi + 1, lo: 0) }
        return nil
    }
    var trailingZeros: Int { lo != 0 ? lo.trailingZeroBitCount : (hi != 0 ? 64 + hi.trailingZeroBitCount : 128) }
}

enum GoIP {
    static let v4InV6Prefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

    /// netip.ParseAddr without zones: 4 bytes for IPv4, 16 for IPv6 (IPv4-mapped stays 16).
    static func parse(_ s: String) -> [UInt8]? {
        let u = Array(s.utf8)
        if u.contains(UInt8(ascii: ":")) { return parse6(u[...]) }
        if u.contains(UInt8(ascii: ".")) { return parse4(u[...]) }
        return nil
    }

    static func parse4(_ s: ArraySlice<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var val = 0, digits = 0
        for c in s {
            if c >= 0x30 && c <= 0x39 {
                if digits == 1 && val == 0 { return nil }  // leading zero
                val = val * 10 + Int(c - 0x30)
                digits += 1
                if val > 255 { return nil }
            } else if c == UInt8(ascii: ".") {
                if digits == 0 || out.count == 3 { return nil }
                out.append(UInt8(val)); val = 0; digits = 0
            } else { return nil }
        }
        if digits == 0 || out.count != 3 { return nil }
        out.append(UInt8(val))
        return out
    }

    static func parse6(_ s: ArraySlice<UInt8>) -> [UInt8]? {
        var ip = [UInt8](repeating: 0, count: 16)
        var ellipsis = -1
        var s = s
        if s.count >= 2 && s.first == 0x3A && s[s.startIndex + 1] == 0x3A {
            ellipsis = 0
            s = s.dropFirst(2)
            if s.isEmpty { return ip }
        }
        var i = 0
        while i < 16 {
            var off = 0, acc = 0
            var idx = s.startIndex
            while idx < s.endIndex {
                let c = s[idx]
                let d: Int
                if c >= 0x30 && c <= 0x39 { d = Int(c - 0x30) } else if c >= 0x61 && c <= 0x66 { d = Int(c - 0x61 + 10) } else if c >= 0x41 && c <= 0x46 { d = Int(c - 0x41 + 10) } else { break }
                off += 1
                if off > 4 { return nil }
                acc = acc << 4 + d
                idx += 1
            }
            if off == 0 { return nil }
            if idx < s.endIndex && s[idx] == UInt8(ascii: ".") {
                // Embedded IPv4 in the last 32 bits.
                if ellipsis < 0 && i != 12 { return nil }
                if i + 4 > 16 { return nil }
                guard let v4 = parse4(s) else { return nil }
                ip[i] = v4[0]; ip[i + 1] = v4[1]; ip[i + 2] = v4[2]; ip[i + 3] = v4[3]
                s = s[s.endIndex...]
                i += 4
                break
            }
            ip[i] = UInt8(acc >> 8); ip[i + 1] = UInt8(acc & 0xff)
            i += 2
            s = s[idx...]
            if s.isEmpty { break }
            guard s.first == 0x3A else { return nil }
            s = s.dropFirst()
            if s.first == 0x3A {
                if ellipsis >= 0 { return nil }
                ellipsis = i
                s = s.dropFirst()
                if s.isEmpty { break }
            } else if s.isEmpty { return nil }
        }
        if !s.isEmpty { return nil }
        if i < 16 {
            guard ellipsis >= 0 else { return nil }
            let n = 16 - i
            var j = i - 1
            while j >= ellipsis { ip[j + n] = ip[j]; j -= 1 }
            for k in ellipsis..<(ellipsis + n) { ip[k] = 0 }
        } else if ellipsis >= 0 {
            return nil
        }
        return ip
    }

    /// Go's IP.To4: 4-byte form for IPv4 and IPv4-mapped addresses.
    static func to4(_ ip: [UInt8]) -> [UInt8]? {
        if ip.count == 4 { return ip }
        if ip.count == 16 && Array(ip[0..<12]) == v4InV6Prefix { return Array(ip[12..<16]) }
        return nil
    }

    /// Go's IP.String.
    static func string(_ ip: [UInt8]) -> String {
        if let v4 = to4(ip) { return v4.map { String($0) }.joined(separator: ".") }
        var groups = [Int](repeating: 0, count: 8)
        for i in 0..<8 { groups[i] = Int(ip[2 * i]) << 8 | Int(ip[2 * i + 1]) }
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i >= 2 && j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        var out = ""
        i = 0
        while i < 8 {
            if i == bestStart {
                out += "::"
                i += bestLen
                continue
            }
            if i > 0 && !out.hasSuffix(":") { out += ":" }
            out += String(groups[i], radix: 16)
            i += 1
        }
        return out
    }

    /// The 128-bit key of an address (IPv4 as ::ffff:a.b.c.d).
    static func key(_ ip: [UInt8]) -> GoU128 {
        GoU128(bytes: ip.count == 4 ? v4InV6Prefix + ip : ip)
    }
}

/// A network as Go's IPNet behaves after networkNumberAndMask: address in To4 form when
/// possible, prefix length relative to that form. `addr` is not necessarily masked (IPs given
/// without a prefix keep their host bits, as OPA's cidr_merge prints them).
struct GoIPNet {
    var addr: [UInt8]
    var prefix: Int

    /// Go's net.ParseCIDR.
    static func parseCIDR(_ s: String) -> GoIPNet? {
        guard let slash = s.firstIndex(of: "/") else { return nil }
        let a = String(s[..<slash]), m = s[s.index(after: slash)...]
        guard let ip = GoIP.parse(a), !m.isEmpty, m.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), m.utf8.count < 8,
              let n = Int(m), n <= ip.count * 8 else { return nil }
        var net = GoIPNet(addr: ip, prefix: n)
        net.addr = net.first  // ParseCIDR masks the address
        net.normalise()
        return net
    }

    /// IPv4-mapped IPv6 networks act as IPv4 ones (Go's networkNumberAndMask).
    mutating func normalise() {
        if addr.count == 16, let v4 = GoIP.to4(addr) {
            addr = v4
            prefix = Swift.max(0, prefix - 96)
        }
    }

    private var maskBytes: [UInt8] {
        (0..<addr.count).map { i in
            let bits = Swift.min(8, Swift.max(0, prefix - 8 * i))
            return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }

    /// The network address (host bits cleared), in addr's length.
    var first: [UInt8] { zip(addr, maskBytes).map { $0 & $1 } }
    var last: [UInt8] { zip(addr, maskBytes).map { $0 | ~$1 } }

    /// Go's IPNet.Contains.
    func contains(_ ip: [UInt8]) -> Bool {
        let ip = GoIP.to4(ip) ?? ip
        guard ip.count == addr.count else { return false }
        let m = maskBytes
        for i in 0..<ip.count where ip[i] & m[i] != addr[i] & m[i] { return false }
        return true
    }

    var string: String { GoIP.string(addr) + "/" + String(prefix) }
}
