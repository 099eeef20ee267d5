import Engine
import Foundation

/// A configured verification key: OPA's `keys.<id>` entry.
struct VerificationKey: Sendable {
    var algorithm: SigningAlgorithm
    /// PEM text of a public key, or the HMAC secret's bytes.
    var material: [UInt8]
    var scope: String?
}

/// What a bundle must satisfy to be trusted: OPA's `keys` plus `bundles.<name>.signing`, and
/// policyd's `allow_unsigned` escape hatch (honoured only when no key is configured at all).
struct VerificationConfig: Sendable {
    var keys: [String: VerificationKey] = [:]
    /// Pins the key id (beats the token's `kid`).
    var keyID: String? = nil
    /// Required scope (else the chosen key's scope, else "").
    var scope: String? = nil
    /// Go filepath.Match globs over root-relative names, skipped by file verification.
    var excludeFiles: [String] = []
    var allowUnsigned = false

    /// A signature is demanded whenever any key or key id is configured (stricter than OPA,
    /// which accepts unsigned bundles when keys exist but no keyid is set).
    var requiresSignature: Bool { !keys.isEmpty || keyID != nil || !allowUnsigned }

    /// Parses OPA's `keys` map: id → {algorithm (default RS256), key | key_file, scope}.
    /// `key_file` is resolved against `baseDirectory`. Every key is checked to load.
    static func parseKeys(_ value: Value, baseDirectory: String) throws(BundleError) -> [String: VerificationKey] {
        guard case .object(let o) = value else { throw BundleError(.signature, .badKey, "keys must be a map of key id to key") }
        var keys: [String: VerificationKey] = [:]
        for (k, v) in o.pairs {
            guard let id = k.stringValue, case .object(let entry) = v else {
                throw BundleError(.signature, .badKey, "keys.\(k) must be a map")
            }
            let algorithm = try SigningAlgorithm(name: entry["algorithm"]?.stringValue ?? "RS256")
            let material: [UInt8]
            if let inline = entry["key"]?.stringValue {
                material = Array(inline.utf8)
            } else if let file = entry["key_file"]?.stringValue {
                let path = file.hasPrefix("/") ? file : baseDirectory + "/" + file
                guard let data = FileManager.default.contents(atPath: path) else {
                    throw BundleError(.signature, .badKey, "keys.\(id): cannot read key_file \(path)")
                }
                material = [UInt8](data)
            } else {
                throw BundleError(.signature, .badKey, "keys.\(id): one of key or key_file is required")
            }
            do { try algorithm.validatePublicKey(material) } catch {
                throw BundleError(.signature, .badKey, "keys.\(id): \(error.message)")
            }
            keys[id] = VerificationKey(algorithm: algorithm, material: material, scope: entry["scope"]?.stringValue)
        }
        return keys
    }

    /// Reads `signing` (keyid, scope, exclude_files) and `allow_unsigned` from a bundles block.
    mutating func applyBundleSettings(_ bundles: Value) {
        if let b = bundles["allow_unsigned"]?.boolValue { allowUnsigned = b }
        if let signing = bundles["signing"] {
            keyID = signing["keyid"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            scope = signing["scope"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            excludeFiles = signing["exclude_files"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
    }
}
