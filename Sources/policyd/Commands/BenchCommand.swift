import ArgumentParser

/// `policyd bench …`: the performance benchmarks of docs/performance.md.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: in-process engine, socket load, memory, bundle activation, builtins.",
        subcommands: [BenchEngineCommand.self, BenchSocketCommand.self, BenchMemoryCommand.self,
                      BenchBundleCommand.self, BenchBuiltinsCommand.self])
}
