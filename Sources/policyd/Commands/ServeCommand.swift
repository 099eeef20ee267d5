import ArgumentParser
import Foundation
import Logging

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the decision daemon.",
        discussion: """
            Serves decisions on a Unix socket: the socket passed by systemd (socket activation, \
            which wins over --socket), else the configured path. Loads the bundles, sends READY=1, \
            reloads on SIGHUP, drains and exits 0 on SIGTERM.
            """)

    @Option(help: "YAML config file (see config/policyd.yaml). Without it, built-in defaults.")
    var config: String?

    @Option(help: "Socket path to bind when not socket-activated (overrides socket.path).")
    var socket: String?

    @Option(help: "Bundle directory (overrides bundles.dir).")
    var bundles: String?

    @Option(name: .customLong("log-target"), help: "journal or stderr (overrides log.target).")
    var logTarget: String?

    func run() async throws {
        var cfg = Configuration()
        if let config {
            do { cfg = try ConfigLoader.load(file: config) } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                throw ExitCode(78)  // EX_CONFIG
            }
        }
        if let socket { cfg.socket.path = socket }
        if let bundles { cfg.bundles.dir = bundles }
        if let logTarget {
            guard let t = Configuration.Log.Target(rawValue: logTarget) else {
                throw ValidationError("--log-target must be journal or stderr")
            }
            cfg.log.target = t
        }
        try await Daemon(config: cfg).run()
    }
}
