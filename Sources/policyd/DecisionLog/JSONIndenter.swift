/// Re-indents valid JSON text without re-ordering keys, so `policyd log show` prints an entry in
/// the order it was written (decision_id first), unlike a parse-and-reserialise round trip.
enum JSONIndenter {
    static func indent(_ json: String, by unit: String = "  ") -> String {
        var out: [UInt8] = []
        out.reserveCapacity(json.utf8.count * 2)
        var level = 0
        var inString = false
        var escaped = false
        let bytes = Array(json.utf8)
        func newline() {
            out.append(0x0A)
            for _ in 0..<level { out.append(contentsOf: unit.utf8) }
        }
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if inString {
                out.append(c)
                if escaped { escaped = false } else if c == UInt8(ascii: "\\") { escaped = true } else if c == UInt8(ascii: "\"") { inString = false }
                i += 1
                continue
            }
            switch c {
            case UInt8(ascii: "\""):
                inString = true
                out.append(c)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                // Keep empty containers on one line.
                let close: UInt8 = c == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if i + 1 < bytes.count, bytes[i + 1] == close {
                    out.append(c); out.append(close)
                    i += 2
                    continue
                }
                out.append(c)
                level += 1
                newline()
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                level -= 1
                newline()
                out.append(c)
            case UInt8(ascii: ","):
                out.append(c)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: ": ".utf8)
            case 0x20, 0x09, 0x0A, 0x0D:
                break
            default:
                out.append(c)
            }
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
