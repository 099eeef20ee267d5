import ArgumentParser
import Engine
import Foundation

/// `policyd bench engine`: per-decision latency of the in-process engine on the anchor cases.
struct BenchEngineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "In-process engine latency: JSON text in (parsed inside the timed region) → decision out.",
        discussion: "Checks every answer against the expected one; exits 1 on any mismatch.")

    @Option(help: "Directory with manifest.json (default: ../shared/bench/anchor_policies beside the repo).")
    var cases: String?

    @Option(name: .customLong("case"), help: "Run only this case (repeatable; z_empty runs both its variants).")
    var only: [String] = []

    @Option(help: "Timed decisions per case.")
    var iterations: Int = 20000

    @Option(help: "Timed rounds per case in the same process (the table shows the first; the others' p50 follow it): tells a slow process from a slow machine.")
    var rounds: Int = 1

    @Flag(help: "Print {\"cases\":[{name,p50_us,p99_us,per_sec,mismatches}]}.")
    var json = false

    @Flag(help: "Parse the whole input (JSONReader.parse) instead of the part the policy can observe (PreparedQuery.parseInput).")
    var fullInput = false

    func run() throws {
        let dir = cases ?? BenchCases.defaultDirectory()
        let list = try BenchCases.load(directory: dir, only: only)
        let iterations = max(1, self.iterations)
        let fullInput = self.fullInput
        let rounds = max(1, self.rounds)
        let results = try EngineBench.onBigStack {
            list.map { c in
                do { return try EngineBench.run(c, iterations: iterations, fullInput: fullInput, rounds: rounds) } catch {
                    // A case that does not compile counts every input as wrong, and the run goes on.
                    return EngineBenchResult(name: c.name, stats: LatencyStats([]), mismatches: c.inputs.count,
                                             firstMismatch: "\(error)", compileMs: 0)
                }
            }
        }
        if json {
            let rows: [Value] = results.map { r in
                .object(ObjectValue([
                    "name": .string(r.name), "p50_us": .number(Number(r.stats.p50Us)),
                    "p99_us": .number(Number(r.stats.p99Us)), "per_sec": .number(Number(r.stats.perSecond.rounded())),
                    "mismatches": .number(.int(r.mismatches)), "parse_p50_us": .number(Number(r.parseP50Us)),
                    "round_p50_us": .array(r.roundP50Us.map { .number(Number($0)) }),
                ]))
            }
            print(JSONWriter.string(.object(ObjectValue(["cases": .array(rows)]))))
        } else {
            print("policyd engine, in-process, JSON text → decision; \(iterations) decisions per case; cases: \(dir)")
            print(pad("case", 22) + pad("p50 µs", 9) + pad("p99 µs", 9) + pad("dec/s", 10) + pad("parse µs", 9) + pad("compile ms", 11) + "mismatches")
            for r in results {
                print(pad(r.name, 22) + pad(benchFmt(r.stats.p50Us), 9) + pad(benchFmt(r.stats.p99Us), 9)
                      + pad(String(Int(r.stats.perSecond)), 10) + pad(benchFmt(r.parseP50Us), 9) + pad(benchFmt(r.compileMs), 11) + "\(r.mismatches)"
                      + (r.roundP50Us.isEmpty ? "" : "  rounds: " + r.roundP50Us.map(benchFmt).joined(separator: " ")))
            }
        }
        var bad = false
        for r in results where r.mismatches > 0 {
            bad = true
            FileHandle.standardError.write(Data("MISMATCH \(r.name): \(r.mismatches) wrong answers; first \(r.firstMismatch ?? "")\n".utf8))
        }
        if bad { throw ExitCode(1) }
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
