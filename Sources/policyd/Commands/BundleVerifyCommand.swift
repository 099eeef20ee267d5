import ArgumentParser
import Engine
import Foundation

/// `policyd bundle verify B (--config FILE | --verification-key K [--verification-key-id ID]
/// [--signing-alg A] [--scope S] [--exclude-files-verify GLOB…])`: every check activation
/// makes short of compiling. Exit 0 and a summary when valid, 2 and the reason otherwise.
struct BundleVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Verify a bundle's signature, limits, manifest and roots.")

    @Argument(help: "Bundle .tar.gz or directory.")
    var bundle: String

    @Option(help: "policyd config file (keys, bundles.signing, bundles.limits).")
    var config: String?

    @Option(name: .customLong("verification-key"), help: "PEM public key or HMAC secret (file path or literal).")
    var verificationKey: String?

    @Option(name: .customLong("verification-key-id"))
    var verificationKeyID: String = "default"

    @Option(name: .customLong("signing-alg"))
    var signingAlg: String = "RS256"

    @Option(help: "Required scope.")
    var scope: String?

    @Option(name: .customLong("exclude-files-verify"), parsing: .upToNextOption, help: "Globs of files not verified.")
    var excludeFilesVerify: [String] = []

    @Flag(name: .customLong("allow-unsigned"), help: "Accept an unsigned bundle when no key is given.")
    var allowUnsigned = false

    func validate() throws {
        if config != nil && verificationKey != nil { throw ValidationError("use either --config or --verification-key") }
    }

    func run() throws {
        do {
            var settings = try BundleCLI.verificationSettings(config: config, verificationKey: verificationKey,
                                                              keyID: verificationKeyID, signingAlg: signingAlg)
            if let scope { settings.verification.scope = scope }
            if !excludeFilesVerify.isEmpty { settings.verification.excludeFiles = excludeFilesVerify }
            if allowUnsigned { settings.verification.allowUnsigned = true }
            let name = BundleNaming.name(forPath: bundle) ?? "bundle"
            let loaded = try BundleReader.load(path: bundle, name: name, config: settings.verification, limits: settings.limits)
            print(BundleSummary.text(loaded))
        } catch {
            throw BundleCLI.fail(error)
        }
    }
}
