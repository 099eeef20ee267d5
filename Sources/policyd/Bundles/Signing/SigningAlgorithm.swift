import COpenSSLShim
import Crypto
import Engine
import Foundation

/// JWS algorithms for bundle signatures: OPA's twelve plus EdDSA (a policyd extension; OPA 1.5
/// has none).
///
/// Verification is the engine's JWS support (Engine/Builtins/Support/JWS*.swift, shared with the
/// io.jwt.* builtins): PS* with the salt length recovered from the signature, as Go does. Only
/// PEM public keys are accepted here (no JWK), and the key type must fit the algorithm.
/// Signing (`bundle build/sign`) goes through libcrypto (COpenSSLShim) because it needs EC and
/// Ed25519 PEM private keys and, for PS*, the maximal salt that `opa build` uses.
enum SigningAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
    case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
    case es256 = "ES256", es384 = "ES384", es512 = "ES512"
    case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"
    case edDSA = "EdDSA"

    init(name: String) throws(BundleError) {
        guard let a = SigningAlgorithm(rawValue: name) else {
            throw BundleError(.signature, .badKey, "unsupported signature algorithm: \(name)")
        }
        self = a
    }

    var isHMAC: Bool { self == .hs256 || self == .hs384 || self == .hs512 }

    private var kind: Int32 {
        switch self {
        case .rs256, .rs384, .rs512: return Int32(PD_SIG_RSA_PKCS1.rawValue)
        case .ps256, .ps384, .ps512: return Int32(PD_SIG_RSA_PSS.rawValue)
        case .es256, .es384, .es512: return Int32(PD_SIG_ECDSA_RAW.rawValue)
        case .edDSA: return Int32(PD_SIG_ED25519.rawValue)
        case .hs256, .hs384, .hs512: return 0
        }
    }

    private var digestName: String {
        switch self {
        case .rs256, .ps256, .es256, .hs256: return "SHA256"
        case .rs384, .ps384, .es384, .hs384: return "SHA384"
        case .rs512, .ps512, .es512, .hs512: return "SHA512"
        case .edDSA: return ""
        }
    }

    private var curveBits: Int32 {
        switch self {
        case .es256: return 256
        case .es384: return 384
        case .es512: return 521
        default: return 0
        }
    }

    /// Checks that `key` (PEM public key, or HMAC secret) is usable with this algorithm.
    func validatePublicKey(_ key: [UInt8]) throws(BundleError) {
        _ = try publicKey(key)
    }

    /// The configured key in the engine's form; throws when it does not parse or fit.
    func publicKey(_ material: [UInt8]) throws(BundleError) -> JWSPublicKey {
        if isHMAC { return .secret(material) }
        guard let text = String(validating: material, as: UTF8.self), text.contains("-----BEGIN ") else {
            throw BundleError(.signature, .badKey, "failed to parse PEM block containing the key")
        }
        // Go's pem.Decode refuses a body that is not strict base64; the engine's decoder is
        // lenient, so check first (fixture rs256-public-corrupt.pem must not load).
        guard Self.strictPEMBody(text) else {
            throw BundleError(.signature, .badKey, "failed to parse PEM block containing the key")
        }
        let keys: [JWSVerificationKey]
        do { keys = try JWS.verificationKeys(pemOrJWK: text) } catch {
            throw BundleError(.signature, .badKey, "failed to parse PEM block containing the key: \(error)")
        }
        guard let key = keys.first?.key else { throw BundleError(.signature, .badKey, "failed to parse PEM block containing the key") }
        switch (self, key) {
        case (.rs256, .rsa), (.rs384, .rsa), (.rs512, .rsa), (.ps256, .rsa), (.ps384, .rsa), (.ps512, .rsa),
             (.es256, .p256), (.es384, .p384), (.es512, .p521), (.edDSA, .ed25519):
            return key
        default:
            throw BundleError(.signature, .badKey, "the public key does not fit the signing algorithm \(rawValue)")
        }
    }

    /// The first PEM block's body decodes as padded standard base64.
    static func strictPEMBody(_ text: String) -> Bool {
        var body = ""
        var inside = false
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            if line.hasPrefix("-----BEGIN ") { inside = true; continue }
            if line.hasPrefix("-----END ") { break }
            if inside { body += line.trimmingCharacters(in: .whitespaces) }
        }
        let chars = Array(body.utf8)
        guard inside, !chars.isEmpty, chars.count % 4 == 0 else { return false }
        let padding = chars.reversed().prefix { $0 == UInt8(ascii: "=") }.count
        guard padding <= 2 else { return false }
        return chars.dropLast(padding).allSatisfy { c in
            (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/")
        }
    }

    /// True when `signature` is valid over `message`; throws when the key itself is unusable.
    func verify(message: [UInt8], signature: [UInt8], key: [UInt8]) throws(BundleError) -> Bool {
        JWS.verify(signingInput: message, signature: signature, key: try publicKey(key), alg: rawValue)
    }

    /// Signs with a PEM private key (PKCS#1, SEC1 or PKCS#8), or an HMAC secret.
    func sign(message: [UInt8], key: [UInt8]) throws(BundleError) -> [UInt8] {
        if isHMAC {
            let k = SymmetricKey(data: key)
            switch self {
            case .hs256: return Array(HMAC<SHA256>.authenticationCode(for: message, using: k))
            case .hs384: return Array(HMAC<SHA384>.authenticationCode(for: message, using: k))
            default: return Array(HMAC<SHA512>.authenticationCode(for: message, using: k))
            }
        }
        var out = [UInt8](repeating: 0, count: 2048)
        var len = out.count
        let status = key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    k.withMemoryRebound(to: CChar.self) { kc in
                        pd_sign(kc.baseAddress, kc.count, kind, digestName, curveBits, m.baseAddress, m.count, o.baseAddress, &len)
                    }
                }
            }
        }
        try Self.check(status, what: "private key")
        return Array(out[0..<len])
    }

    /// The public PEM of a private key (for `bundle build` to self-check what it signed).
    static func publicPEM(fromPrivate key: [UInt8]) throws(BundleError) -> [UInt8] {
        var out = [CChar](repeating: 0, count: 8192)
        var len = out.count
        let status = key.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { kc in
                out.withUnsafeMutableBufferPointer { o in pd_public_pem(kc.baseAddress, kc.count, o.baseAddress, &len) }
            }
        }
        try check(status, what: "private key")
        return out[0..<len].map { UInt8(bitPattern: $0) }
    }

    private static func check(_ status: Int32, what: String) throws(BundleError) {
        switch status {
        case PD_OK.rawValue, PD_BAD_SIGNATURE.rawValue: return
        case PD_ERR_KEY_PARSE.rawValue:
            throw BundleError(.signature, .badKey, "failed to parse PEM block containing the \(what)")
        case PD_ERR_KEY_TYPE.rawValue:
            throw BundleError(.signature, .badKey, "the \(what) does not fit the signing algorithm")
        default:
            throw BundleError(.signature, .badKey, "signature operation failed (code \(status))")
        }
    }
}
