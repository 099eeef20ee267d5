import ArgumentParser
import Engine
import Foundation

/// `policyd bundle inspect B`: manifest, files (size, SHA-256), modules and packages, and the
/// signature's header and claims, without verifying anything.
struct BundleInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Show what a bundle holds (no verification).")

    @Argument(help: "Bundle .tar.gz or directory.")
    var bundle: String

    func run() throws {
        do {
            let files = try BundleArchive.read(path: bundle)
            print(try BundleSummary.inspect(files))
        } catch {
            throw BundleCLI.fail(error)
        }
    }
}
