import Engine

/// `bundle build` / `bundle sign`: produce bundles the way `opa build -b` does, so that OPA
/// and policyd verify each other's output.
enum BundleBuilder {
    struct SigningOptions {
        var algorithm: SigningAlgorithm
        /// PEM private key, or the HMAC secret.
        var key: [UInt8]
        /// Header `kid` and payload `keyid` (omitted when a claims file is given, as OPA does).
        var keyID: String?
        /// Extra claims (`--claims-file`): a JSON object.
        var claims: RawJSON?
    }

    /// Builds a .tar.gz from a bundle directory: modules at their paths, all data merged into
    /// `/data.json`, `/.manifest`, decision case files, and `/.signatures.json` when signing.
    static func build(directory: String, revision: String?, signing: SigningOptions?,
                      limits: BundleLimits = .default) throws(BundleError) -> [UInt8]
    {
        let source = try BundleArchive.readDirectory(directory, limits: limits)
            .filter { $0.name != BundleSignatureVerifier.signaturesFile }
        var unsigned = VerificationConfig()
        unsigned.allowUnsigned = true
        let bundle = try BundleReader.load(files: source, name: "build", config: unsigned)
        var manifest = bundle.manifest
        if let revision { manifest.revision = revision }

        var files: [BundleFile] = bundle.modules.map { BundleFile(name: $0.name, bytes: Array($0.source.utf8)) }
        files.append(BundleFile(name: "data.json", bytes: JSONWriter.data(bundle.data)))
        files.append(BundleFile(name: ".manifest", bytes: manifest.encoded()))
        // Decision case files travel with the bundle: activation and the `test` admin op run them.
        files += source.filter(TestSources.isCaseFile)
        return try archive(files: files, signing: signing)
    }

    /// Re-signs an existing bundle's files (any old signature is dropped).
    static func archive(files: [BundleFile], signing: SigningOptions?) throws(BundleError) -> [UInt8] {
        let content = files.filter { $0.name != BundleSignatureVerifier.signaturesFile }
        var writer = TarWriter()
        for f in content { writer.add(name: f.name, contents: f.bytes) }
        if let signing {
            writer.add(name: BundleSignatureVerifier.signaturesFile, contents: try signaturesFile(for: content, signing: signing))
        }
        return TarWriter.gzip(writer.finish())
    }

    /// `.signatures.json` for `files`: SHA-256 of each (canonical form for structured files).
    static func signaturesFile(for files: [BundleFile], signing: SigningOptions) throws(BundleError) -> [UInt8] {
        var entries: [SignatureClaims.FileEntry] = []
        for f in files where f.name != BundleSignatureVerifier.signaturesFile {
            let digest = HashAlgorithm.sha256.digest(try FileDigest.digestInput(name: f.name, bytes: f.bytes))
            entries.append(.init(name: f.name, hash: FileDigest.hex(digest), algorithm: HashAlgorithm.sha256.rawValue))
        }
        let keyID = signing.claims == nil ? (signing.keyID ?? "default") : signing.keyID
        let payload = SignatureClaims.encodePayload(files: entries, keyID: keyID, extraClaims: signing.claims)
        let token = try CompactJWS.sign(payload: payload, algorithm: signing.algorithm, keyID: keyID, key: signing.key)
        return CanonicalJSON.canonicalBytes(.object([("signatures", .array([.string(token)])), ("plugin", .string("_default"))]))
    }
}
