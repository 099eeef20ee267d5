import COpenSSL
import Crypto
import Engine
import Foundation

/// JWS algorithms for bundle signatures: OPA's twelve plus EdDSA (a policyd extension; OPA 1.5
/// has none).
///
/// Verification is the engine's JWS support (Engine/Builtins/Support/JWS*.swift, shared with the
/// io.jwt.* builtins): PS* with the salt length recovered from the signature, as Go does. Only
/// PEM public keys are accepted here (no JWK), and the key type must fit the algorithm.
/// Signing (`bundle build/sign`) is the engine's JWS signing too: HMAC in Swift, everything else
/// through its libcrypto path (PEM private keys of every type), PS* with the maximal salt that
/// `opa build` uses.
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
            do { return try JWS.sign(signingInput: message, key: .secret(key), alg: rawValue) } catch {
                throw BundleError(.signature, .badKey, "signature operation failed: \(error)")
            }
        }
        do { return try JWS.sign(signingInput: message, privateKey: key, alg: rawValue, pssSalt: .maximum) } catch {
            switch error.kind {
            case .keyParse: throw BundleError(.signature, .badKey, "failed to parse PEM block containing the private key")
            case .keyType: throw BundleError(.signature, .badKey, "the private key does not fit the signing algorithm")
            case .failed: throw BundleError(.signature, .badKey, "signature operation failed: \(error)")
            }
        }
    }

    /// The public PEM of a private key (for `bundle build` to self-check what it signed).
    static func publicPEM(fromPrivate key: [UInt8]) throws(BundleError) -> [UInt8] {
        var out = [CChar](repeating: 0, count: 8192)
        var len = out.count
        let status = key.withUnsafeBufferPointer { k in
            k.withMemoryRebound(to: CChar.self) { kc in
                out.withUnsafeMutableBufferPointer { o in copenssl_public_pem(kc.baseAddress, kc.count, o.baseAddress, &len) }
            }
        }
        try check(status, what: "private key")
        return out[0..<len].map { UInt8(bitPattern: $0) }
    }

    private static func check(_ status: Int32, what: String) throws(BundleError) {
        switch status {
        case Int32(COPENSSL_OK.rawValue): return
        case Int32(COPENSSL_ERR_KEY_PARSE.rawValue):
            throw BundleError(.signature, .badKey, "failed to parse PEM block containing the \(what)")
        default:
            throw BundleError(.signature, .badKey, "key operation failed (code \(status))")
        }
    }
}
