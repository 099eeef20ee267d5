import COpenSSL
import Foundation

/// crypto.x509.* and crypto.parse_private_keys: certificates, CSRs, key pairs and private keys
/// as Go's encoding/json renders crypto/x509 values (see Support/X509JSON.swift).
extension CryptoBuiltins {
    static let x509Builtins: [Builtin] = [
        Builtin("crypto.x509.parse_certificates", arity: 1) { args, _ in
            .array(try certificates(try args.string(0)).map { try certJSON($0) })
        },
        Builtin("crypto.x509.parse_and_verify_certificates", arity: 1) { args, _ in
            try parseAndVerify(try args.string(0), options: nil)
        },
        Builtin("crypto.x509.parse_and_verify_certificates_with_options", arity: 2) { args, _ in
            try parseAndVerify(try args.string(0), options: try args.object(1))
        },
        Builtin("crypto.x509.parse_certificate_request", arity: 1) { args, _ in
            let input = try args.string(0)
            var bytes = Array(input.utf8)
            if !input.hasPrefix("-----BEGIN CERTIFICATE REQUEST-----") { bytes = try stdBase64(input) }
            let text = String(decoding: bytes, as: UTF8.self)
            if let (block, _) = JWSKeys.pemDecode(text) {
                guard block.type == "CERTIFICATE REQUEST" else {
                    throw BuiltinError(.builtin, "invalid PEM-encoded certificate signing request")
                }
                bytes = block.bytes
            }
            if let m = GoASN1.outerSequenceError(bytes[...], typeName: "certificateRequest") { throw BuiltinError(.builtin, m) }
            do { return try X509JSON.certificateRequest(bytes[...]) } catch let e as X509JSON.ParseError {
                throw BuiltinError(.builtin, e.message)
            }
        },
        Builtin("crypto.x509.parse_keypair", arity: 2) { args, _ in
            // OPA names both operands "operand 1" in its type errors.
            let cert = try args.string(0)
            guard case .string(let key) = args[1] else {
                throw BuiltinError(.type, "operand 1 must be string but got \(args[1].typeName)")
            }
            return try keyPair(cert, key)
        },
        Builtin("crypto.x509.parse_rsa_private_key", arity: 1) { args, _ in
            var text = try args.string(0)
            if text.isEmpty { throw BuiltinError(.builtin, "input PEM data was empty") }
            if !text.hasPrefix("-----BEGIN") { text = String(decoding: try stdBase64(text), as: UTF8.self) }
            // OPA yields null when there is no PEM block of an RSA/PKCS#8 private key type.
            guard let (block, _) = JWSKeys.pemDecode(text) else { return .null }
            let asn1Type: String
            switch block.type {
            case "RSA PRIVATE KEY": asn1Type = "pkcs1PrivateKey"
            case "PRIVATE KEY": asn1Type = "pkcs8"
            default: return .null
            }
            if let m = GoASN1.outerSequenceError(block.bytes[...], typeName: asn1Type) { throw BuiltinError(.builtin, m) }
            guard let key = RSAKeyParts(der: block.bytes[...]) else {
                throw BuiltinError(.builtin, "x509: failed to parse private key")
            }
            return key.jwk
        },
        Builtin("crypto.parse_private_keys", arity: 1) { args, _ in
            var text = try args.string(0)
            if text.isEmpty { return .null }
            if let decoded = try? stdBase64(text) { text = String(decoding: decoded, as: UTF8.self) }
            var out: [Value] = []
            var rest = Substring(text)
            while let (block, r) = JWSKeys.pemDecode(String(rest)) {
                rest = r
                guard block.type.hasSuffix("PRIVATE KEY") else { continue }
                guard let key = RSAKeyParts(der: block.bytes[...]) else {
                    throw BuiltinError(.builtin, "x509: failed to parse private key")
                }
                out.append(key.goJSON)
            }
            return .array(out)
        },
    ]

    /// Go's base64.StdEncoding.DecodeString (its error offsets, as base64.decode reports them).
    static func stdBase64(_ s: String) throws -> [UInt8] {
        do { return try GoBase64.decode(Array(s.utf8), alphabet: GoBase64.std, pad: true) } catch {
            throw BuiltinError(.builtin, "illegal base64 data at input byte \(error.offset)")
        }
    }

    /// OPA's getX509CertsFromString: PEM, base64 of PEM, or base64 of concatenated DER.
    static func certificates(_ input: String) throws -> [ArraySlice<UInt8>] {
        var pemText: String? = input.hasPrefix("-----BEGIN") ? input : nil
        var der: [UInt8] = []
        if pemText == nil {
            der = try stdBase64(input)
            if der.starts(with: Array("-----BEGIN".utf8)) { pemText = String(decoding: der, as: UTF8.self) }
        }
        var out: [ArraySlice<UInt8>] = []
        if let text = pemText {
            var rest = Substring(text)
            while let (block, r) = JWSKeys.pemDecode(String(rest)) {
                rest = r
                if block.type == "CERTIFICATE" { out.append(block.bytes[...]) }
            }
            if out.isEmpty { throw BuiltinError(.builtin, "x509: malformed certificate") }
            return out
        }
        var s = der[...]
        while !s.isEmpty {
            guard let n = DER.read(s), n.tag == 0x30 else { throw BuiltinError(.builtin, "x509: malformed certificate") }
            out.append(n.raw)
            s = s[n.raw.endIndex...]
        }
        return out
    }

    /// OPA adds URIStrings only for parse_certificates and parse_and_verify_certificates.
    static func certJSON(_ der: ArraySlice<UInt8>, uriStrings: Bool = true) throws -> Value {
        do {
            let v = try X509JSON.certificate(der)
            guard !uriStrings, case .object(let o) = v else { return v }
            return .object(o.removing("URIStrings"))
        } catch let e as X509JSON.ParseError { throw BuiltinError(.builtin, e.message) }
    }

    /// [valid, chain]: OPA takes the first certificate as the trusted root and the last as the
    /// leaf, and returns the verified chain leaf first.
    static func parseAndVerify(_ input: String, options: ObjectValue?) throws -> Value {
        let invalid = Value.array([.false, .emptyArray])
        var at: Int64 = -1
        var dns: String? = nil
        // OPA reads the options after certificates that parse (however many).
        guard let given = try? certificates(input) else { return invalid }
        if let o = options {
            for (k, v) in o.pairs {
                switch k.stringValue {
                case "CurrentTime":
                    guard case .number(let n) = v, let ns = n.exactInt else { throw BuiltinError(.builtin, "'CurrentTime' should be a number") }
                    at = Int64(ns) / 1_000_000_000
                case "DNSName":
                    guard case .string(let s) = v else { throw BuiltinError(.builtin, "'DNSName' should be a string") }
                    dns = s
                case "KeyUsages", "MaxConstraintComparisons": break
                default:
                    throw BuiltinError(.builtin, "invalid key option")
                }
            }
        }
        guard given.count >= 2 else { return invalid }
        let ders = Array(given.reversed())
        let arrays = ders.map { Array($0) }
        let lens = arrays.map { $0.count }
        var pointers: [UnsafePointer<UInt8>?] = []
        let ok: Int32 = arrays.withUnsafeBufferPointers { bufs in
            pointers = bufs.map { $0.baseAddress }
            return pointers.withUnsafeBufferPointer { p in
                lens.withUnsafeBufferPointer { l in
                    copenssl_verify_chain(p.baseAddress, l.baseAddress, Int32(arrays.count), Int64(at) == -1 ? -1 : Int64(at), dns)
                }
            }
        }
        guard ok == 1 else { return invalid }
        return .array([.true, .array(try ders.map { try certJSON($0, uriStrings: options == nil) })])
    }

    /// OPA's getTLSx509KeyPairFromString: base64 inputs decoded, DER wrapped as PEM, then Go's
    /// tls.X509KeyPair, rendered as Go's tls.Certificate JSON.
    static func keyPair(_ certInput: String, _ keyInput: String) throws -> Value {
        var certBytes = Array(certInput.utf8), keyBytes = Array(keyInput.utf8)
        let begin = Array("-----BEGIN".utf8)
        if !certBytes.starts(with: begin) { certBytes = try stdBase64(certInput) }
        if !keyBytes.starts(with: begin) { keyBytes = try stdBase64(keyInput) }
        var certs: [ArraySlice<UInt8>] = [], skipped: [String] = []
        if certBytes.starts(with: begin) {
            var rest = Substring(String(decoding: certBytes, as: UTF8.self))
            while let (block, r) = JWSKeys.pemDecode(String(rest)) {
                rest = r
                if block.type == "CERTIFICATE" { certs.append(block.bytes[...]) } else { skipped.append(block.type) }
            }
        } else {
            certs = [certBytes[...]]
        }
        if certs.isEmpty {
            if skipped.isEmpty { throw BuiltinError(.builtin, "tls: failed to find any PEM data in certificate input") }
            if skipped.count == 1 && skipped[0].hasSuffix("PRIVATE KEY") {
                throw BuiltinError(.builtin, "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched")
            }
            throw BuiltinError(.builtin, "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [\(skipped.joined(separator: " "))]")
        }
        var keyDER: ArraySlice<UInt8>? = nil
        if keyBytes.starts(with: begin) {
            skipped = []
            var rest = Substring(String(decoding: keyBytes, as: UTF8.self))
            while let (block, r) = JWSKeys.pemDecode(String(rest)) {
                rest = r
                if block.type == "PRIVATE KEY" || block.type.hasSuffix(" PRIVATE KEY") { keyDER = block.bytes[...]; break }
                skipped.append(block.type)
            }
            if keyDER == nil {
                if skipped.isEmpty { throw BuiltinError(.builtin, "tls: failed to find any PEM data in key input") }
                if skipped == ["CERTIFICATE"] {
                    throw BuiltinError(.builtin, "tls: found a certificate rather than a key in the PEM for the private key")
                }
                throw BuiltinError(.builtin, "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: [\(skipped.joined(separator: " "))]")
            }
        } else {
            keyDER = keyBytes[...]
        }
        let leaf = try certJSON(certs[0], uriStrings: false)
        guard let kd = keyDER, isPrivateKeyDER(kd) else { throw BuiltinError(.builtin, "tls: failed to parse private key") }
        let privateKey: Value = RSAKeyParts(der: kd)?.goJSON ?? .null
        return ["Certificate": .array(certs.map { X509JSON.b64($0) }), "PrivateKey": privateKey, "Leaf": leaf,
                "OCSPStaple": .null, "SignedCertificateTimestamps": .null, "SupportedSignatureAlgorithms": .null]
    }

    /// Whether DER is shaped as one of the private keys tls.X509KeyPair parses: PKCS#1 RSA,
    /// PKCS#8 (version, algorithm, key octets) or SEC 1 EC (version 1, key octets).
    static func isPrivateKeyDER(_ der: ArraySlice<UInt8>) -> Bool {
        if RSAKeyParts(der: der) != nil { return true }
        guard let seq = DER.read(der), seq.tag == 0x30, seq.raw.count == der.count, let f = DER.children(seq.content),
              f.count >= 2, f[0].tag == 0x02 else { return false }
        if f.count >= 3, f[1].tag == 0x30, f[2].tag == 0x04 { return true }
        return f[1].tag == 0x04 && Array(f[0].content) == [1]
    }
}

/// An RSA private key's numbers (PKCS#1, or PKCS#8 wrapping PKCS#1).
struct RSAKeyParts {
    var n, e, d, p, q, dp, dq, qi: ArraySlice<UInt8>

    init?(der: ArraySlice<UInt8>) {
        guard let seq = DER.read(der), seq.tag == 0x30, let f = DER.children(seq.content) else { return nil }
        if f.count == 3, f[1].tag == 0x30, f[2].tag == 0x04 {  // PKCS#8
            guard let inner = RSAKeyParts(der: f[2].content) else { return nil }
            self = inner
            return
        }
        guard f.count >= 9, f.allSatisfy({ $0.tag == 0x02 }) else { return nil }
        func mag(_ n: DER.Node) -> ArraySlice<UInt8> {
            let t = n.content.drop(while: { $0 == 0 })
            return t.isEmpty ? [0][...] : t
        }
        (n, e, d, p, q, dp, dq, qi) = (mag(f[1]), mag(f[2]), mag(f[3]), mag(f[4]), mag(f[5]), mag(f[6]), mag(f[7]), mag(f[8]))
    }

    var jwk: Value {
        func u(_ b: ArraySlice<UInt8>) -> Value { .string(JWS.base64URLEncode(b)) }
        return ["kty": "RSA", "n": u(n), "e": u(e), "d": u(d), "p": u(p), "q": u(q), "dp": u(dp), "dq": u(dq), "qi": u(qi)]
    }

    /// Go's rsa.PrivateKey JSON.
    var goJSON: Value {
        func num(_ b: ArraySlice<UInt8>) -> Value { X509JSON.bigInt([0] + b) }
        return ["N": num(n), "E": num(e), "D": num(d), "Primes": [num(p), num(q)],
                "Precomputed": ["Dp": num(dp), "Dq": num(dq), "Qinv": num(qi), "CRTValues": .emptyArray]]
    }
}

extension Array where Element == [UInt8] {
    /// Calls `body` with stable base addresses of every element (nested withUnsafeBufferPointer).
    func withUnsafeBufferPointers<R>(_ body: ([UnsafeBufferPointer<UInt8>]) -> R) -> R {
        func go(_ i: Int, _ acc: [UnsafeBufferPointer<UInt8>]) -> R {
            if i == count { return body(acc) }
            return self[i].withUnsafeBufferPointer { go(i + 1, acc + [$0]) }
        }
        return go(0, [])
    }
}
