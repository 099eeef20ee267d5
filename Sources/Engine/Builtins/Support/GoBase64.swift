/// Base64 with Go's encoding/base64 behaviour (error offsets of CorruptInputError, newlines
/// skipped, non-strict trailing bits).
enum GoBase64 {
    static let std = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    static let url = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ src: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((src.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= src.count {
            let v = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
            out += [alphabet[Int(v >> 18 & 63)], alphabet[Int(v >> 12 & 63)], alphabet[Int(v >> 6 & 63)], alphabet[Int(v & 63)]]
            i += 3
        }
        let rem = src.count - i
        if rem > 0 {
            var v = UInt32(src[i]) << 16
            if rem == 2 { v |= UInt32(src[i + 1]) << 8 }
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            if rem == 2 { out.append(alphabet[Int(v >> 6 & 63)]) }
            if pad { out += rem == 2 ? [61] : [61, 61] }
        }
        return String(decoding: out, as: UTF8.self)
    }

    struct CorruptInput: Error { let offset: Int }

    static func decode(_ src: [UInt8], alphabet: [UInt8], pad: Bool) throws(CorruptInput) -> [UInt8] {
        var map = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { map[Int(c)] = UInt8(i) }
        var out: [UInt8] = []
        var si = 0
        let n = src.count
        while true {
            var dbuf = [UInt8](repeating: 0, count: 4)
            var dlen = 4
            var j = 0
            var finished = false
            while j < 4 {
                if si == n {
                    if j == 0 { return out }
                    if j == 1 || pad { throw CorruptInput(offset: si - j) }
                    dlen = j
                    finished = true
                    break
                }
                let c = src[si]; si += 1
                let v = map[Int(c)]
                if v != 0xFF { dbuf[j] = v; j += 1; continue }
                if c == 0x0A || c == 0x0D { continue }
                if !pad || c != UInt8(ascii: "=") { throw CorruptInput(offset: si - 1) }
                // Padding.
                if j < 2 { throw CorruptInput(offset: si - 1) }
                if j == 2 {
                    while si < n && (src[si] == 0x0A || src[si] == 0x0D) { si += 1 }
                    if si == n { throw CorruptInput(offset: n) }
                    if src[si] != UInt8(ascii: "=") { throw CorruptInput(offset: si - 1) }
                    si += 1
                }
                while si < n && (src[si] == 0x0A || src[si] == 0x0D) { si += 1 }
                if si < n { throw CorruptInput(offset: si) }
                dlen = j
                finished = true
                break
            }
            let v = UInt32(dbuf[0]) << 18 | UInt32(dbuf[1]) << 12 | UInt32(dbuf[2]) << 6 | UInt32(dbuf[3])
            let bytes = [UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
            switch dlen {
            case 4: out += bytes
            case 3: out += bytes[0..<2]
            case 2: out += bytes[0..<1]
            default: break
            }
            if finished { return out }
        }
    }
}
