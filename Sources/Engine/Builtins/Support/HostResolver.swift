#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Name resolution for `net.lookup_ip_addr` and `http.send`: IP literals (Go's syntax, IPv6
/// with an optional `%zone`) are returned as they are; other names go to the system resolver
/// (getaddrinfo: /etc/hosts, then DNS). Blocking: only evaluations that allow network builtins
/// get here, never the daemon's decision path.
enum HostResolver {
    struct Address: Hashable {
        var family: Int32
        /// 4 or 16 bytes.
        var bytes: [UInt8]
        /// Go's text form (`127.0.0.1`, `::1`, `fe80::1%lo`).
        var text: String
    }

    struct Failure: Error {
        /// Go's wording where it matters: `no such host`.
        let message: String
    }

    static func lookup(_ name: String) throws(Failure) -> [Address] {
        if let literal = literal(name) { return [literal] }
        // glibc also reads `010.0.0.1` or `127.1` as addresses (inet_aton); Go does not, and
        // sends them to DNS, which has no such host.
        if !name.isEmpty, name.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) {
            throw Failure(message: "no such host")
        }
        if name.isEmpty || name.utf8.contains(0) { throw Failure(message: "no such host") }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var res: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(name, nil, &hints, &res)
        guard rc == 0, let first = res else {
            switch rc {
            case EAI_NONAME, EAI_FAIL, -5 /* EAI_NODATA */: throw Failure(message: notFound(name))
            case EAI_AGAIN: throw Failure(message: "server misbehaving")
            default: throw Failure(message: String(cString: gai_strerror(rc)))
            }
        }
        defer { freeaddrinfo(first) }
        var out: [Address] = []
        var seen = Set<[UInt8]>()
        var p: UnsafeMutablePointer<addrinfo>? = first
        while let ai = p {
            p = ai.pointee.ai_next
            guard let sa = ai.pointee.ai_addr else { continue }
            var bytes: [UInt8]
            switch ai.pointee.ai_family {
            case AF_INET:
                bytes = sa.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    withUnsafeBytes(of: sin.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                bytes = sa.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin in
                    withUnsafeBytes(of: sin.pointee.sin6_addr) { Array($0) }
                }
            default: continue
            }
            guard seen.insert(bytes).inserted else { continue }
            let family = ai.pointee.ai_family
            let text = GoIP.string(bytes.count == 16 ? (GoIP.to4(bytes) ?? bytes) : bytes)
            out.append(Address(family: family, bytes: bytes, text: text))
        }
        if out.isEmpty { throw Failure(message: "no such host") }
        return out
    }

    /// Go names the DNS server it asked when the name was a DNS query (`on 10.0.0.53:53`).
    private static func notFound(_ name: String) -> String {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        let isQuery = labels.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { c in
            (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x30 && c <= 0x39 || c == 0x2D || c == 0x5F } }
            && labels.last?.utf8.contains(where: { !($0 >= 0x30 && $0 <= 0x39) }) == true
        guard isQuery, let server = firstNameserver() else { return "no such host" }
        return "on \(server): no such host"
    }

    /// The first `nameserver` of /etc/resolv.conf as `host:53` (Go's default when none: 127.0.0.1).
    private static func firstNameserver() -> String? {
        guard let f = fopen("/etc/resolv.conf", "r") else { return "127.0.0.1:53" }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 1024)
        while fgets(&line, Int32(line.count), f) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
            if fields.count >= 2 && fields[0] == "nameserver" {
                let host = String(fields[1])
                return host.contains(":") ? "[\(host)]:53" : "\(host):53"
            }
        }
        return "127.0.0.1:53"
    }

    /// An IP literal in Go's syntax (no leading zeros in IPv4; `%zone` on IPv6), if `name` is one.
    static func literal(_ name: String) -> Address? {
        var addr = Substring(name)
        var zone = ""
        if let pct = name.firstIndex(of: "%") {
            addr = name[..<pct]
            zone = String(name[pct...])
            guard addr.contains(":"), zone.count > 1 else { return nil }
        }
        guard let ip = GoIP.parse(String(addr)) else { return nil }
        if let v4 = GoIP.to4(ip), zone.isEmpty {
            return Address(family: AF_INET, bytes: v4, text: GoIP.string(v4))
        }
        let v6 = ip.count == 16 ? ip : (GoIP.to4(ip).map { [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + $0 } ?? ip)
        return Address(family: AF_INET6, bytes: v6, text: GoIP.string(v6) + zone)
    }
}
