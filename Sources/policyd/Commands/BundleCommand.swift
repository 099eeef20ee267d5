import ArgumentParser
import Foundation

/// `policyd bundle …`: build, sign, verify and inspect OPA bundles (OPA's flag names).
struct BundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Build, sign, verify and inspect OPA bundles.",
        subcommands: [BundleBuildCommand.self, BundleSignCommand.self, BundleVerifyCommand.self, BundleInspectCommand.self]
    )
}

/// Shared option handling for the bundle commands.
enum BundleCLI {
    /// OPA's key flags take either a file path or the literal key/secret.
    static func keyMaterial(_ flag: String) -> [UInt8] {
        if let data = FileManager.default.contents(atPath: flag) { return [UInt8](data) }
        return Array(flag.utf8)
    }

    /// Verification settings from `--config FILE` or OPA's `--verification-key` flags (shared by
    /// `bundle verify` and `replay`, so a candidate is checked the same way everywhere).
    static func verificationSettings(config: String?, verificationKey: String?, keyID: String,
                                     signingAlg: String) throws(BundleError) -> BundleSettings {
        var settings = BundleSettings()
        if let config { settings = try BundleSettings.load(file: config) }
        if let verificationKey {
            let alg = try SigningAlgorithm(name: signingAlg)
            let material = keyMaterial(verificationKey)
            try alg.validatePublicKey(material)
            settings.verification.keys = [keyID: VerificationKey(algorithm: alg, material: material, scope: nil)]
            settings.verification.keyID = keyID
        }
        return settings
    }

    static func signing(key: String?, algorithm: String, keyID: String?, claimsFile: String?) throws -> BundleBuilder.SigningOptions? {
        guard let key else { return nil }
        var claims: RawJSON? = nil
        if let claimsFile {
            guard let data = FileManager.default.contents(atPath: claimsFile) else {
                throw ValidationError("cannot read claims file \(claimsFile)")
            }
            claims = try CanonicalJSON.parse([UInt8](data))
            guard case .object = claims! else { throw ValidationError("claims file must hold a JSON object") }
        }
        return BundleBuilder.SigningOptions(algorithm: try SigningAlgorithm(name: algorithm), key: keyMaterial(key),
                                            keyID: keyID, claims: claims)
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        // Write beside the target and rename, so a watched directory never sees a partial file.
        let tmp = path + ".tmp-\(getpid())"
        guard FileManager.default.createFile(atPath: tmp, contents: Data(bytes)) else {
            throw ValidationError("cannot write \(tmp)")
        }
        guard rename(tmp, path) == 0 else {
            unlink(tmp)
            throw ValidationError("cannot rename \(tmp) to \(path)")
        }
    }

    static func fail(_ error: BundleError) -> ExitCode {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        return ExitCode(2)
    }
}
