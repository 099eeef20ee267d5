import ArgumentParser

@main
struct PolicyD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policyd",
        abstract: "Decides whether a local AI agent may make a tool call, with Rego policies from signed bundles.",
        version: "0.1.0",
        subcommands: [EvalCommand.self]
    )
}
