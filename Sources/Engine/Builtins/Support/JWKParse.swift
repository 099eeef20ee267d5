// The front end of OPA's JWK parsing (jwk.Parse / jwk.ParseKey of its JWS library): which key
// objects a JWK or JWK Set text holds, with the library's error chain for texts that are not
// keys. Building the keys themselves stays in JWSKeys.

/// One key object of a JWK text, with the key type the library's probe read from it.
struct JWKObject {
    let kty: String
    let object: ObjectValue
}

enum JWKParse {
    /// jwk.Parse: a JSON object with a "keys" member is a set (each element parsed as a key),
    /// anything else is a sole key. Messages are the library's, without the caller's prefix.
    static func keys(_ text: String) throws(JWSKeyError) -> (keys: [JWKObject], isSet: Bool) {
        if case .object(let o)? = try? firstValue(text), let list = o["keys"] {
            let prefix = "jwk.Parse: failed to unmarshal JWK set: "
            guard case .array(let elements) = list else {
                throw JWSKeyError(prefix + "failed to decode \"keys\": expected '[' but got \(tokenText(list))")
            }
            var out: [JWKObject] = []
            for (i, element) in elements.enumerated() {
                do { out.append(try parseKey(element)) } catch {
                    throw JWSKeyError(prefix + "failed to decode key #\(i) in \"keys\": jwk.ParseKey: \(error.message)")
                }
            }
            return (out, true)
        }
        do { return ([try parseKey(try firstValue(text))], false) } catch {
            throw JWSKeyError("jwk.Parse: failed to parse sole key: jwk.ParseKey: \(error.message)")
        }
    }

    /// The first JSON value of `text` as Go's json.Decoder reads it (what follows is ignored).
    private static func firstValue(_ text: String) throws(JWSKeyError) -> Value {
        do { return try JSONReader.parse(text) } catch let e as JSONParseError {
            let bytes = Array(text.utf8)
            if e.message == "unexpected data after JSON value", let v = try? JSONReader.parse(bytes: Array(bytes[..<e.offset])) {
                return v
            }
            let blank = bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
            throw probeError(blank ? "EOF" : EncodingBuiltins.goJSONMessage(e, text))
        } catch { throw probeError("\(error)") }
    }

    private static func probeError(_ m: String) -> JWSKeyError {
        JWSKeyError("jwk.Parse: failed to probe data: probe: failed to unmarshal data: " + m)
    }

    /// A JSON token as Go's %v prints it (json.Decoder.Token).
    private static func tokenText(_ v: Value) -> String {
        switch v {
        case .null: return "<nil>"
        case .bool(let b): return b ? "true" : "false"
        case .string(let s): return s
        case .array, .set: return "["
        case .object: return "{"
        case .number: return RegoFormatter.format(v)
        }
    }

    /// jwk.ParseKey of one JSON value: the probe (kty and whether "d" is present, Go's
    /// case-insensitive field match), the key type, then the fields the key type requires.
    private static func parseKey(_ v: Value) throws(JWSKeyError) -> JWKObject {
        var kty = "", isPrivate = false
        switch v {
        case .null: break
        case .object(let o):
            for (k, fv) in o.pairs {
                guard case .string(let name) = k else { continue }
                if name.lowercased() == "kty" {
                    switch fv {
                    case .string(let s): kty = s
                    case .null: break
                    default: throw probeError("json: cannot unmarshal \(fv.goJSONKind) into Go struct field .kty of type string")
                    }
                } else if name.lowercased() == "d" {
                    isPrivate = true
                }
            }
        default:
            // Go prints the probe's anonymous struct type (its field order is not stable in OPA).
            throw probeError("json: cannot unmarshal \(v.goJSONKind) into Go value of type struct { Kty string \"json:\\\"kty\\\"\"; D json.RawMessage \"json:\\\"d,omitempty\\\"\" }")
        }
        let typeName: String, required: [String]
        switch kty {
        case "RSA": (typeName, required) = (isPrivate ? "rsaPrivateKey" : "rsaPublicKey", ["e", "n"])
        case "EC": (typeName, required) = (isPrivate ? "ecdsaPrivateKey" : "ecdsaPublicKey", ["crv", "x", "y"])
        case "OKP": (typeName, required) = (isPrivate ? "okpPrivateKey" : "okpPublicKey", ["crv", "x"])
        case "oct": (typeName, required) = ("symmetricKey", ["k"])
        default: throw JWSKeyError("invalid key type from JSON (\(kty))")
        }
        guard case .object(let o) = v else { throw JWSKeyError("invalid key type from JSON (\(kty))") }
        let prefix = "failed to unmarshal JSON into key (*jwk.\(typeName)): "
        func fail(_ m: String) -> JWSKeyError { JWSKeyError(prefix + prefix + m) }
        // Members are decoded one by one (here in key order), then the required ones checked.
        let binary: Set<String> = ["d", "dp", "dq", "e", "k", "n", "p", "q", "qi", "x", "y"]
        for (k, fv) in o.pairs {
            guard case .string(let name) = k else { continue }
            switch fv {
            case .string, .null: continue
            default:
                if binary.contains(name) || name == "kid" {
                    throw fail("failed to decode value for key \(name): error reading next value: json: cannot unmarshal \(fv.goJSONKind) into Go value of type string")
                }
                if name == "alg" || name == "crv" {
                    throw fail("failed to decode value for key \(name): json: cannot unmarshal \(fv.goJSONKind) into Go value of type string")
                }
            }
        }
        for name in (isPrivate ? ["d"] : []) + required {
            guard case .string? = o[name] else { throw fail("required field \(name) is missing") }
        }
        return JWKObject(kty: kty, object: o)
    }
}
