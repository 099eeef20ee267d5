import ArgumentParser
import Foundation
import NIOCore
import Wire

struct QueryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Send one request to a running daemon and print its response.",
        discussion: """
            Examples:
              policyd query --socket run/policyd.sock --input '{"tool":"fs.read"}'
              policyd query --socket run/policyd.sock --op health
              policyd query --socket run/policyd.sock --raw '{"op":"eval","path":"behavry/authz"}'
            """)

    @Option(help: "The daemon's socket.")
    var socket: String = "/run/policyd/policyd.sock"

    @Option(help: "decide, eval, health, status, reload or rollback.")
    var op: String = "decide"

    @Option(help: "Entrypoint path, e.g. behavry/authz (default: the daemon's default_path).")
    var path: String?

    @Option(help: "Request kind (mapped to an entrypoint by the daemon's config).")
    var kind: String?

    @Option(help: "Input document as JSON text.")
    var input: String?

    @Option(name: .customLong("input-file"), help: "Read the input document from a JSON file ('-' = stdin).")
    var inputFile: String?

    @Option(help: "Send this JSON request object verbatim (ignores --op/--path/--input).")
    var raw: String?

    @Option(name: .customLong("repeat"), help: "Send the request this many times, pipelined on one connection (ids 1…N); one response per line.")
    var count: Int = 1

    @Option(help: "Timeout in milliseconds.")
    var timeoutMs: Int = 5000

    func run() async throws {
        let request: JSON
        if let raw {
            request = try JSON.parse(raw)
        } else {
            guard let wireOp = WireOp(rawValue: op) else { throw ValidationError("unknown --op \(op)") }
            var inputDoc: JSON?
            if let input { inputDoc = try JSON.parse(input) }
            if let inputFile {
                inputDoc = try JSON.parse(FileInput.read(inputFile))
            }
            switch wireOp {
            case .decide: request = Request.decide(id: 1, path: path, kind: kind, input: inputDoc ?? .object([]))
            case .eval: request = Request.eval(id: 1, path: path ?? "", input: inputDoc)
            default: request = Request.simple(wireOp, id: 1)
            }
        }
        let client = PolicyClient(socketPath: socket, timeout: .milliseconds(Int64(timeoutMs)))
        let requests: [JSON] = (1...max(1, self.count)).map { i in
            guard self.count > 1, case .object(var pairs) = request else { return request }
            pairs.removeAll { $0.0 == "id" }
            pairs.insert(("id", .int(i)), at: 0)
            return .object(pairs)
        }
        let responses = try await client.batch(requests)
        await client.close()
        for r in responses { print(r.text) }
        if responses.contains(where: { $0["error"]?.objectValue != nil }) { throw ExitCode(2) }
    }
}
