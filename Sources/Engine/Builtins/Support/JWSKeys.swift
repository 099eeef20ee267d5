// Keys for JWS: PEM (CERTIFICATE / PUBLIC KEY / private keys), DER walking, and JWK / JWK Sets.
// See JWS.swift for the public API. RSA keys stay as DER (verified/signed via COpenSSL); EC and
// Ed25519 keys become swift-crypto keys.

import Crypto
import Foundation

public struct JWSKeyError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A public key usable for JWS verification.
public enum JWSPublicKey: @unchecked Sendable {
    case rsa(spki: [UInt8])
    case p256(P256.Signing.PublicKey)
    case p384(P384.Signing.PublicKey)
    case p521(P521.Signing.PublicKey)
    case ed25519(Curve25519.Signing.PublicKey)
    /// A symmetric JWK ("oct"): only HS* tokens verify against it.
    case secret([UInt8])
}

/// A verification key with its JWK metadata (empty for PEM keys).
public struct JWSVerificationKey: @unchecked Sendable {
    public let key: JWSPublicKey
    public let alg: String
    public let kid: String
}

/// A private key for signing.
public enum JWSPrivateKey: @unchecked Sendable {
    case rsa(der: [UInt8])  // PKCS#1 or PKCS#8
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)
    case secret([UInt8])
}

// MARK: DER

/// Minimal DER walking: enough for certificates and SubjectPublicKeyInfo.
struct DER {
    struct Node { let tag: UInt8; let raw: ArraySlice<UInt8>; let content: ArraySlice<UInt8> }

    /// Reads the TLV at the start of `b`.
    static func read(_ b: ArraySlice<UInt8>) -> Node? {
        guard b.count >= 2 else { return nil }
        let tag = b[b.startIndex]
        var len = Int(b[b.startIndex + 1])
        var hdr = 2
        if len & 0x80 != 0 {
            let n = len & 0x7f
            guard n >= 1, n <= 4, b.count >= 2 + n else { return nil }
            len = 0
            for i in 0..<n { len = len << 8 | Int(b[b.startIndex + 2 + i]) }
            hdr = 2 + n
        }
        guard b.count >= hdr + len else { return nil }
        let start = b.startIndex + hdr
        return Node(tag: tag, raw: b[b.startIndex..<(start + len)], content: b[start..<(start + len)])
    }

    static func children(_ b: ArraySlice<UInt8>) -> [Node]? {
        var out: [Node] = []
        var rest = b
        while !rest.isEmpty {
            guard let n = read(rest) else { return nil }
            out.append(n)
            rest = rest[(n.content.endIndex)...]
        }
        return out
    }

    // Encoding helpers (for building SPKI / PKCS#1 from JWK numbers).
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [tag]
        let n = content.count
        if n < 0x80 { out.append(UInt8(n)) } else {
            var bytes: [UInt8] = []
            var v = n
            while v > 0 { bytes.insert(UInt8(v & 0xff), at: 0); v >>= 8 }
            out.append(0x80 | UInt8(bytes.count))
            out += bytes
        }
        return out + content
    }
    static func integer(_ magnitude: [UInt8]) -> [UInt8] {
        var m = Array(magnitude.drop(while: { $0 == 0 }))
        if m.isEmpty { m = [0] }
        if m[0] & 0x80 != 0 { m.insert(0, at: 0) }
        return tlv(0x02, m)
    }
    static func sequence(_ parts: [UInt8]...) -> [UInt8] { tlv(0x30, parts.flatMap { $0 }) }

    static let oidRSA: [UInt8] = [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01]
    static let oidEC: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01]
    static let oidP256: [UInt8] = [0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]
    static let oidP384: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x22]
    static let oidP521: [UInt8] = [0x2B, 0x81, 0x04, 0x00, 0x23]
    static let oidEd25519: [UInt8] = [0x2B, 0x65, 0x70]
}

enum JWSKeys {
    // MARK: PEM

    struct PEMBlock { let type: String; let bytes: [UInt8] }

    /// Go's pem.Decode: the first block and the rest of the input (nil if there is no block).
    static func pemDecode(_ text: String) -> (PEMBlock, rest: Substring)? {
        var s = Substring(text)
        while let begin = s.range(of: "-----BEGIN ") {
            let afterBegin = s[begin.upperBound...]
            guard let typeEnd = afterBegin.range(of: "-----") else { return nil }
            let type = String(afterBegin[..<typeEnd.lowerBound])
            let body = afterBegin[typeEnd.upperBound...]
            guard let end = body.range(of: "-----END \(type)-----") else { s = body; continue }
            let b64 = body[..<end.lowerBound].filter { !$0.isWhitespace }
            // Headers ("Proc-Type: …") are not supported; such blocks fail to decode.
            guard let data = Data(base64Encoded: String(b64)) else { s = body; continue }
            var rest = body[end.upperBound...]
            // One line ending after the END line belongs to the block ("\r\n" is one Character).
            if rest.first == "\r\n" || rest.first == "\n" { rest = rest.dropFirst() }
            return (PEMBlock(type: type, bytes: [UInt8](data)), rest)
        }
        return nil
    }

    // MARK: Public keys

    /// The SubjectPublicKeyInfo inside a DER certificate.
    static func spki(fromCertificate der: [UInt8]) -> ArraySlice<UInt8>? {
        guard let cert = DER.read(der[...]), cert.tag == 0x30,
              let parts = DER.children(cert.content), let tbs = parts.first, tbs.tag == 0x30,
              var fields = DER.children(tbs.content) else { return nil }
        if fields.first?.tag == 0xA0 { fields.removeFirst() }  // [0] version
        // serial, signature, issuer, validity, subject, subjectPublicKeyInfo
        guard fields.count >= 6, fields[5].tag == 0x30 else { return nil }
        return fields[5].raw
    }

    static func publicKey(fromSPKI spki: ArraySlice<UInt8>) throws -> JWSPublicKey {
        guard let seq = DER.read(spki), seq.tag == 0x30, let parts = DER.children(seq.content), parts.count == 2,
              let alg = DER.children(parts[0].content), let oid = alg.first, oid.tag == 0x06,
              parts[1].tag == 0x03, let unused = parts[1].content.first, unused == 0 else {
            throw JWSKeyError("x509: malformed public key")
        }
        let bits = Array(parts[1].content.dropFirst())
        let algOID = Array(oid.content)
        if algOID == DER.oidRSA { return .rsa(spki: Array(spki)) }
        if algOID == DER.oidEd25519 { return .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: bits)) }
        if algOID == DER.oidEC, alg.count >= 2 {
            let curve = Array(alg[1].content)
            if curve == DER.oidP256 { return .p256(try P256.Signing.PublicKey(x963Representation: bits)) }
            if curve == DER.oidP384 { return .p384(try P384.Signing.PublicKey(x963Representation: bits)) }
            if curve == DER.oidP521 { return .p521(try P521.Signing.PublicKey(x963Representation: bits)) }
        }
        throw JWSKeyError("x509: unknown public key algorithm")
    }

    static func rsaSPKI(n: [UInt8], e: [UInt8]) -> [UInt8] {
        let rsaKey = DER.sequence(DER.integer(n), DER.integer(e))
        let algId = DER.sequence(DER.tlv(0x06, DER.oidRSA), [0x05, 0x00])
        return DER.sequence(algId, DER.tlv(0x03, [0] + rsaKey))
    }

    // MARK: JWK

    static func jwkField(_ o: ObjectValue, _ name: String) throws -> [UInt8] {
        guard case .string(let s)? = o[name] else { throw JWSKeyError("required field \(name) is missing") }
        guard let b = JWS.base64URLDecode(s) else { throw JWSKeyError("failed to decode field \(name)") }
        return b
    }

    /// One JWK object (public part).
    static func publicKey(fromJWK o: ObjectValue, kty: String? = nil) throws -> JWSVerificationKey {
        guard let kty = kty ?? o["kty"]?.stringValue else { throw JWSKeyError("invalid key type") }
        let alg = o["alg"]?.stringValue ?? "", kid = o["kid"]?.stringValue ?? ""
        let key: JWSPublicKey
        switch kty {
        case "RSA":
            key = .rsa(spki: rsaSPKI(n: try jwkField(o, "n"), e: try jwkField(o, "e")))
        case "EC":
            let x = try jwkField(o, "x"), y = try jwkField(o, "y")
            let point = [0x04] + x + y
            switch o["crv"]?.stringValue {
            case "P-256": key = .p256(try P256.Signing.PublicKey(x963Representation: point))
            case "P-384": key = .p384(try P384.Signing.PublicKey(x963Representation: point))
            case "P-521": key = .p521(try P521.Signing.PublicKey(x963Representation: point))
            default: throw JWSKeyError("unsupported curve")
            }
        case "OKP":
            guard o["crv"]?.stringValue == "Ed25519" else { throw JWSKeyError("unsupported curve") }
            key = .ed25519(try Curve25519.Signing.PublicKey(rawRepresentation: try jwkField(o, "x")))
        case "oct":
            key = .secret(try jwkField(o, "k"))
        default:
            throw JWSKeyError("jwk.ParseKey: invalid key type from JSON (\(kty))")
        }
        return JWSVerificationKey(key: key, alg: alg, kid: kid)
    }

    /// One JWK object (private part), for signing.
    static func privateKey(fromJWK o: ObjectValue, kty: String? = nil) throws -> JWSPrivateKey {
        guard let kty = kty ?? o["kty"]?.stringValue else { throw JWSKeyError("invalid key type") }
        switch kty {
        case "RSA":
            let n = try jwkField(o, "n"), e = try jwkField(o, "e"), d = try jwkField(o, "d")
            let p = try jwkField(o, "p"), q = try jwkField(o, "q")
            let dp = try jwkField(o, "dp"), dq = try jwkField(o, "dq"), qi = try jwkField(o, "qi")
            return .rsa(der: DER.sequence(DER.integer([0]), DER.integer(n), DER.integer(e), DER.integer(d),
                                          DER.integer(p), DER.integer(q), DER.integer(dp), DER.integer(dq),
                                          DER.integer(qi)))
        case "EC":
            let d = try jwkField(o, "d")
            switch o["crv"]?.stringValue {
            case "P-256": return .p256(try P256.Signing.PrivateKey(rawRepresentation: d))
            case "P-384": return .p384(try P384.Signing.PrivateKey(rawRepresentation: d))
            case "P-521": return .p521(try P521.Signing.PrivateKey(rawRepresentation: d))
            default: throw JWSKeyError("unsupported curve")
            }
        case "OKP":
            guard o["crv"]?.stringValue == "Ed25519" else { throw JWSKeyError("unsupported curve") }
            return .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: try jwkField(o, "d")))
        case "oct":
            return .secret(try jwkField(o, "k"))
        default:
            throw JWSKeyError("invalid key type \(kty)")
        }
    }

    /// A JWK or a JWK Set ({"keys": [...]}) as JSON text.
    static func verificationKeys(fromJWKText text: String) throws -> [JWSVerificationKey] {
        let set = "failed to parse a JWK key (set): "
        let objects: [JWKObject], isSet: Bool
        do { (objects, isSet) = try JWKParse.keys(text) } catch {
            throw JWSKeyError(set + "jwk.ParseString: failed to parse string: " + error.message)
        }
        do {
            return try objects.map { k in
                do { return try publicKey(fromJWK: k.object, kty: k.kty) } catch let e as JWSKeyError where !isSet {
                    throw JWSKeyError("jwk.ParseString: failed to parse string: jwk.Parse: failed to parse sole key: \(e.message)")
                }
            }
        } catch let e as JWSKeyError {
            throw JWSKeyError(set + e.message)
        } catch {
            throw JWSKeyError(set + "\(error)")
        }
    }

    /// OPA's getKeysFromCertOrJWK: a PEM certificate or public key, else a JWK (Set).
    static func verificationKeys(fromCertOrJWK text: String) throws -> [JWSVerificationKey] {
        if let (block, rest) = pemDecode(text) {
            if !rest.isEmpty { throw JWSKeyError("extra data after a PEM certificate block") }
            if block.type == "CERTIFICATE" {
                guard let spki = spki(fromCertificate: block.bytes), let key = try? publicKey(fromSPKI: spki) else {
                    throw JWSKeyError("failed to parse a PEM certificate: x509: malformed certificate")
                }
                return [JWSVerificationKey(key: key, alg: "", kid: "")]
            }
            if block.type == "PUBLIC KEY" {
                do { return [JWSVerificationKey(key: try publicKey(fromSPKI: block.bytes[...]), alg: "", kid: "")] } catch {
                    throw JWSKeyError("failed to parse a PEM public key: \(error)")
                }
            }
            throw JWSKeyError("failed to extract a Key from the PEM certificate")
        }
        return try verificationKeys(fromJWKText: text)
    }
}
