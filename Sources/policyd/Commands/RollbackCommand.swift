import ArgumentParser
import Foundation
import Wire

/// `policyd rollback NAME REVISION`: asks the running daemon to re-activate a stored earlier
/// revision of bundle NAME (from its history in the state directory). The daemon verifies,
/// compiles and tests it again and activates it as a new activation. Needs an admin uid.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Re-activate an earlier revision of a bundle in the running daemon.")

    @Argument(help: "Bundle name.")
    var name: String

    @Argument(help: "Revision to go back to (as in the bundle's .manifest).")
    var revision: String

    @Option(help: "The daemon's socket.")
    var socket: String = "/run/policyd/policyd.sock"

    @Option(help: "Timeout in milliseconds.")
    var timeoutMs: Int = 30_000

    func run() async throws {
        let request: JSON = ["id": 1, "op": "rollback", "bundle": .string(name), "revision": .string(revision)]
        let client = PolicyClient(socketPath: socket, timeout: .milliseconds(Int64(timeoutMs)))
        let response = try await client.send(request)
        await client.close()
        print(response.text)
        if response["error"]?.objectValue != nil { throw ExitCode(2) }
    }
}
