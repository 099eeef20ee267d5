import ArgumentParser
import Engine
import Foundation

/// `policyd bench builtins`: per-call cost of the builtins agent policies call on every decision.
struct BenchBuiltinsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "builtins",
        abstract: "Per-call cost of startswith, sprintf, object.get, time.parse_rfc3339_ns, time.clock, regex.match.",
        discussion: """
            direct: the builtin implementation with prebuilt arguments, timed in batches of \(BuiltinBench.batch) \
            calls (p50/p99 of the per-call average); in policy: one decision of `p := f(input.args…)` \
            next to a baseline decision `p := input.args[0]` (+call = in-policy p50 − baseline p50). \
            Checks every answer; exits 1 on a wrong one.
            """)

    @Option(help: "Timed direct calls per builtin (decisions: a quarter of it).")
    var iterations: Int = 200_000

    @Flag(help: "Print {\"baseline_p50_ns\",\"builtins\":[{name,p50_ns,p99_ns,policy_p50_ns,policy_p99_ns,call_in_policy_ns}]}.")
    var json = false

    func run() throws {
        let iterations = max(BuiltinBench.batch, self.iterations)
        let (baseline, results) = try EngineBench.onBigStack {
            (try BuiltinBench.baseline(iterations: iterations),
             try BuiltinBench.cases.map { try BuiltinBench.run($0, iterations: iterations) })
        }
        func ns(_ x: Double) -> Value { .number(Number(x.rounded())) }
        if json {
            let rows: [Value] = results.map { r in
                .object(ObjectValue([
                    "name": .string(r.name), "p50_ns": ns(r.direct.p50), "p99_ns": ns(r.direct.p99),
                    "policy_p50_ns": ns(r.inPolicy.p50), "policy_p99_ns": ns(r.inPolicy.p99),
                    "call_in_policy_ns": ns(r.inPolicy.p50 - baseline.p50),
                ]))
            }
            print(JSONWriter.string(.object(ObjectValue(["baseline_p50_ns": ns(baseline.p50), "builtins": .array(rows)]))))
        } else {
            print("policyd builtins, in-process; \(iterations) direct calls (batches of \(BuiltinBench.batch)), "
                  + "\(iterations / 4) decisions per builtin; times in ns")
            print(pad("builtin", 24) + pad("p50", 8) + pad("p99", 8) + pad("policy p50", 12) + pad("policy p99", 12) + "+call")
            for r in results {
                print(pad(r.name, 24) + pad(benchFmt(r.direct.p50), 8) + pad(benchFmt(r.direct.p99), 8)
                      + pad(benchFmt(r.inPolicy.p50), 12) + pad(benchFmt(r.inPolicy.p99), 12)
                      + benchFmt(max(0, r.inPolicy.p50 - baseline.p50)))
            }
            print(pad("(baseline decision)", 24) + pad("", 16) + pad(benchFmt(baseline.p50), 12) + pad(benchFmt(baseline.p99), 12))
        }
        var bad = false
        for r in results {
            if let m = r.mismatch {
                bad = true
                FileHandle.standardError.write(Data("MISMATCH \(m)\n".utf8))
            }
        }
        if bad { throw ExitCode(1) }
    }
}
