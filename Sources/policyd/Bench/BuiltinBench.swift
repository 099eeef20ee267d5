import Engine
import Foundation

/// Per-call cost of the builtins agent policies call on every decision (issue 6): startswith,
/// sprintf, object.get, time.parse_rfc3339_ns, time.clock, regex.match.
///
/// Two measurements per builtin, both through the engine:
/// - direct: the registered implementation (`BuiltinRegistry` → `Builtin.implementation`) with
///   its arguments prebuilt; timed in batches of `batch` calls (a single call is shorter than
///   the clock's resolution), so p50/p99 are of per-call averages over a batch;
/// - in a policy: one decision of `p := <builtin>(input.args[0], …)` (`CompiledPolicy.evaluate`,
///   input prebuilt), next to a baseline decision `p := input.args[0]`; the difference is what a
///   call adds to a decision.
/// Every answer is checked against the expected value before timing.
struct BuiltinBenchCase {
    let name: String
    let args: [Value]
    let expected: Value
}

struct BuiltinBenchResult {
    let name: String
    /// Nanoseconds per direct call.
    let direct: LatencyStats
    /// Nanoseconds per decision that makes the call.
    let inPolicy: LatencyStats
    let mismatch: String?
}

enum BuiltinBench {
    static let batch = 32

    static let cases: [BuiltinBenchCase] = [
        BuiltinBenchCase(name: "startswith", args: ["/prod/db/users", "/prod/"], expected: true),
        BuiltinBenchCase(name: "sprintf", args: ["%s requires approval (%d)", ["rm", 3]],
                         expected: "rm requires approval (3)"),
        BuiltinBenchCase(name: "object.get", args: [["role": "developer", "team": "infra"], "role", "none"],
                         expected: "developer"),
        BuiltinBenchCase(name: "time.parse_rfc3339_ns", args: ["2026-11-22T07:00:00Z"],
                         expected: .number(.int(1_795_330_800_000_000_000))),
        BuiltinBenchCase(name: "time.clock", args: [.number(.int(1_795_330_800_000_000_000))], expected: [7, 0, 0]),
        BuiltinBenchCase(name: "regex.match", args: ["^/prod/[a-z]+(/.*)?$", "/prod/db/users"], expected: true),
    ]

    /// The one-rule policy that calls `name` on `input.args` (nil name: the baseline rule).
    static func policy(calling name: String?, arity: Int) throws -> CompiledPolicy {
        let expr = name.map { n in "\(n)(" + (0..<arity).map { "input.args[\($0)]" }.joined(separator: ", ") + ")" }
            ?? "input.args[0]"
        let source = "package bench\np := \(expr)\n"
        do {
            return try CompiledPolicy.compile(modules: [RegoModule(name: "bench.rego", source: source)])
        } catch {
            throw BenchCaseError.bad("builtin bench: \(error.errors.map(\.description).joined(separator: "; "))")
        }
    }

    static func run(_ c: BuiltinBenchCase, iterations: Int) throws -> BuiltinBenchResult {
        guard let b = BuiltinRegistry.lookup(c.name) else { throw BenchCaseError.bad("no builtin \(c.name)") }
        let args = Arguments(c.args)
        let ctx = EvalContext()
        let policy = try policy(calling: c.name, arity: c.args.count)
        let input: Value = ["args": .array(c.args)]
        // Correctness first, both ways.
        var mismatch: String?
        let direct = try b.implementation(args, ctx)
        let viaPolicy = try policy.evaluate(path: ["bench", "p"], input: input, context: EvalContext())
        if direct != c.expected || viaPolicy != c.expected {
            mismatch = "\(c.name): want \(JSONWriter.string(c.expected)), direct \(direct.map { JSONWriter.string($0) } ?? "undefined"), "
                + "in policy \(viaPolicy.map { JSONWriter.string($0) } ?? "undefined")"
        }
        var sink = 0
        // Direct calls, batched.
        let rounds = max(1, iterations / batch)
        for _ in 0..<min(rounds, 200) { for _ in 0..<batch { if (try? b.implementation(args, ctx)) != nil { sink &+= 1 } } }
        var directSamples = [UInt64](repeating: 0, count: rounds)
        for i in 0..<rounds {
            let s = benchNowNs()
            for _ in 0..<batch { if (try? b.implementation(args, ctx)) != nil { sink &+= 1 } }
            directSamples[i] = (benchNowNs() &- s) / UInt64(batch)
        }
        let inPolicy = decisions(policy, input, iterations: max(1, iterations / 4), sink: &sink)
        if sink < 0 { print(sink) }  // keep the results alive
        return BuiltinBenchResult(name: c.name, direct: LatencyStats(directSamples), inPolicy: inPolicy, mismatch: mismatch)
    }

    /// Decision latency (ns) of `data.bench.p` with a fresh context per decision, as served.
    static func decisions(_ policy: CompiledPolicy, _ input: Value, iterations: Int, sink: inout Int) -> LatencyStats {
        for _ in 0..<min(iterations, 1000) {
            if (try? policy.evaluate(path: ["bench", "p"], input: input, context: EvalContext())) != nil { sink &+= 1 }
        }
        var samples = [UInt64](repeating: 0, count: iterations)
        for i in 0..<iterations {
            let s = benchNowNs()
            let v = try? policy.evaluate(path: ["bench", "p"], input: input, context: EvalContext())
            samples[i] = benchNowNs() &- s
            if v != nil { sink &+= 1 }
        }
        return LatencyStats(samples)
    }

    /// The baseline decision: the same one-rule policy reading `input.args[0]` without a call.
    static func baseline(iterations: Int) throws -> LatencyStats {
        let p = try policy(calling: nil, arity: 1)
        var sink = 0
        let stats = decisions(p, ["args": ["x"]], iterations: max(1, iterations / 4), sink: &sink)
        if sink < 0 { print(sink) }
        return stats
    }
}
