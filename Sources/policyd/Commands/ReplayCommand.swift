import ArgumentParser
import Engine
import Foundation

/// `policyd replay --bundle CANDIDATE`: which logged decisions would a candidate bundle change?
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Re-evaluate logged decisions under a candidate bundle and show what would change.",
        discussion: """
            Reads the last N entries of the decision log, evaluates each logged input at its logged \
            entrypoint under the candidate bundle (clock fixed at the logged time), maps the answer as \
            the daemon does, and prints every decision that would change (id, old → new, reasons), \
            then counts. Entries whose input was masked are marked: their replay may not be faithful.
            """
    )

    @Option(name: .long, help: "The candidate bundle directory.")
    var bundle: String

    @Flag(name: .long, help: "Accept an unsigned bundle (development only).")
    var unsigned = false

    @Option(name: .long, help: "Public key (PEM file) to verify the candidate's signature with.")
    var verificationKey: String?

    @Option(name: .long, help: "policyd config file: decision log location (and, later, trusted keys).")
    var config: String?

    @Option(name: .long, help: "The decision log file (default: from the config).")
    var log: String?

    @Option(name: .long, help: "How many of the latest log entries to replay.")
    var last = 1000

    @Option(name: .long, help: "Only replay entries for this entrypoint path (e.g. behavry/authz).")
    var path: String?

    @Flag(name: .customLong("v0-compatible"), help: "Parse the candidate's modules as Rego v0.")
    var v0Compatible = false

    func run() throws {
        let fm = FileManager.default
        let signed = fm.fileExists(atPath: bundle + "/.signatures.json")
        if !unsigned {
            // Signature checks belong to the bundle loader (bundles branch); until it is wired in,
            // refuse rather than pretend a candidate was verified.
            if verificationKey != nil || signed {
                throw ValidationError("verifying signed candidates is not wired in yet; use --unsigned for a development bundle")
            }
            throw ValidationError("the candidate is unsigned: pass --unsigned to replay it anyway, or --verification-key")
        }
        let logPath = try log ?? DecisionLogLocation.path(configFile: config)
        var sources = try TestSources.load(paths: [bundle], v0Compatible: v0Compatible)
        sources.cases = []
        let policy: any PolicyEvaluating
        do {
            policy = try PolicyTestRunner.compileWithEngine(sources.modules, sources.data)
        } catch {
            FileHandle.standardError.write(Data("policyd replay: candidate does not compile: \(error)\n".utf8))
            throw ExitCode(2)
        }
        var (records, unreadable) = try DecisionLogReader(path: logPath).lastRecords(nil)
        if let p = path {
            let want = DecisionCase.normalizePath(p)
            records = records.filter { $0.path == want }
        }
        records = Array(records.suffix(last))
        let mapping = DaemonDecisionMapping.mapping(config: try DecisionLogLocation.configuration(config))
        let report = DecisionReplayer(policy: policy, mapping: mapping).replay(records)
        print(ReplayCommand.render(report, unreadable: unreadable), terminator: "")
    }

    static func render(_ report: DecisionReplayer.Report, unreadable: Int) -> String {
        var out = ""
        for c in report.changes {
            out += "\(c.record.decisionID) \(c.record.path): \(TestReport.describe(c.old)) → \(TestReport.describe(c.new))"
            if c.inputMasked { out += " (input was masked)" }
            out += "\n"
            if let e = c.error { out += "  error: \(e)\n" }
        }
        out += "replayed \(report.replayed), changed \(report.changes.count), unchanged \(report.unchanged)"
        if report.skipped > 0 { out += ", skipped \(report.skipped)" }
        if unreadable > 0 { out += ", unreadable \(unreadable)" }
        out += "\n"
        for (t, n) in report.transitions.sorted(by: { $0.key < $1.key }) { out += "  \(t): \(n)\n" }
        return out
    }
}
