import Engine

/// A JWS in compact serialisation (`header.payload.signature`), decoded but not yet trusted.
struct CompactJWS: Sendable {
    var signingInput: [UInt8]
    var header: RawJSON
    var headerMembers: [(String, RawJSON)]
    var payloadBytes: [UInt8]
    var signature: [UInt8]

    init(_ token: String) throws(BundleError) {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        // OPA accepts (and ignores) extra parts; a JWS has exactly three.
        guard parts.count == 3 else { throw BundleError(.signature, .badToken, "failed to split compact serialization") }
        guard let h = Base64URL.decode(parts[0]) else { throw BundleError(.signature, .badToken, "failed to base64 decode JWT headers") }
        guard let p = Base64URL.decode(parts[1]) else { throw BundleError(.signature, .badToken, "failed to base64 decode JWT payload") }
        guard let s = Base64URL.decode(parts[2]) else { throw BundleError(.signature, .badToken, "failed to base64 decode JWT signature") }
        do { header = try CanonicalJSON.parse(h) } catch {
            throw BundleError(.signature, .badToken, "failed to parse JWT headers: \(error)")
        }
        guard case .object(let members) = header else { throw BundleError(.signature, .badToken, "JWT header is not a JSON object") }
        headerMembers = members
        payloadBytes = p
        signature = s
        signingInput = Array(parts[0].utf8) + [UInt8(ascii: ".")] + Array(parts[1].utf8)
    }

    func headerString(_ name: String) throws(BundleError) -> String? {
        guard let v = headerMembers.first(where: { $0.0 == name })?.1 else { return nil }
        switch v {
        case .string(let s): return s
        case .null: return nil
        default: throw BundleError(.signature, .badToken, "JWT header \(name) must be a string")
        }
    }

    /// Builds and signs a compact JWS: header `{"alg":…,"kid":…}` (kid only when given), as
    /// `opa build` writes it.
    static func sign(payload: [UInt8], algorithm: SigningAlgorithm, keyID: String?, key: [UInt8]) throws(BundleError) -> String {
        var header: [UInt8] = Array("{\"alg\":".utf8)
        CanonicalJSON.writeString(algorithm.rawValue, into: &header)
        if let keyID, !keyID.isEmpty {
            header += Array(",\"kid\":".utf8)
            CanonicalJSON.writeString(keyID, into: &header)
        }
        header.append(UInt8(ascii: "}"))
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let signature = try algorithm.sign(message: Array(input.utf8), key: key)
        return input + "." + Base64URL.encode(signature)
    }
}

/// Unpadded base64url (Go's RawURLEncoding): `=` and characters outside the alphabet fail.
enum Base64URL {
    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        for c in text.utf8 {
            let v: UInt32
            switch c {
            case 0x41...0x5A: v = UInt32(c - 0x41)
            case 0x61...0x7A: v = UInt32(c - 0x61 + 26)
            case 0x30...0x39: v = UInt32(c - 0x30 + 52)
            case UInt8(ascii: "-"): v = 62
            case UInt8(ascii: "_"): v = 63
            default: return nil
            }
            acc = acc << 6 | v
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8((acc >> UInt32(bits)) & 0xFF))
            }
        }
        if text.utf8.count % 4 == 1 { return nil }
        return out
    }

    static func encode(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count * 4 + 2) / 3)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int((n >> UInt32(shift)) & 63)]) }
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out.append(alphabet[Int((n >> 18) & 63)]); out.append(alphabet[Int((n >> 12) & 63)])
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out.append(alphabet[Int((n >> 18) & 63)]); out.append(alphabet[Int((n >> 12) & 63)]); out.append(alphabet[Int((n >> 6) & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
