import ArgumentParser
import Foundation

/// `policyd bundle sign PATH --signing-key K [--signing-alg A] [--keyid ID] [--claims-file F]
/// [-o OUT]`: a directory gets a `.signatures.json` (written into OUT, default the directory
/// itself); a tarball is rewritten with a fresh signature (to OUT, default in place).
struct BundleSignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sign", abstract: "Sign a bundle directory or tarball.")

    @Argument(help: "Bundle directory or .tar.gz.")
    var path: String

    @Option(name: .customLong("signing-key"), help: "PEM private key or HMAC secret (file path or literal).")
    var signingKey: String

    @Option(name: .customLong("signing-alg"))
    var signingAlg: String = "RS256"

    @Option(name: [.customLong("keyid"), .customLong("verification-key-id")])
    var keyID: String?

    @Option(name: .customLong("claims-file"))
    var claimsFile: String?

    @Option(name: [.short, .customLong("output")], help: "Output directory (for a directory) or file (for a tarball).")
    var output: String?

    func run() throws {
        guard let signing = try BundleCLI.signing(key: signingKey, algorithm: signingAlg, keyID: keyID, claimsFile: claimsFile) else { return }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ValidationError("no such bundle: \(path)")
        }
        do {
            let files = try BundleArchive.read(path: path)
            if isDirectory.boolValue {
                let sig = try BundleBuilder.signaturesFile(for: files, signing: signing)
                let target = (output ?? path) + "/" + BundleSignatureVerifier.signaturesFile
                try BundleCLI.write(sig, to: target)
                print("wrote \(target)")
            } else {
                let bytes = try BundleBuilder.archive(files: files, signing: signing)
                try BundleCLI.write(bytes, to: output ?? path)
                print("wrote \(output ?? path) (signed \(signingAlg))")
            }
        } catch let error as BundleError {
            throw BundleCLI.fail(error)
        }
    }
}
