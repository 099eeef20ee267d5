import ArgumentParser
import Foundation

/// `policyd bundle build DIR -o B.tar.gz [--revision R] [--signing-key K --signing-alg A
/// --keyid ID --claims-file F]`, producing what `opa build -b` produces.
struct BundleBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "build", abstract: "Build a bundle tarball from a directory.")

    @Argument(help: "Bundle directory (modules, data.json/data.yaml files, optional .manifest).")
    var directory: String

    @Option(name: [.short, .customLong("output")], help: "Output .tar.gz path.")
    var output: String = "bundle.tar.gz"

    @Option(help: "Set the manifest revision.")
    var revision: String?

    @Option(name: .customLong("signing-key"), help: "PEM private key or HMAC secret (file path or literal).")
    var signingKey: String?

    @Option(name: .customLong("signing-alg"), help: "Signing algorithm (RS256 default, PS*, ES*, HS*, EdDSA).")
    var signingAlg: String = "RS256"

    @Option(name: [.customLong("keyid"), .customLong("verification-key-id")], help: "Key id for the JWT kid (default 'default').")
    var keyID: String?

    @Option(name: .customLong("claims-file"), help: "JSON object of extra claims (e.g. scope); no keyid is written then.")
    var claimsFile: String?

    func run() throws {
        let signing = try BundleCLI.signing(key: signingKey, algorithm: signingAlg, keyID: keyID, claimsFile: claimsFile)
        let bytes: [UInt8]
        do { bytes = try BundleBuilder.build(directory: directory, revision: revision, signing: signing) } catch {
            throw BundleCLI.fail(error)
        }
        try BundleCLI.write(bytes, to: output)
        print("wrote \(output) (\(bytes.count) bytes\(signing == nil ? ", unsigned" : ", signed \(signingAlg)"))")
    }
}
