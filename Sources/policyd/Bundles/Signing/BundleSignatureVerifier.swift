import Engine

/// OPA's bundle signature scheme (reference B.1–B.6) over a bundle's normalised files:
/// exactly one JWS in `.signatures.json`, key chosen by configured keyid / header kid /
/// payload keyid, header `alg` equal to the key's algorithm (stricter than OPA), scope check,
/// then exact set equality between the bundle's files and the signed list, by digest.
enum BundleSignatureVerifier {
    static let signaturesFile = ".signatures.json"

    /// What a successful verification established.
    struct Result: Sendable {
        var keyID: String
        var algorithm: SigningAlgorithm
        var scope: String
        /// name → hex digest, for every file checked (excluded files are absent).
        var verifiedDigests: [String: String]
    }

    /// `config == nil` means nothing is configured (no keys, no keyid, allow_unsigned off).
    /// Returns nil for an unsigned bundle that the configuration allows.
    static func verify(files: [BundleFile], config: VerificationConfig?) throws(BundleError) -> Result? {
        var parsed = FileDigest.ParsedFiles()
        return try verify(files: files, config: config, parsed: &parsed)
    }

    /// As above; structured files parsed for their digests are left in `parsed` for loading.
    static func verify(files: [BundleFile], config: VerificationConfig?, parsed: inout FileDigest.ParsedFiles)
        throws(BundleError) -> Result?
    {
        guard let sigFile = files.first(where: { $0.name == signaturesFile }) else {
            let cfg = config ?? VerificationConfig()
            if cfg.keyID != nil || !cfg.keys.isEmpty {
                throw BundleError(.signature, .signaturesMissing, "bundle missing .signatures.json file")
            }
            if !cfg.allowUnsigned {
                throw BundleError(.signature, .unsignedNotAllowed, "bundle is not signed and bundles.allow_unsigned is off")
            }
            return nil
        }
        let token = try parseSignaturesFile(sigFile.bytes)
        guard let config else { throw BundleError(.signature, .noVerificationKey, "verification key not provided") }
        let (claims, keyID, key) = try verifyToken(token, config: config)
        let digests = try verifyFiles(files, claims: claims, excludes: config.excludeFiles, parsed: &parsed)
        return Result(keyID: keyID, algorithm: key.algorithm, scope: claims.scope ?? "", verifiedDigests: digests)
    }

    /// `{"signatures":[token], "plugin": ""|"_default"}`; exactly one token.
    static func parseSignaturesFile(_ bytes: [UInt8]) throws(BundleError) -> String {
        func fail(_ reason: BundleError.Reason, _ m: String) -> BundleError {
            BundleError(.signature, reason, m, file: signaturesFile)
        }
        let raw: RawJSON
        do { raw = try CanonicalJSON.parse(bytes) } catch { throw fail(.badToken, ".signatures.json is not JSON: \(error)") }
        guard case .object(let members) = raw else { throw fail(.badToken, ".signatures.json must be a JSON object") }
        var tokens: [String] = []
        for (key, v) in members {
            switch key {
            case "signatures":
                if case .null = v { continue }
                guard case .array(let items) = v else { throw fail(.badToken, ".signatures.json: signatures must be an array of strings") }
                for item in items {
                    guard case .string(let s) = item else { throw fail(.badToken, ".signatures.json: signatures must be an array of strings") }
                    tokens.append(s)
                }
            case "plugin":
                if case .null = v { continue }
                guard case .string(let p) = v else { throw fail(.badToken, ".signatures.json: plugin must be a string") }
                guard p.isEmpty || p == "_default" else { throw fail(.badToken, "no verifier exists under id \(p)") }
            default:
                break
            }
        }
        // Presence of the file means "signed": `{}` is not a way to skip verification.
        if tokens.isEmpty { throw fail(.signatureCount, ".signatures.json: missing JWT (expected exactly one)") }
        if tokens.count > 1 { throw fail(.signatureCount, ".signatures.json: multiple JWTs not supported (expected exactly one)") }
        return tokens[0]
    }

    /// Verifies the token itself; returns its claims and the key id and key that verified it.
    static func verifyToken(_ token: String, config: VerificationConfig) throws(BundleError)
        -> (SignatureClaims, String, VerificationKey)
    {
        let jws = try CompactJWS(token)
        guard let alg = try jws.headerString("alg"), !alg.isEmpty else {
            throw BundleError(.signature, .badToken, "JWT header has no alg")
        }
        if alg == "none" { throw BundleError(.signature, .badSignature, "unsecured JWS (alg none) is never accepted") }
        var keyID = config.keyID ?? ""
        if keyID.isEmpty { keyID = try jws.headerString("kid") ?? "" }
        if keyID.isEmpty { keyID = try SignatureClaims.decode(jws.payloadBytes).keyID ?? "" }
        guard !keyID.isEmpty else { throw BundleError(.signature, .noKeyID, "verification key ID is empty") }
        guard let key = config.keys[keyID] else {
            throw BundleError(.signature, .unknownKey, "verification key corresponding to ID \(keyID) not found")
        }
        // OPA never reads the header alg; we require it to name the configured algorithm.
        guard alg == key.algorithm.rawValue else {
            throw BundleError(.signature, .badSignature,
                              "JWS header alg \(alg) does not match algorithm \(key.algorithm.rawValue) configured for key \(keyID)")
        }
        guard try key.algorithm.verify(message: jws.signingInput, signature: jws.signature, key: key.material) else {
            throw BundleError(.signature, .badSignature, "failed to verify message: signature does not match key \(keyID) (\(alg))")
        }
        let claims = try SignatureClaims.decode(jws.payloadBytes)
        let now = Int(EvalContext.wallClockNs() / 1_000_000_000)
        if let exp = claims.expiresAt, now >= exp {
            throw BundleError(.signature, .signatureExpired, "bundle signature expired at \(exp) (now \(now))")
        }
        if let nbf = claims.notBefore, now < nbf {
            throw BundleError(.signature, .signatureExpired, "bundle signature not valid before \(nbf) (now \(now))")
        }
        let required = config.scope ?? key.scope ?? ""
        guard (claims.scope ?? "") == required else {
            throw BundleError(.signature, .scopeMismatch, "scope mismatch: bundle signed for '\(claims.scope ?? "")', '\(required)' required")
        }
        return (claims, keyID, key)
    }

    /// Every bundle file (but `.signatures.json`) is listed with a matching digest, unless
    /// excluded, and every listed file exists.
    static func verifyFiles(_ files: [BundleFile], claims: SignatureClaims, excludes: [String],
                            parsed: inout FileDigest.ParsedFiles) throws(BundleError) -> [String: String]
    {
        var listed: [String: SignatureClaims.FileEntry] = [:]
        for e in claims.files { listed[e.name] = e }  // a repeated name: the last entry wins, as in OPA
        let globs = excludes.map { PathGlob($0, dialect: .filepath) }
        var verified: [String: String] = [:]
        for file in files where file.name != signaturesFile {
            if globs.contains(where: { $0.matches(file.name) }) {
                listed[file.name] = nil
                continue
            }
            guard let entry = listed[file.name] else {
                throw BundleError(.signature, .fileNotSigned, "file \(file.name) not included in bundle signature", file: file.name)
            }
            guard !entry.algorithm.isEmpty else {
                throw BundleError(.signature, .missingHashAlgorithm, "no hashing algorithm provided for file \(file.name)", file: file.name)
            }
            guard let algorithm = HashAlgorithm(rawValue: entry.algorithm) else {
                throw BundleError(.signature, .unsupportedHashAlgorithm, "unsupported hashing algorithm: \(entry.algorithm) for file \(file.name)", file: file.name)
            }
            if BundlePath.basename(file.name) == "data.yaml" {
                throw BundleError(.signature, .unsupportedFeature,
                                  "signed data.yaml is not supported (its canonical digest is not pinned); use data.json", file: file.name)
            }
            let got = algorithm.digest(try FileDigest.digestInput(name: file.name, bytes: file.bytes, parsed: &parsed))
            guard let want = FileDigest.unhex(entry.hash), want == got else {
                throw BundleError(.signature, .digestMismatch,
                                  "\(file.name): digest mismatch (want: \(entry.hash), got: \(FileDigest.hex(got)))", file: file.name)
            }
            verified[file.name] = FileDigest.hex(got)
            listed[file.name] = nil
        }
        if !listed.isEmpty {
            let names = listed.keys.sorted().joined(separator: " ")
            throw BundleError(.signature, .signedFileMissing, "file(s) [\(names)] specified in bundle signatures but not found in the target bundle")
        }
        return verified
    }
}
