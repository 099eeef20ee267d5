// JSON Web Signatures (compact form) for the io.jwt.* builtins and for bundle signature checks.
//
// Public API (reusable by policyd's bundle verifier):
//   JWS.verificationKeys(pemOrJWK:) throws -> [JWSVerificationKey]
//       PEM "CERTIFICATE" / "PUBLIC KEY", or a JWK / JWK Set as JSON text.
//   JWS.verificationKey(secret:) -> JWSVerificationKey          HMAC secret (HS256/384/512)
//   JWS.signingKey(jwk:) throws -> JWSPrivateKey                JWK JSON text with private parts
//   JWS.signingKey(pem:) throws -> JWSPrivateKey                PEM RSA/EC/PKCS#8 private key (RSA only for now)
//   JWS.verify(token:key:alg:) -> Bool                           compact token, signature check only
//   JWS.verify(signingInput:signature:key:alg:) -> Bool          raw form
//   JWS.sign(signingInput:key:alg:) throws -> [UInt8]            raw signature bytes
//   JWS.base64URLEncode(_:) / JWS.base64URLDecode(_:)            unpadded URL-safe base64
// Algorithms: HS256/384/512, RS256/384/512, PS256/384/512 (any salt length on verification),
// ES256/384/512 (raw r||s signatures), EdDSA (Ed25519). Verification never throws: a key of the
// wrong type or a malformed signature is simply "not verified".

import COpenSSL
import Crypto
import Foundation

public enum JWS {
    public static let algorithms: Set<String> = ["HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
                                                 "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]

    public static func verificationKeys(pemOrJWK text: String) throws -> [JWSVerificationKey] {
        do { return try JWSKeys.verificationKeys(fromCertOrJWK: text) } catch let e as JWSKeyError { throw e }
    }

    public static func verificationKey(secret: String) -> JWSVerificationKey {
        JWSVerificationKey(key: .secret(Array(secret.utf8)), alg: "", kid: "")
    }

    public static func signingKey(jwk text: String) throws -> JWSPrivateKey {
        guard let v = try? JSONReader.parse(text), case .object(let o) = v else { throw JWSKeyError("invalid JWK") }
        return try JWSKeys.privateKey(fromJWK: o)
    }

    public static func signingKey(pem text: String) throws -> JWSPrivateKey {
        guard let (block, _) = JWSKeys.pemDecode(text) else { throw JWSKeyError("no PEM block") }
        switch block.type {
        case "RSA PRIVATE KEY", "PRIVATE KEY": return .rsa(der: block.bytes)
        default: throw JWSKeyError("unsupported private key type \(block.type)")
        }
    }

    /// Checks the signature of a compact JWS `header.payload.signature`.
    public static func verify(token: String, key: JWSVerificationKey, alg: String) -> Bool {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let sig = base64URLDecode(String(parts[2])) else { return false }
        return verify(signingInput: Array("\(parts[0]).\(parts[1])".utf8), signature: sig, key: key.key, alg: alg)
    }

    public static func verify(signingInput input: [UInt8], signature sig: [UInt8], key: JWSPublicKey, alg: String) -> Bool {
        switch (alg, key) {
        case ("HS256", .secret(let k)): return CryptoBuiltins.constantTimeEqual(Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: k))), sig)
        case ("HS384", .secret(let k)): return CryptoBuiltins.constantTimeEqual(Array(HMAC<SHA384>.authenticationCode(for: input, using: SymmetricKey(data: k))), sig)
        case ("HS512", .secret(let k)): return CryptoBuiltins.constantTimeEqual(Array(HMAC<SHA512>.authenticationCode(for: input, using: SymmetricKey(data: k))), sig)
        case ("RS256", .rsa(let spki)): return rsaVerify(spki, "SHA256", pss: false, input, sig)
        case ("RS384", .rsa(let spki)): return rsaVerify(spki, "SHA384", pss: false, input, sig)
        case ("RS512", .rsa(let spki)): return rsaVerify(spki, "SHA512", pss: false, input, sig)
        case ("PS256", .rsa(let spki)): return rsaVerify(spki, "SHA256", pss: true, input, sig)
        case ("PS384", .rsa(let spki)): return rsaVerify(spki, "SHA384", pss: true, input, sig)
        case ("PS512", .rsa(let spki)): return rsaVerify(spki, "SHA512", pss: true, input, sig)
        case ("ES256", _), ("ES384", _), ("ES512", _):
            let digest: any Digest = alg == "ES256" ? SHA256.hash(data: input) : (alg == "ES384" ? SHA384.hash(data: input) as any Digest : SHA512.hash(data: input))
            return ecdsaVerify(key, digest: digest, sig)
        case ("EdDSA", .ed25519(let k)): return k.isValidSignature(sig, for: input)
        default: return false
        }
    }

    private static func rsaVerify(_ spki: [UInt8], _ md: String, pss: Bool, _ input: [UInt8], _ sig: [UInt8]) -> Bool {
        copenssl_rsa_verify(spki, spki.count, md, pss ? 1 : 0, input, input.count, sig, sig.count) == 1
    }

    /// Go's ecdsa.Verify on a raw r||s signature split in halves (any curve/hash pairing).
    private static func ecdsaVerify(_ key: JWSPublicKey, digest: any Digest, _ sig: [UInt8]) -> Bool {
        func raw(_ size: Int) -> [UInt8]? {
            guard !sig.isEmpty, sig.count % 2 == 0 else { return nil }
            let n = sig.count / 2
            func pad(_ s: ArraySlice<UInt8>) -> [UInt8]? {
                let t = s.drop(while: { $0 == 0 })
                return t.count > size ? nil : [UInt8](repeating: 0, count: size - t.count) + t
            }
            guard let r = pad(sig[0..<n]), let s = pad(sig[n...]) else { return nil }
            return r + s
        }
        func check<D: Digest>(_ d: D) -> Bool {
            switch key {
            case .p256(let k):
                guard let r = raw(32), let s = try? P256.Signing.ECDSASignature(rawRepresentation: r) else { return false }
                return k.isValidSignature(s, for: d)
            case .p384(let k):
                guard let r = raw(48), let s = try? P384.Signing.ECDSASignature(rawRepresentation: r) else { return false }
                return k.isValidSignature(s, for: d)
            case .p521(let k):
                guard let r = raw(66), let s = try? P521.Signing.ECDSASignature(rawRepresentation: r) else { return false }
                return k.isValidSignature(s, for: d)
            default: return false
            }
        }
        return check(digest)
    }

    /// Signs `input`; ES* signatures are raw r||s, PS* use a digest-length salt.
    public static func sign(signingInput input: [UInt8], key: JWSPrivateKey, alg: String) throws -> [UInt8] {
        switch (alg, key) {
        case ("HS256", .secret(let k)): return Array(HMAC<SHA256>.authenticationCode(for: input, using: SymmetricKey(data: k)))
        case ("HS384", .secret(let k)): return Array(HMAC<SHA384>.authenticationCode(for: input, using: SymmetricKey(data: k)))
        case ("HS512", .secret(let k)): return Array(HMAC<SHA512>.authenticationCode(for: input, using: SymmetricKey(data: k)))
        case ("RS256", .rsa(let der)), ("PS256", .rsa(let der)): return try rsaSign(der, "SHA256", pss: alg.hasPrefix("PS"), input)
        case ("RS384", .rsa(let der)), ("PS384", .rsa(let der)): return try rsaSign(der, "SHA384", pss: alg.hasPrefix("PS"), input)
        case ("RS512", .rsa(let der)), ("PS512", .rsa(let der)): return try rsaSign(der, "SHA512", pss: alg.hasPrefix("PS"), input)
        case ("ES256", .p256(let k)): return Array(try k.signature(for: SHA256.hash(data: input)).rawRepresentation)
        case ("ES384", .p384(let k)): return Array(try k.signature(for: SHA384.hash(data: input)).rawRepresentation)
        case ("ES512", .p521(let k)): return Array(try k.signature(for: SHA512.hash(data: input)).rawRepresentation)
        case ("EdDSA", .ed25519(let k)): return Array(try k.signature(for: input))
        default: throw JWSKeyError("key type does not match algorithm \(alg)")
        }
    }

    private static func rsaSign(_ der: [UInt8], _ md: String, pss: Bool, _ input: [UInt8]) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 1024)
        let n = copenssl_rsa_sign(der, der.count, md, pss ? 1 : 0, input, input.count, &out, out.count)
        guard n > 0 else { throw JWSKeyError("failed to sign with the RSA key") }
        return Array(out[0..<Int(n)])
    }

    // MARK: base64url

    public static func base64URLEncode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Lenient decoding (padding optional), nil on error.
    public static func base64URLDecode(_ s: String) -> [UInt8]? {
        try? base64URLDecodeOPA(s)
    }

    struct Base64Error: Error { let message: String }

    /// OPA's base64url.decode: adds missing padding, then Go's URLEncoding rules (\r and \n are
    /// ignored); errors say "illegal base64 data at input byte N".
    static func base64URLDecodeOPA(_ input: String) throws -> [UInt8] {
        var s = Array(input.utf8)
        if s.last != UInt8(ascii: "=") {
            switch s.count % 4 {
            case 0: break
            case 2: s += [61, 61]
            case 3: s += [61]
            default: throw Base64Error(message: "illegal base64url string: \(input)")
            }
        }
        return try goBase64Decode(s, urlSafe: true)
    }

    /// Go's padded base64 decoding (StdEncoding / URLEncoding), with its error positions.
    static func goBase64Decode(_ s: [UInt8], urlSafe: Bool) throws -> [UInt8] {
        func val(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x41...0x5A: return c - 0x41
            case 0x61...0x7A: return c - 0x61 + 26
            case 0x30...0x39: return c - 0x30 + 52
            case 0x2D where urlSafe, 0x2B where !urlSafe: return 62
            case 0x5F where urlSafe, 0x2F where !urlSafe: return 63
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(s.count * 3 / 4)
        var quantum: [UInt8] = []
        var i = 0
        func err(_ at: Int) -> Base64Error { Base64Error(message: "illegal base64 data at input byte \(at)") }
        while i < s.count {
            let c = s[i]
            if c == 0x0A || c == 0x0D { i += 1; continue }
            if c == 0x3D {
                // Padding: only after 2 or 3 symbols of a quantum, and then only padding to the end.
                let have = quantum.count
                guard have >= 2 else { throw err(i) }
                var j = i + 1
                var need = 4 - have - 1
                while need > 0 {
                    while j < s.count && (s[j] == 0x0A || s[j] == 0x0D) { j += 1 }
                    guard j < s.count, s[j] == 0x3D else { throw err(j < s.count ? j : s.count) }
                    j += 1
                    need -= 1
                }
                while j < s.count && (s[j] == 0x0A || s[j] == 0x0D) { j += 1 }
                if j < s.count { throw err(j) }
                let q = quantum
                out.append(q[0] << 2 | q[1] >> 4)
                if have == 3 { out.append(q[1] << 4 | q[2] >> 2) }
                return out
            }
            guard let v = val(c) else { throw err(i) }
            quantum.append(v)
            if quantum.count == 4 {
                out.append(quantum[0] << 2 | quantum[1] >> 4)
                out.append(quantum[1] << 4 | quantum[2] >> 2)
                out.append(quantum[2] << 6 | quantum[3])
                quantum.removeAll(keepingCapacity: true)
            }
            i += 1
        }
        if !quantum.isEmpty { throw err(s.count) }
        return out
    }
}
