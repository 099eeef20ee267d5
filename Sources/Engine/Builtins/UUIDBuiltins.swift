/// uuid.rfc4122 (random version 4, stable per key within one evaluation) and uuid.parse.
enum UUIDBuiltins {
    static func random() -> String {
        var b = (0..<16).map { _ in UInt8.random(in: 0...255) }
        b[6] = (b[6] & 0x0F) | 0x40
        b[8] = (b[8] & 0x3F) | 0x80
        return format(b)
    }

    static func format(_ b: [UInt8]) -> String {
        let h = b.map { GoQuote.hex(UInt32($0), 2) }
        return h[0..<4].joined() + "-" + h[4..<6].joined() + "-" + h[6..<8].joined() + "-" + h[8..<10].joined() + "-" + h[10..<16].joined()
    }

    /// Google's uuid.Parse forms: plain (36), braced (38), urn:uuid: (45), bare hex (32).
    static func parse(_ s: String) -> [UInt8]? {
        var t = Substring(s)
        switch t.utf8.count {
        case 36: break
        case 45:
            guard t.lowercased().hasPrefix("urn:uuid:") else { return nil }
            t = t.dropFirst(9)
        case 38:
            // Any enclosing pair of characters, as google/uuid accepts.
            t = t.dropFirst().dropLast()
        case 32:
            return hexBytes(Array(t.utf8))
        default: return nil
        }
        let u = Array(t.utf8)
        guard u.count == 36, u[8] == 0x2D, u[13] == 0x2D, u[18] == 0x2D, u[23] == 0x2D else { return nil }
        return hexBytes(u.filter { $0 != 0x2D })
    }

    static func hexBytes(_ u: [UInt8]) -> [UInt8]? {
        guard u.count == 32 else { return nil }
        let nib = HexDigit.value
        var out: [UInt8] = []
        for i in stride(from: 0, to: 32, by: 2) {
            guard let a = nib(u[i]), let b = nib(u[i + 1]) else { return nil }
            out.append(a << 4 | b)
        }
        return out
    }

    static let builtins: [Builtin] = [
        Builtin("uuid.rfc4122", arity: 1, deterministic: false) { args, ctx in
            // Any value keys a UUID (OPA checks the string type only at compile time).
            return ctx.memo(["uuid.rfc4122", args[0]]) { .string(random()) }
        },
        Builtin("uuid.parse", arity: 1) { args, _ in
            guard let b = parse(try args.string(0)) else { return nil }
            let version = Int(b[6] >> 4)
            let variant: String
            switch b[8] {
            case 0xC0...0xDF: variant = "Microsoft"
            case 0xE0...0xFF: variant = "Future"
            case 0x80...0xBF: variant = "RFC4122"
            default: variant = "Reserved"
            }
            var out: [(Value, Value)] = [("version", .int(version)), ("variant", .string(variant))]
            if version == 1 || version == 2 {
                let timeLow = UInt64(b[0]) << 24 | UInt64(b[1]) << 16 | UInt64(b[2]) << 8 | UInt64(b[3])
                let timeMid = UInt64(b[4]) << 8 | UInt64(b[5])
                let timeHi = (UInt64(b[6]) << 8 | UInt64(b[7])) & 0x0FFF
                let t = Int64(timeLow | timeMid << 32 | timeHi << 48)
                // 100ns intervals since 1582-10-15 → Unix nanoseconds.
                let unixNs = (t - 122_192_928_000_000_000) &* 100
                out.append(("time", .int(Int(unixNs))))
                out.append(("clocksequence", .int(Int(b[8] & 0x3F) << 8 | Int(b[9]))))
                out.append(("nodeid", .string(b[10..<16].map { GoQuote.hex(UInt32($0), 2) }.joined(separator: "-"))))
                let local = b[10] & 0x02 != 0, multicast = b[10] & 0x01 != 0
                out.append(("macvariables", .string((local ? "local" : "global") + ":" + (multicast ? "multicast" : "unicast"))))
                if version == 2 {
                    out.append(("id", .int(Int(timeLow))))
                    let domains = ["Person", "Group", "Org"]
                    out.append(("domain", .string(Int(b[9]) < 3 ? domains[Int(b[9])] : "Domain\(b[9])")))
                }
            }
            return .object(ObjectValue(pairs: out))
        },
    ]
}
