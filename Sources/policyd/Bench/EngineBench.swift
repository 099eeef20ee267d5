import Engine
import Foundation

/// In-process engine benchmark: for each decision, JSON text in → parsed for the case's
/// prepared query (`PreparedQuery.parseInput`: only the input the policy can observe becomes
/// values, the rest is validated and skipped) → evaluated → decision out, timed per decision;
/// every answer is checked against the expected one (outside the timed region).
/// `fullInput` parses the whole document instead (`JSONReader.parse`), for comparison.
struct EngineBenchResult {
    let name: String
    let stats: LatencyStats
    let mismatches: Int
    let firstMismatch: String?
    let compileMs: Double
    /// p50 of parsing (and freeing) the input alone: the JSON reader's share of a decision.
    var parseP50Us: Double = 0
    /// p50 of each further timed round in the same process (`--rounds`), after `stats`' round.
    var roundP50Us: [Double] = []
}

enum EngineBench {
    /// Compiles `c` (parsing its data JSON first).
    static func compile(_ c: BenchCase) throws -> CompiledPolicy {
        var data: Value = .emptyObject
        if let text = c.dataText { data = try JSONReader.parse(bytes: text) }
        do {
            return try CompiledPolicy.compile(modules: c.modules, data: data)
        } catch {
            throw BenchCaseError.bad("\(c.name): compile failed: \(error.errors.map(\.description).joined(separator: "; "))")
        }
    }

    /// The input as the timed decision parses it.
    @inline(__always)
    static func parse(_ query: PreparedQuery, _ bytes: [UInt8], fullInput: Bool) throws -> Value {
        try bytes.withUnsafeBytes { buf throws(JSONParseError) -> Value in
            if fullInput { return try JSONReader.parse(buf) }
            return try query.parseInput(buf)
        }
    }

    /// One decision exactly as timed: parse, read the clock, evaluate (in the engine's reused
    /// context, as the daemon does).
    @inline(__always)
    static func decide(_ query: PreparedQuery, _ bytes: [UInt8], fullInput: Bool) throws -> Value? {
        let input = try parse(query, bytes, fullInput: fullInput)
        return try query.evaluate(input: input, nowNs: EvalContext.wallClockNs())
    }

    /// A decision by path on the whole input (the memory benchmark's warm-up).
    static func decide(_ policy: CompiledPolicy, _ path: [String], _ bytes: [UInt8]) throws -> Value? {
        let input = try bytes.withUnsafeBytes { buf throws(JSONParseError) in try JSONReader.parse(buf) }
        return try policy.evaluate(path: path, input: input, context: EvalContext())
    }

    /// Runs `iterations` decisions cycling over the case's inputs, after a warm-up pass.
    static func run(_ c: BenchCase, iterations: Int, warmup: Int = 1000, fullInput: Bool = false,
                    rounds: Int = 1) throws -> EngineBenchResult {
        let t0 = benchNowNs()
        let policy = try compile(c)
        // Once per policy snapshot, as the daemon does per connection.
        let query = policy.prepare(path: c.path)
        let compileMs = Double(benchNowNs() - t0) / 1e6
        // Correctness first: every input once, checked.
        var mismatches = 0
        var first: String?
        for (i, bytes) in c.inputs.enumerated() {
            let got: Value?
            do { got = try decide(query, bytes, fullInput: fullInput) } catch {
                mismatches += 1
                if first == nil { first = "#\(i): error \(error)" }
                continue
            }
            if !BenchCases.matches(got, c.expected[i]) {
                mismatches += 1
                if first == nil {
                    first = "#\(i): got \(got.map { JSONWriter.string(BenchCases.normalize($0)) } ?? "undefined"), "
                        + "want \(c.expected[i].map { JSONWriter.string($0) } ?? "undefined"); input \(String(decoding: bytes, as: UTF8.self))"
                }
            }
        }
        let n = c.inputs.count
        for i in 0..<warmup { _ = try? decide(query, c.inputs[i % n], fullInput: fullInput) }
        var samples = [UInt64](repeating: 0, count: iterations)
        var firstRound: [UInt64] = []
        var sink = 0
        var roundP50s: [Double] = []
        for round in 0..<max(1, rounds) {
            for i in 0..<iterations {
                let bytes = c.inputs[i % n]
                let s = benchNowNs()
                let v = try? decide(query, bytes, fullInput: fullInput)
                samples[i] = benchNowNs() &- s
                if v != nil { sink &+= 1 }
            }
            if round > 0 { roundP50s.append(LatencyStats(samples).p50Us) }
            if round == 0 && rounds > 1 { firstRound = samples }
        }
        if rounds > 1 { samples = firstRound }
        if sink < 0 { print(sink) }  // keep the result alive
        // The input parse alone on the same inputs (as the decisions parse it).
        var parseSamples = [UInt64](repeating: 0, count: max(1, iterations / 4))
        for i in 0..<parseSamples.count {
            let bytes = c.inputs[i % n]
            let s = benchNowNs()
            let v = try? parse(query, bytes, fullInput: fullInput)
            parseSamples[i] = benchNowNs() &- s
            if v == nil { sink &+= 1 }
        }
        var r = EngineBenchResult(name: c.name, stats: LatencyStats(samples), mismatches: mismatches,
                                  firstMismatch: first, compileMs: compileMs)
        r.parseP50Us = LatencyStats(parseSamples).p50Us
        r.roundP50Us = roundP50s
        return r
    }

    /// Runs `body` on a thread with a large stack (deep policies recurse deeply), waiting for it.
    static func onBigStack<T>(_ body: @escaping () throws -> T) throws -> T {
        nonisolated(unsafe) var result: Result<T, Error>?
        nonisolated(unsafe) let body = body
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            result = Result { try body() }
            done.signal()
        }
        thread.stackSize = 1 << 28
        thread.start()
        done.wait()
        return try result!.get()
    }
}
