import ArgumentParser
import Engine
import Foundation

/// `policyd test PATH…`: runs Rego `test_*` rules (like `opa test`) and decision case files.
struct TestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test",
        abstract: "Run a policy's Rego tests (test_* rules) and decision case files.",
        discussion: """
            Loads every .rego file, data.json/data.yaml and case file (YAML/JSON with a `cases` list) \
            under each PATH, compiles them together, evaluates each test_* rule (it passes when defined \
            and not false) and checks each case's expected decision through the daemon's decision \
            mapping. Exits 1 when anything fails, 2 when the sources do not load or compile.
            """
    )

    @Argument(help: "Policy files or directories (bundle directories work as is).")
    var paths: [String]

    @Flag(name: .shortAndLong, help: "Show every test, and for failures the values, inputs and print output.")
    var verbose = false

    @Option(name: .customLong("run"), help: "Only run tests whose name (data.pkg.test_x, or case name) matches this regular expression.")
    var runPattern: String?

    @Flag(name: .customLong("v0-compatible"), help: "Parse modules as Rego v0 (OPA 0.x syntax).")
    var v0Compatible = false

    @Option(name: .long, help: "Output format: text or json.")
    var format: String = "text"

    @Option(name: .long, help: "policyd config file whose entrypoint defaults (default: allow|deny) case files are mapped with.")
    var config: String?

    @Option(name: .long, help: "Evaluate with this time (RFC 3339) instead of the wall clock.")
    var now: String?

    @Flag(name: .customLong("allow-network-builtins"),
          help: "Let http.send and net.lookup_ip_addr run (refused by default, as in the daemon: mock them with `with`).")
    var allowNetworkBuiltins = false

    func run() throws {
        let sources: TestSources
        do {
            sources = try TestSources.load(paths: paths, v0Compatible: v0Compatible)
        } catch {
            FileHandle.standardError.write(Data("policyd test: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var nowNs: Int64?
        if let now {
            guard let t = RFC3339.parse(now) else { throw ValidationError("--now must be an RFC 3339 time") }
            nowNs = t
        }
        let configuration = try config.map { file in try ConfigLoader.load(file: file) } ?? Configuration()
        // Cases are judged as the daemon would serve them: the config's entrypoint defaults, else
        // the ones the loaded bundles declare in their manifests.
        let entrypoints = EntrypointDefaults(config: configuration, declared: sources.entrypoints)
        var runner = PolicyTestRunner(mapping: DaemonDecisionMapping.mapping(entrypoints: entrypoints), nowNs: nowNs)
        if allowNetworkBuiltins {
            runner.allowNetworkBuiltins = true
            runner.compile = { modules, data in
                try CompiledPolicy.compile(modules: modules, data: data, options: CompileOptions(allowNetworkBuiltins: true))
            }
        }
        let report = runner.run(sources, filter: runPattern)
        if format == "json" {
            print(JSONWriter.string(report.json, options: .init(indent: "  ")))
        } else {
            print(report.text(verbose: verbose), terminator: "")
        }
        if !report.errors.isEmpty { throw ExitCode(2) }
        if !report.passed { throw ExitCode(1) }
    }
}
