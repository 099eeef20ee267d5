import Engine
import Foundation
import Yams

/// The bundle part of policyd's configuration (OPA's shapes where OPA has one):
///
///     keys:
///       prod: {algorithm: ES256, key_file: /etc/policyd/keys/prod.pem, scope: write}
///     bundles:
///       allow_unsigned: false          # only honoured when no key is configured
///       signing: {keyid: prod, scope: write, exclude_files: ["*.md"]}
///       limits: {max_compressed_bytes: …, max_uncompressed_bytes: …, max_files: …,
///                max_file_bytes: …, max_path_length: …}
struct BundleSettings: Sendable {
    var verification = VerificationConfig()
    var limits = BundleLimits.default

    /// From the whole config document (a Value); relative key files resolve against `baseDirectory`.
    static func parse(_ config: Value, baseDirectory: String) throws(BundleError) -> BundleSettings {
        var s = BundleSettings()
        if let keys = config["keys"], keys != .null {
            s.verification.keys = try VerificationConfig.parseKeys(keys, baseDirectory: baseDirectory)
        }
        if let bundles = config["bundles"] {
            s.verification.applyBundleSettings(bundles)
            if let l = bundles["limits"] {
                func int(_ k: String, _ d: Int) -> Int { l[k]?.numberValue?.exactInt ?? d }
                s.limits = BundleLimits(
                    maxCompressedBytes: int("max_compressed_bytes", s.limits.maxCompressedBytes),
                    maxUncompressedBytes: int("max_uncompressed_bytes", s.limits.maxUncompressedBytes),
                    maxFiles: int("max_files", s.limits.maxFiles),
                    maxFileBytes: int("max_file_bytes", s.limits.maxFileBytes),
                    maxPathLength: int("max_path_length", s.limits.maxPathLength))
            }
        }
        return s
    }

    static func load(file: String) throws(BundleError) -> BundleSettings {
        try parse(loadConfigValue(file: file), baseDirectory: (file as NSString).deletingLastPathComponent)
    }

    /// A YAML or JSON config file as a Value.
    static func loadConfigValue(file: String) throws(BundleError) -> Value {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw BundleError(.signature, .badKey, "cannot read config file \(file)")
        }
        do { return CanonicalJSON.value(try FileDigest.parseStructured([UInt8](data))) } catch {
            throw BundleError(.signature, .badKey, "cannot parse config file \(file): \(error)")
        }
    }
}


extension BundleSettings {
    /// From the daemon's parsed configuration (`keys`, `bundles.*`).
    static func from(_ config: Configuration, baseDirectory: String = FileManager.default.currentDirectoryPath) throws(BundleError)
        -> BundleSettings
    {
        var s = BundleSettings()
        var keys = ObjectBuilder()
        for (id, k) in config.keys {
            var entry = ObjectBuilder()
            entry["algorithm"] = .string(k.algorithm)
            if let v = k.key { entry["key"] = .string(v) }
            if let v = k.keyFile { entry["key_file"] = .string(v) }
            if let v = k.scope { entry["scope"] = .string(v) }
            keys[.string(id)] = .object(entry.build())
        }
        s.verification.keys = try VerificationConfig.parseKeys(.object(keys.build()), baseDirectory: baseDirectory)
        s.verification.keyID = config.bundles.signingKeyID
        s.verification.scope = config.bundles.signingScope
        s.verification.excludeFiles = config.bundles.excludeFiles
        s.verification.allowUnsigned = config.bundles.allowUnsigned
        s.limits = BundleLimits(maxCompressedBytes: config.bundles.maxCompressedBytes,
                                maxUncompressedBytes: config.bundles.maxBundleBytes,
                                maxFiles: config.bundles.maxFiles,
                                maxFileBytes: config.bundles.maxFileBytes,
                                maxPathLength: config.bundles.maxPathLength)
        return s
    }
}
