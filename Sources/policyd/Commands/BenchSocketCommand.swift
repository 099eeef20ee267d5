import ArgumentParser
import Engine
import Foundation

/// `policyd bench socket`: load against a running daemon (or the floor server), pipelined.
struct BenchSocketCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "socket",
        abstract: "Load generator against a running daemon: C connections × D in flight, raw sockets.",
        discussion: """
            Sends decide requests built from the case's inputs (path = the case's query path, e.g. \
            agents/rbac/decision) and prints p50/p99/p99.9 latency and throughput. Answers carrying \
            an error, or a verdict different from the expected one, are counted and fail the run. \
            `--floor-server` instead serves the floor (fixed answers, no work) on --socket, to \
            measure this generator's own overhead. `--alternate-with` (repeatable) adds targets \
            and moves the load between them in `--blocks` blocks of one phase per target \
            (`--settle` seconds not recorded, then `--phase` seconds measured; connections kept \
            open; orders A B, B A, …), for A/B ratios on a machine whose speed drifts; each \
            phase is announced on stderr as it starts.
            """)

    @Option(help: "The daemon's socket.")
    var socket: String

    @Option(help: "Connections.")
    var connections: Int = 1

    @Option(help: "Requests in flight per connection.")
    var depth: Int = 1

    @Option(help: "Measured seconds.")
    var duration: Double = 5

    @Option(help: "Warm-up seconds before measuring.")
    var warmup: Double = 0.5

    @Option(help: "Directory with manifest.json (default: ../shared/bench/anchor_policies beside the repo).")
    var cases: String?

    @Option(name: .customLong("case"), help: "Case whose inputs and path to send (default a_rbac).")
    var caseName: String = "a_rbac"

    @Option(help: "Decide path to send instead of the case's query path (e.g. behavry/authz).")
    var path: String?

    @Option(name: .customLong("alternate-with"), help: "Another target socket (repeatable): alternate phases.")
    var alternateWith: [String] = []

    @Option(help: "Seconds per phase when alternating.")
    var phase: Double = 1

    @Option(help: "Blocks of one phase per target when alternating.")
    var blocks: Int = 5

    @Option(help: "Seconds at the start of each phase not recorded (before its --phase seconds) when alternating.")
    var settle: Double = 0.1

    @Flag(help: "Print one JSON object.")
    var json = false

    @Flag(name: .customLong("no-check"), help: "Do not check verdicts (e.g. against the floor server).")
    var noCheck = false

    @Flag(name: .customLong("floor-server"), help: "Serve the floor on --socket instead (runs until killed).")
    var floorServer = false

    func run() throws {
        if floorServer { try FloorServer.serve(path: socket) }
        let list = try BenchCases.load(directory: cases ?? BenchCases.defaultDirectory(), only: [caseName])
        let c = list[0]
        let decidePath = path ?? c.path.joined(separator: "/")
        let frames = SocketLoad.decideFrames(path: decidePath, inputs: c.inputs)
        // Only a plain "allow"/"deny"/"escalate" answer maps 1:1 to the daemon's verdict.
        let expect: [[UInt8]?] = c.expected.map { v in
            guard path == nil, !noCheck, case .string(let s)? = v else { return nil }
            return Array("\"decision\":\"\(s)\"".utf8)
        }
        let load = SocketLoad(frames: frames, expectations: expect)
        if !alternateWith.isEmpty { return try runPhases(load, caseName: c.name) }
        let r = try load.run(socketPath: socket, connections: max(1, connections), depth: max(1, depth),
                             seconds: duration, warmup: warmup)
        if json {
            let o: [String: Value] = [
                "case": .string(c.name), "connections": .number(.int(connections)), "depth": .number(.int(depth)),
                "p50_us": .number(Number(r.stats.p50Us)), "p99_us": .number(Number(r.stats.p99Us)),
                "p999_us": .number(Number(r.stats.p999Us)), "per_sec": .number(Number(r.throughput.rounded())),
                "completed": .number(.int(r.completed)), "errors": .number(.int(r.errors)),
                "wrong": .number(.int(r.wrongAnswers)),
            ]
            print(JSONWriter.string(.object(ObjectValue(o))))
        } else {
            print("socket \(socket): \(c.name) → \(decidePath), \(connections) conn × \(depth) in flight, \(benchFmt(r.seconds)) s")
            print("  p50 \(benchFmt(r.stats.p50Us)) µs  p99 \(benchFmt(r.stats.p99Us)) µs  p99.9 \(benchFmt(r.stats.p999Us)) µs  "
                  + "\(Int(r.throughput)) decisions/s  (\(r.completed) answers, \(r.errors) errors, \(r.wrongAnswers) wrong)")
        }
        if r.errors > 0 || r.wrongAnswers > 0 {
            FileHandle.standardError.write(Data("socket bench: \(r.errors) error answers, \(r.wrongAnswers) wrong verdicts\n".utf8))
            throw ExitCode(1)
        }
    }

    /// `--alternate-with`: phases against each target in turn (`PhasedSocketLoad`).
    private func runPhases(_ load: SocketLoad, caseName: String) throws {
        let targets = [socket] + alternateWith
        let r = try PhasedSocketLoad(load: load).run(
            socketPaths: targets, connections: max(1, connections), depth: max(1, depth), phaseSeconds: phase,
            blocks: max(1, blocks), warmup: warmup, settle: max(0, settle)
        ) { i, t in FileHandle.standardError.write(Data("phase \(i) target \(t)\n".utf8)) }
        func num(_ d: Double) -> Value { .number(Number(d)) }
        if json {
            let phases: [Value] = r.phases.map { p in
                .object(ObjectValue([
                    "block": .number(.int(p.block)), "target": .number(.int(p.target)),
                    "per_sec": num(p.throughput.rounded()), "completed": .number(.int(p.completed)),
                    "seconds": num(p.seconds), "p50_us": num(p.stats.p50Us), "p99_us": num(p.stats.p99Us),
                    "p999_us": num(p.stats.p999Us),
                ]))
            }
            let o: [String: Value] = [
                "case": .string(caseName), "connections": .number(.int(connections)), "depth": .number(.int(depth)),
                "targets": .array(targets.map { .string($0) }), "phases": .array(phases),
                "errors": .number(.int(r.errors)), "wrong": .number(.int(r.wrong)),
            ]
            print(JSONWriter.string(.object(ObjectValue(o))))
        } else {
            for p in r.phases {
                print("block \(p.block) target \(p.target) (\(targets[p.target])): \(Int(p.throughput)) decisions/s  "
                      + "p50 \(benchFmt(p.stats.p50Us)) µs  p99 \(benchFmt(p.stats.p99Us)) µs  (\(p.completed) answers)")
            }
        }
        if r.errors > 0 || r.wrong > 0 {
            FileHandle.standardError.write(Data("socket bench: \(r.errors) error answers, \(r.wrong) wrong verdicts\n".utf8))
            throw ExitCode(1)
        }
    }
}
