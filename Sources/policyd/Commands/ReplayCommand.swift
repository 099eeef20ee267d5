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

    @Option(name: .long, help: "The candidate bundle: a .tar.gz or a directory.")
    var bundle: String

    @Flag(name: .long, help: "Accept an unsigned candidate (a draft directory) even when keys are configured; a signature that is present is still verified.")
    var unsigned = false

    @Option(name: .customLong("verification-key"), help: "PEM public key or HMAC secret (file path or literal) to verify the candidate with.")
    var verificationKey: String?

    @Option(name: .customLong("verification-key-id"), help: "Key id the signature must name.")
    var verificationKeyID: String = "default"

    @Option(name: .customLong("signing-alg"), help: "Algorithm of --verification-key.")
    var signingAlg: String = "RS256"

    @Option(name: .long, help: "policyd config file: trusted keys (keys, bundles.signing), the decision log location and entrypoint defaults.")
    var config: String?

    @Option(name: .long, help: "The decision log file (default: from the config).")
    var log: String?

    @Option(name: .long, help: "How many of the latest log entries to replay.")
    var last = 1000

    @Option(name: .long, help: "Only replay entries for this entrypoint path (e.g. behavry/authz).")
    var path: String?

    @Flag(name: .customLong("v0-compatible"), help: "Parse the candidate's modules as Rego v0.")
    var v0Compatible = false

    func validate() throws {
        if config != nil && verificationKey != nil { throw ValidationError("use either --config or --verification-key") }
    }

    func run() throws {
        let candidate = try loadCandidate()
        var modules = candidate.modules
        if v0Compatible { modules = modules.map { RegoModule(name: $0.name, source: $0.source, regoVersion: .v0) } }
        let policy: any PolicyEvaluating
        do {
            policy = try PolicyTestRunner.compileWithEngine(modules, candidate.data)
        } catch {
            FileHandle.standardError.write(Data("policyd replay: candidate does not compile: \(error)\n".utf8))
            throw ExitCode(2)
        }
        // The daemon's config gives the log location and entrypoint defaults; without one, the
        // built-in defaults (and --log) apply.
        let daemonConfig = try DecisionLogLocation.configuration(config)
        let logPath = try log ?? DecisionLogLocation.path(configFile: config)
        var (records, unreadable) = try DecisionLogReader(path: logPath).lastRecords(nil)
        if let p = path {
            let want = DecisionCase.normalizePath(p)
            records = records.filter { $0.path == want }
        }
        // A candidate replaces only its own roots; decisions on other bundles' entrypoints
        // would all read as "undefined", so they are left out and counted.
        let roots = candidate.roots.filter { !$0.isEmpty }
        var outside = 0
        if !roots.isEmpty {
            let before = records.count
            records = records.filter { r in roots.contains { ReplayCommand.path(r.path, isUnder: $0) } }
            outside = before - records.count
        }
        records = Array(records.suffix(last))
        // The candidate's manifest may declare entrypoint defaults; the config's win.
        let declared: [DeclaredEntrypoint]
        do { declared = try DeclaredEntrypoint.parse(candidate.manifest, bundle: candidate.name) } catch { throw BundleCLI.fail(error) }
        let mapping = DaemonDecisionMapping.mapping(entrypoints: EntrypointDefaults(config: daemonConfig, declared: declared))
        let report = DecisionReplayer(policy: policy, mapping: mapping).replay(records)
        print("candidate \(candidate.name) revision \(candidate.revision.isEmpty ? "(none)" : candidate.revision)"
              + (candidate.signature.map { ", signed by key \($0.keyID)" } ?? ", unsigned"))
        print(ReplayCommand.render(report, unreadable: unreadable), terminator: "")
        if outside > 0 { print("  (\(outside) logged decisions are outside the candidate's roots \(roots) and were not replayed)") }
    }

    /// `behavry/authz` is under root `behavry` (and `behavry/authz`), not under `behav`.
    static func path(_ path: String, isUnder root: String) -> Bool {
        let p = path.split(separator: "/")
        let r = root.split(separator: "/")
        return p.count >= r.count && Array(p.prefix(r.count)) == r
    }

    /// Loads and verifies the candidate exactly as activation would (bundles/BundleReader):
    /// limits, path hygiene, signature, manifest and roots; `--unsigned` accepts a draft
    /// without a signature.
    func loadCandidate() throws -> LoadedBundle {
        do {
            let settings = try BundleCLI.verificationSettings(config: config, verificationKey: verificationKey,
                                                              keyID: verificationKeyID, signingAlg: signingAlg)
            let name = BundleNaming.name(forPath: bundle) ?? "candidate"
            return try CandidateBundle.load(path: bundle, name: name, settings: settings, unsigned: unsigned)
        } catch {
            throw BundleCLI.fail(error)
        }
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
