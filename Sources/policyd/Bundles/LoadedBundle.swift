import Engine

/// A bundle that passed the archive, signature, manifest, data and roots checks: everything
/// the engine needs to compile it, plus what status and decision logs report.
struct LoadedBundle: Sendable {
    var name: String
    var manifest: BundleManifest
    /// All data files merged into one tree (without `data.system.bundles`).
    var data: Value
    var modules: [RegoModule]
    /// Package path of each module, by module name.
    var packages: [String: [String]]
    var files: [BundleFile]
    /// nil when the bundle was unsigned and that was allowed.
    var signature: BundleSignatureVerifier.Result?

    var revision: String { manifest.revision }
    var roots: [String] { manifest.roots }
}
