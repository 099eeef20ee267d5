import ArgumentParser
import Foundation

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file: unknown keys and wrong types are reported with key and line.")

    @Argument(help: "The YAML config file.")
    var file: String

    func run() throws {
        do {
            let c = try ConfigLoader.load(file: file)
            print("\(file): ok (socket \(c.socket.path), bundles \(c.bundles.dir), default path \(c.defaultPath.joined(separator: "/")))")
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
