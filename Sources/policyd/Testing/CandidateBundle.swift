/// A bundle that is not served (yet): the `test` admin op's candidate and `policyd replay
/// --bundle`. It is read and verified exactly as a drop is (BundleReader: archive limits, path
/// hygiene, signature, manifest, roots) with the given verification settings.
enum CandidateBundle {
    /// `unsigned`: the caller explicitly accepts a bundle without `.signatures.json` (a draft
    /// directory), whatever keys are configured. A signature that is present is still verified.
    static func load(path: String, name: String, settings: BundleSettings, unsigned: Bool) throws(BundleError) -> LoadedBundle {
        let files = try BundleArchive.read(path: path, limits: settings.limits)
        var verification = settings.verification
        if unsigned && !files.contains(where: { $0.name == BundleSignatureVerifier.signaturesFile }) {
            verification = VerificationConfig()
            verification.allowUnsigned = true
        }
        return try BundleReader.load(files: files, name: name, config: verification)
    }
}
