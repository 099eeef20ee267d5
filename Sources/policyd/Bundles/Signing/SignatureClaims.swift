/// The JWT payload of a bundle signature (reference B.3), decoded with OPA's type rules:
/// a known claim of the wrong JSON type is an error; unknown claims are ignored.
struct SignatureClaims: Sendable {
    struct FileEntry: Sendable, Equatable {
        var name: String
        var hash: String
        var algorithm: String
    }

    var files: [FileEntry] = []
    var scope: String? = nil
    var keyID: String? = nil
    var issuedAt: Int? = nil
    var issuer: String? = nil
    /// `exp` / `nbf` (seconds since the epoch). OPA ignores both; policyd enforces them when
    /// present, so a signer can give a bundle signature a lifetime.
    var expiresAt: Int? = nil
    var notBefore: Int? = nil

    static func decode(_ bytes: [UInt8]) throws(BundleError) -> SignatureClaims {
        func fail(_ m: String) -> BundleError { BundleError(.signature, .badPayload, m) }
        let raw: RawJSON
        do { raw = try CanonicalJSON.parse(bytes) } catch { throw fail("JWT payload is not JSON: \(error)") }
        guard case .object(let members) = raw else { throw fail("JWT payload is not a JSON object") }
        var c = SignatureClaims()
        func string(_ v: RawJSON, _ field: String) throws(BundleError) -> String? {
            switch v {
            case .string(let s): return s
            case .null: return nil
            default: throw fail("JWT claim \(field) must be a string")
            }
        }
        for (key, v) in members {
            switch key {
            case "files":
                if case .null = v { continue }
                guard case .array(let items) = v else { throw fail("JWT claim files must be an array of file entries") }
                for item in items {
                    guard case .object(let fields) = item else { throw fail("JWT claim files must be an array of file entries") }
                    var e = FileEntry(name: "", hash: "", algorithm: "")
                    for (fk, fv) in fields {
                        switch fk {
                        case "name": e.name = try string(fv, "files[].name") ?? ""
                        case "hash": e.hash = try string(fv, "files[].hash") ?? ""
                        case "algorithm": e.algorithm = try string(fv, "files[].algorithm") ?? ""
                        default: break
                        }
                    }
                    c.files.append(e)
                }
            case "scope": c.scope = try string(v, "scope")
            case "keyid": c.keyID = try string(v, "keyid")
            case "iss": c.issuer = try string(v, "iss")
            case "iat":
                // A Go int64: a JSON integer literal; strings, fractions and exponents fail.
                if case .null = v { continue }
                guard case .number(let text) = v, let n = Int(text) else { throw fail("JWT claim iat must be an integer number") }
                c.issuedAt = n
            case "exp", "nbf":
                if case .null = v { continue }
                guard case .number(let text) = v, let n = Int(text) ?? Double(text).map({ Int($0) }) else {
                    throw fail("JWT claim \(key) must be a number")
                }
                if key == "exp" { c.expiresAt = n } else { c.notBefore = n }
            default:
                break
            }
        }
        return c
    }

    /// The payload `opa build` signs: `files` (+ `keyid` when no claims file), or the claims
    /// file's object with `files` set.
    static func encodePayload(files: [FileEntry], keyID: String?, extraClaims: RawJSON?) -> [UInt8] {
        var members: [(String, RawJSON)] = []
        if case .object(let extra)? = extraClaims { members = extra.filter { $0.0 != "files" } }
        let list: RawJSON = .array(files.map {
            .object([("name", .string($0.name)), ("hash", .string($0.hash)), ("algorithm", .string($0.algorithm))])
        })
        members.insert(("files", list), at: 0)
        if let keyID, !keyID.isEmpty, extraClaims == nil { members.append(("keyid", .string(keyID))) }
        return CanonicalJSON.canonicalBytes(.object(members))
    }
}
