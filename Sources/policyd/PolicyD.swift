import ArgumentParser

@main
struct PolicyD: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policyd",
        abstract: "Decides whether a local AI agent may make a tool call, with Rego policies from signed bundles.",
        discussion: """
            Subcommands:
              serve         run the daemon (socket activation, sd_notify, journald logging)
              query         send one request to a running daemon and print the response
              check-config  validate a YAML config file
              bundle        build, sign, verify and inspect OPA bundles
              rollback      re-activate an earlier revision of a bundle (running daemon)
              test          run a policy's Rego tests and decision case files
              log           show or follow the decision log
              replay        re-evaluate logged decisions under a candidate bundle
              rollback      re-activate an earlier revision of a bundle
              eval          evaluate a Rego query (like opa eval)
              bench         benchmarks: engine, socket, memory, bundle activation
            """,
        version: "0.1.0",
        subcommands: [ServeCommand.self, QueryCommand.self, CheckConfigCommand.self, BundleCommand.self,
                      RollbackCommand.self, TestCommand.self, LogCommand.self, ReplayCommand.self, EvalCommand.self,
                      BenchCommand.self]
    )
}
