import Crypto

/// The io.jwt.* builtins: decode, verify_* (signature only), decode_verify (signature plus
/// constraints) and encode_sign / encode_sign_raw. Cryptography in Support/JWS.swift.
enum JWTBuiltins {
    static let builtins: [Builtin] = [
        Builtin("io.jwt.decode", arity: 1) { args, _ in try decode(try args.string(0)) },
        Builtin("io.jwt.decode_verify", arity: 2) { args, ctx in
            // OPA reads the constraints before it looks at the token.
            try decodeVerify(args, try args.object(1), nowNs: ctx.nowNs)
        },
        Builtin("io.jwt.encode_sign", arity: 3) { args, _ in
            // Operands of any type are serialised as Go's encoding/json would (sorted keys, HTML
            // escaped), as OPA does: only the type checker holds them to objects.
            try encodeSign(header: jsonText(args[0]), payload: jsonText(args[1]), jwk: jsonText(args[2]))
        },
        Builtin("io.jwt.encode_sign_raw", arity: 3) { args, _ in
            // OPA reads the key (operand 3) before the header and the payload.
            let jwk = try args.string(2)
            return try encodeSign(header: try args.string(0), payload: try args.string(1), jwk: jwk)
        },
        verifyHS("io.jwt.verify_hs256", "HS256"), verifyHS("io.jwt.verify_hs384", "HS384"),
        verifyHS("io.jwt.verify_hs512", "HS512"),
        verifyAsym("io.jwt.verify_rs256", "RS256"), verifyAsym("io.jwt.verify_rs384", "RS384"),
        verifyAsym("io.jwt.verify_rs512", "RS512"),
        verifyAsym("io.jwt.verify_ps256", "PS256"), verifyAsym("io.jwt.verify_ps384", "PS384"),
        verifyAsym("io.jwt.verify_ps512", "PS512"),
        verifyAsym("io.jwt.verify_es256", "ES256"), verifyAsym("io.jwt.verify_es384", "ES384"),
        verifyAsym("io.jwt.verify_es512", "ES512"),
        verifyAsym("io.jwt.verify_eddsa", "EdDSA"),
    ]

    // MARK: Token parts

    struct Token {
        let header: Substring, payload: Substring, signature: Substring
        var signingInput: [UInt8] { Array("\(header).\(payload)".utf8) }
    }

    static func split(_ s: String) throws -> Token {
        guard s.contains(".") else { throw BuiltinError(.builtin, "encoded JWT had no period separators") }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw BuiltinError(.builtin, "encoded JWT must have 3 sections, found \(parts.count)") }
        return Token(header: parts[0], payload: parts[1], signature: parts[2])
    }

    static func b64(_ s: Substring, _ what: String) throws -> [UInt8] {
        do { return try JWS.base64URLDecodeOPA(String(s)) } catch let e as JWS.Base64Error {
            throw BuiltinError(.builtin, "JWT \(what) had invalid encoding: \(e.message)")
        }
    }

    /// The verify_* builtins report a bad signature encoding without naming the segment.
    static func signatureBytes(_ s: Substring) throws -> [UInt8] {
        do { return try JWS.base64URLDecodeOPA(String(s)) } catch let e as JWS.Base64Error {
            throw BuiltinError(.builtin, e.message)
        }
    }

    static func jsonObject(_ bytes: [UInt8]) throws -> ObjectValue {
        let v: Value
        if let text = String(validating: bytes, as: UTF8.self) {
            // OPA decodes header and payload as json.unmarshal does, naming the failure.
            do { v = try EncodingBuiltins.goUnmarshal(text) } catch let e as BuiltinError {
                throw BuiltinError(.builtin, "invalid JSON: \(e.message)")
            }
        } else {
            do { v = try JSONReader.parse(bytes: bytes) } catch { throw BuiltinError(.builtin, "\(error)") }
        }
        guard case .object(let o) = v else { throw BuiltinError(.builtin, "decoded JSON type was not an Object") }
        return o
    }

    static func header(_ t: Token) throws -> ObjectValue {
        let h = try b64(t.header, "header")
        let o: ObjectValue
        do { o = try jsonObject(h) } catch let e as BuiltinError { throw BuiltinError(.builtin, "bad JWT header: \(e.message)") }
        if o["enc"] != nil { throw BuiltinError(.builtin, "JWT is a JWE object, which is not supported") }
        return o
    }

    // MARK: io.jwt.decode

    static func decode(_ s: String) throws -> Value {
        var text = s
        while true {
            let t = try split(text)
            let h = try header(t)
            let p = try b64(t.payload, "payload")
            if case .string("JWT")? = h["cty"] {
                // Nested token: the payload is (possibly quoted) another JWT.
                var inner = String(decoding: p, as: UTF8.self)
                while inner.hasPrefix("\"") { inner.removeFirst() }
                while inner.hasSuffix("\"") { inner.removeLast() }
                text = inner
                continue
            }
            let payload = try jsonObject(p)
            let sig = try b64(t.signature, "signature")
            return .array([.object(h), .object(payload), .string(CryptoBuiltins.hex(sig))])
        }
    }

    // MARK: io.jwt.verify_*

    private static func verifyHS(_ name: String, _ alg: String) -> Builtin {
        Builtin(name, arity: 2) { args, _ in
            let token = try args.string(0), secret = try args.string(1)
            let t = try split(token)
            let sig = try signatureBytes(t.signature)
            return .bool(JWS.verify(signingInput: t.signingInput, signature: sig, key: .secret(Array(secret.utf8)), alg: alg))
        }
    }

    private static func keys(_ text: String) throws -> [JWSVerificationKey] {
        do { return try JWS.verificationKeys(pemOrJWK: text) } catch let e as JWSKeyError { throw BuiltinError(.builtin, e.message) }
    }

    private static func verifyAsym(_ name: String, _ alg: String) -> Builtin {
        Builtin(name, arity: 2) { args, _ in
            let t = try split(try args.string(0))
            let ks = try keys(try args.string(1))
            let sig = try signatureBytes(t.signature)
            let h = try header(t)
            let kid = h["kid"]?.stringValue ?? "", headerAlg = h["alg"]?.stringValue ?? ""
            return .bool(verifyWithKeys(ks, kid: kid, headerAlg: headerAlg, alg: alg, input: t.signingInput, sig: sig))
        }
    }

    /// OPA: a key whose kid matches the header's decides alone; otherwise any key (whose JWK alg,
    /// if set, equals the header's alg) may verify.
    static func verifyWithKeys(_ ks: [JWSVerificationKey], kid: String, headerAlg: String, alg: String,
                               input: [UInt8], sig: [UInt8]) -> Bool {
        if !kid.isEmpty, let k = ks.first(where: { $0.kid == kid }) {
            return JWS.verify(signingInput: input, signature: sig, key: k.key, alg: alg)
        }
        for k in ks where k.alg.isEmpty || k.alg == headerAlg {
            if JWS.verify(signingInput: input, signature: sig, key: k.key, alg: alg) { return true }
        }
        return false
    }

    // MARK: encode_sign

    static func jsonText(_ v: Value) -> String {
        JSONWriter.string(v, options: JSONWriter.Options(escapeHTML: true))
    }

    /// The JWS header's alg, with the messages OPA's JWS library gives for bad headers.
    private static func headerAlg(_ header: String) throws -> String {
        let prefix = "missing or invalid 'alg' header: "
        if header.isEmpty {
            throw BuiltinError(.builtin, prefix + "cannot parse JSON: cannot parse empty string; unparsed tail: \"\"")
        }
        guard let hv = try? JSONReader.parse(header) else {
            if header.drop(while: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }).hasPrefix("{") {
                throw BuiltinError(.builtin, prefix + "cannot parse JSON: cannot parse object")
            }
            throw BuiltinError(.builtin, prefix + "jwsbb: header \"alg\" not found")
        }
        guard case .object(let h) = hv, case .string(let alg)? = h["alg"] else {
            throw BuiltinError(.builtin, prefix + "jwsbb: header \"alg\" not found")
        }
        return alg
    }

    static func encodeSign(header: String, payload: String, jwk: String) throws -> Value {
        let keys: [JWKObject]
        do { keys = try JWKParse.keys(jwk).keys } catch { throw BuiltinError(.builtin, error.message) }
        guard let first = keys.first else { throw BuiltinError(.builtin, "no keys found in JWK set") }
        let key: JWSPrivateKey
        do { key = try JWSKeys.privateKey(fromJWK: first.object, kty: first.kty) } catch let e as JWSKeyError {
            throw BuiltinError(.builtin, e.message)
        } catch { throw BuiltinError(.builtin, "\(error)") }
        let alg = try headerAlg(header)
        guard JWS.algorithms.contains(alg) else { throw BuiltinError(.builtin, "unknown JWS algorithm: \(alg)") }
        let typ = (try? JSONReader.parse(header))?["typ"]?.stringValue ?? ""
        if typ.isEmpty || typ == "JWT" {
            if (try? JSONReader.parse(payload)) == nil { throw BuiltinError(.builtin, "type is JWT but payload is not JSON") }
        }
        let input = JWS.base64URLEncode(Array(header.utf8)) + "." + JWS.base64URLEncode(Array(payload.utf8))
        let sig: [UInt8]
        do { sig = try JWS.sign(signingInput: Array(input.utf8), key: key, alg: alg) } catch let e as JWSKeyError {
            throw BuiltinError(.builtin, e.message)
        } catch { throw BuiltinError(.builtin, "failed to sign: \(error)") }
        return .string(input + "." + JWS.base64URLEncode(sig))
    }
}
