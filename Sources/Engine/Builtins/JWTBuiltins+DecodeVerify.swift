/// io.jwt.decode_verify: signature plus constraints (cert/secret, alg, iss, aud, time) and the
/// exp/nbf claims, following OPA's order of checks. Unverified tokens give [false, {}, {}].
extension JWTBuiltins {
    private struct Constraints {
        var keys: [JWSVerificationKey]? = nil
        var secret = ""
        var alg = "", iss = "", aud = ""
        var time: Double = .greatestFiniteMagnitude
    }

    private static let unverified = Value.array([.false, .emptyObject, .emptyObject])

    private static func constraints(_ o: ObjectValue, nowNs: Int64) throws -> Constraints {
        var c = Constraints()
        for (k, v) in o.pairs {
            guard case .string(let name) = k else { throw BuiltinError(.builtin, "token constraint keys must be strings") }
            func str() throws -> String {
                guard case .string(let s) = v else { throw BuiltinError(.builtin, "\(name) constraint: must be a string") }
                return s
            }
            switch name {
            case "cert":
                let s = try str()
                do { c.keys = try JWS.verificationKeys(pemOrJWK: s) } catch let e as JWSKeyError {
                    throw BuiltinError(.builtin, e.message)
                }
            case "secret": c.secret = try str()
            case "alg": c.alg = try str()
            case "iss": c.iss = try str()
            case "aud": c.aud = try str()
            case "time":
                guard case .number(let n) = v else { throw BuiltinError(.builtin, "token time constraint: must be a number") }
                c.time = n.doubleValue
            default:
                throw BuiltinError(.builtin, "unknown token validation constraint: \(name)")
            }
        }
        if c.time == .greatestFiniteMagnitude { c.time = Double(nowNs) }
        let count = (c.keys != nil ? 1 : 0) + (c.secret.isEmpty ? 0 : 1)
        if count > 1 { throw BuiltinError(.builtin, "duplicate key constraints") }
        if count < 1 { throw BuiltinError(.builtin, "no key constraint") }
        return c
    }

    static func decodeVerify(_ args: Arguments, _ constraintObject: ObjectValue, nowNs: Int64) throws -> Value {
        let c = try constraints(constraintObject, nowNs: nowNs)
        let token = try args.string(0)
        _ = try split(token)
        var text = token
        var header = ObjectValue()
        var payloadBytes: [UInt8]
        while true {
            let t = try split(text)
            header = try JWTBuiltins.header(t)
            // Header fields that matter: alg (required), kid, cty, crit.
            var alg = "", kid = "", cty = ""
            if let v = header["alg"] {
                guard case .string(let s) = v else { throw BuiltinError(.builtin, "alg: must be a string") }
                alg = s
            }
            if let v = header["kid"] {
                guard case .string(let s) = v else { throw BuiltinError(.builtin, "kid: must be a string") }
                kid = s
            }
            if let v = header["cty"] {
                guard case .string(let s) = v else { throw BuiltinError(.builtin, "cty: must be a string") }
                cty = s
            }
            if alg.isEmpty { return unverified }
            // Critical header extensions are not understood: such tokens are invalid.
            if case .array(let crit)? = header["crit"], !crit.isEmpty { return unverified }
            if !c.alg.isEmpty && c.alg != alg { return unverified }
            let sig = try signatureBytes(t.signature)
            // An algorithm OPA does not know (`none`, `XX`) leaves the token unverified.
            guard JWS.algorithms.contains(alg) else { return unverified }
            if let keys = c.keys {
                if !verifyWithKeys(keys, kid: kid, headerAlg: alg, alg: alg, input: t.signingInput, sig: sig) { return unverified }
            } else if !JWS.verify(signingInput: t.signingInput, signature: sig, key: .secret(Array(c.secret.utf8)), alg: alg) {
                return unverified
            }
            payloadBytes = try b64(t.payload, "payload")
            if cty.uppercased() == "JWT" {
                text = String(decoding: payloadBytes, as: UTF8.self)
                continue
            }
            break
        }
        let payload = try jsonObject(payloadBytes)
        if !c.iss.isEmpty {
            guard case .string(let iss)? = payload["iss"], iss == c.iss else { return unverified }
        }
        if let aud = payload["aud"] {
            let ok: Bool
            switch aud {
            case .string(let s): ok = s == c.aud
            case .array(let a): ok = a.contains { $0.stringValue == c.aud }
            default: ok = false
            }
            if !ok { return unverified }
        } else if !c.aud.isEmpty {
            return unverified
        }
        let now = Number(c.time / 1_000_000_000)
        if let exp = payload["exp"] {
            guard case .number(let n) = exp else { throw BuiltinError(.builtin, "exp value must be a number") }
            if !(now < n) { return unverified }
        }
        if let nbf = payload["nbf"] {
            guard case .number(let n) = nbf else { throw BuiltinError(.builtin, "nbf value must be a number") }
            if now < n { return unverified }
        }
        return .array([.true, .object(header), .object(payload)])
    }
}
