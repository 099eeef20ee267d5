import COpenSSLShim
import Crypto
import Foundation

/// JWS algorithms for bundle signatures: OPA's twelve plus EdDSA (a policyd extension; OPA 1.5
/// has none). Asymmetric maths goes through libcrypto (COpenSSLShim) so PS* verifies with the
/// salt length recovered from the signature, as Go does; HMAC through swift-crypto.
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
        if isHMAC { return }
        let status = callVerify(key: key, message: [], signature: [])
        try Self.check(status, what: "public key")
    }

    /// True when `signature` is valid over `message`; throws when the key itself is unusable.
    func verify(message: [UInt8], signature: [UInt8], key: [UInt8]) throws(BundleError) -> Bool {
        if isHMAC {
            let k = SymmetricKey(data: key)
            switch self {
            case .hs256: return HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: message, using: k)
            case .hs384: return HMAC<SHA384>.isValidAuthenticationCode(signature, authenticating: message, using: k)
            default: return HMAC<SHA512>.isValidAuthenticationCode(signature, authenticating: message, using: k)
            }
        }
        let status = callVerify(key: key, message: message, signature: signature)
        if status == PD_BAD_SIGNATURE.rawValue { return false }
        try Self.check(status, what: "public key")
        return true
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

    private func callVerify(key: [UInt8], message: [UInt8], signature: [UInt8]) -> Int32 {
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                signature.withUnsafeBufferPointer { s in
                    k.withMemoryRebound(to: CChar.self) { kc in
                        pd_verify(kc.baseAddress, kc.count, kind, digestName, curveBits, m.baseAddress, m.count, s.baseAddress, s.count)
                    }
                }
            }
        }
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
