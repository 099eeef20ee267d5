import ArgumentParser
import Engine
import Foundation

/// `policyd log show ID` and `policyd log tail [-f]`: read the decision log (the audit trail).
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Read the decision log.",
        subcommands: [Show.self, Tail.self]
    )

    struct Location: ParsableArguments {
        @Option(name: .long, help: "The decision log file (default: decision_log.path from the config).")
        var log: String?

        @Option(name: .long, help: "policyd config file to take decision_log.path and the state directory from.")
        var config: String?

        func resolve() throws -> String {
            if let log { return log }
            return try DecisionLogLocation.path(configFile: config)
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one decision log entry.")

        @Argument(help: "The decision id (as returned to the client and shown in the journal).")
        var decisionID: String

        @OptionGroup var location: Location

        @Flag(name: .long, help: "Print the entry as one compact JSON line instead of indented.")
        var compact = false

        func run() throws {
            let path = try location.resolve()
            guard let line = try DecisionLogReader(path: path).line(for: decisionID) else {
                FileHandle.standardError.write(Data("policyd log show: no decision \(decisionID) in \(path)\n".utf8))
                throw ExitCode(1)
            }
            if compact {
                print(line)
            } else {
                _ = try JSONReader.parse(line)  // a damaged line is reported, not half-printed
                print(JSONIndenter.indent(line))
            }
        }
    }

    struct Tail: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the latest entries; -f keeps following.")

        @OptionGroup var location: Location

        @Option(name: [.customShort("n"), .long], help: "How many entries to print first.")
        var lines = 10

        @Flag(name: .shortAndLong, help: "Keep printing entries as they are written (follows rotation).")
        var follow = false

        @Flag(name: .long, help: "Print one summary line per entry (id, time, decision, path, reasons).")
        var summary = false

        func run() throws {
            let reader = DecisionLogReader(path: try location.resolve())
            try reader.tail(last: lines, follow: follow) { line in
                emit(line)
                return true
            }
        }

        func emit(_ line: String) {
            guard summary, let r = try? DecisionRecord(json: line) else {
                write(line)
                return
            }
            var s = "\(r.decisionID) \(RFC3339.format(ns: r.timestampNs)) \(r.decision) \(r.path)"
            if !r.reasons.isEmpty { s += " — " + r.reasons.joined(separator: "; ") }
            write(s)
        }

        /// Unbuffered, so `tail -f | grep` sees each entry at once.
        func write(_ s: String) {
            FileHandle.standardOutput.write(Data((s + "\n").utf8))
        }
    }
}

/// Where the decision log lives according to a config file (or the defaults).
enum DecisionLogLocation {
    static let defaultConfig = "/etc/policyd/policyd.yaml"

    /// The daemon's configuration from `configFile`, or from the default file when it exists,
    /// else the built-in defaults.
    static func configuration(_ configFile: String?) throws -> Configuration {
        let file = configFile ?? defaultConfig
        guard configFile != nil || FileManager.default.fileExists(atPath: file) else { return Configuration() }
        return try ConfigLoader.load(file: file)
    }

    static func path(configFile: String?) throws -> String {
        let config = try configuration(configFile)
        // As the daemon does: systemd's STATE_DIRECTORY wins over state_dir.
        let stateDir = ProcessInfo.processInfo.environment["STATE_DIRECTORY"]
            .flatMap { $0.split(separator: ":").first.map(String.init) } ?? config.stateDir
        return config.decisionLog.resolvedPath(stateDirectory: stateDir)
    }
}
