import ArgumentParser
import Engine
import Foundation

/// `policyd bench memory`: RSS cost of a case's data once parsed, compiled and used, measured
/// in this process (as anchor_bench.py measures OPA and regorus); optionally also the RSS of a
/// running daemon (--pid).
struct BenchMemoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory",
        abstract: "RSS before/after loading and compiling a case's data (default d_registry); a daemon's RSS.")

    @Option(help: "Directory with manifest.json (default: ../shared/bench/anchor_policies beside the repo).")
    var cases: String?

    @Option(name: .customLong("case"), help: "Case whose data to load.")
    var caseName: String = "d_registry"

    @Option(help: "Also report the RSS of this process (e.g. an idle daemon).")
    var pid: Int32?

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let dir = cases ?? BenchCases.defaultDirectory()
        let manifest = try JSONReader.parse(bytes: BenchCases.readBytes(dir + "/manifest.json"))
        guard case .array(let entries)? = manifest["cases"],
              let entry = entries.first(where: { $0["name"]?.stringValue == caseName }),
              let policyFile = entry["policy"]?.stringValue, let query = entry["query"]?.stringValue
        else { throw BenchCaseError.notFound("case \(caseName) in \(dir)") }
        let source = String(decoding: try BenchCases.readBytes(dir + "/" + policyFile), as: UTF8.self)
        var path = query.split(separator: ".").map(String.init)
        if path.first == "data" { path.removeFirst() }
        // Inputs read before the baseline so only the data and the policy count.
        let inputs: [[UInt8]] = try entry["cases"]?.stringValue.map { file in
            try BenchCases.readBytes(dir + "/" + file).split(separator: UInt8(ascii: "\n")).compactMap { line in
                guard let v = try? JSONReader.parse(bytes: Array(line)), let i = v["input"] else { return nil }
                return Array(JSONWriter.string(i).utf8)
            }
        } ?? []

        let result: (base: Double, loaded: Double, hwm: Double, jsonBytes: Int, parseMs: Double, compileMs: Double) =
            try EngineBench.onBigStack {
                _ = benchMallocTrim(0)
                let base = ProcMemory.rssMiB()
                var jsonBytes = 0
                let t0 = benchNowNs()
                var data: Value = .emptyObject
                if let file = entry["data"]?.stringValue {
                    let text = try BenchCases.readBytes(dir + "/" + file)
                    jsonBytes = text.count
                    data = try JSONReader.parse(bytes: text)
                }
                let t1 = benchNowNs()
                let policy: CompiledPolicy
                do { policy = try CompiledPolicy.compile(modules: [RegoModule(name: policyFile, source: source)], data: data) } catch {
                    throw BenchCaseError.bad("compile: \(error)")
                }
                let t2 = benchNowNs()
                data = .null
                for i in 0..<2000 where !inputs.isEmpty { _ = try? EngineBench.decide(policy, path, inputs[i % inputs.count]) }
                _ = benchMallocTrim(0)
                let loaded = ProcMemory.rssMiB()
                withExtendedLifetime(policy) {}
                return (base, loaded, ProcMemory.hwmMiB(), jsonBytes, Double(t1 - t0) / 1e6, Double(t2 - t1) / 1e6)
            }
        let delta = result.loaded - result.base
        let jsonMiB = Double(result.jsonBytes) / 1048576
        let daemonRSS = pid.map { ProcMemory.rssMiB(pid: $0) }
        // Anonymous (heap, stacks: the daemon's own cost) vs file-backed (mapped code and data).
        let daemonAnon = pid.flatMap { ProcMemory.statusField("RssAnon", pid: $0) }
        let daemonFile = pid.flatMap { ProcMemory.statusField("RssFile", pid: $0) }
        let daemonThreads = pid.flatMap { ProcMemory.statusNumber("Threads", pid: $0) }.map { Int($0) }
        if json {
            var o: [String: Value] = [
                "case": .string(caseName), "rss_base_mib": .number(Number(result.base)),
                "rss_loaded_mib": .number(Number(result.loaded)), "rss_delta_mib": .number(Number(delta)),
                "hwm_mib": .number(Number(result.hwm)), "data_json_mib": .number(Number(jsonMiB)),
                "delta_over_json": .number(Number(jsonMiB > 0 ? delta / jsonMiB : 0)),
                "parse_ms": .number(Number(result.parseMs)), "compile_ms": .number(Number(result.compileMs)),
            ]
            if let daemonRSS { o["daemon_rss_mib"] = .number(Number(daemonRSS)) }
            if let daemonAnon { o["daemon_rss_anon_mib"] = .number(Number(daemonAnon)) }
            if let daemonFile { o["daemon_rss_file_mib"] = .number(Number(daemonFile)) }
            if let daemonThreads { o["daemon_threads"] = .int(daemonThreads) }
            print(JSONWriter.string(.object(ObjectValue(o))))
        } else {
            print("\(caseName): data JSON \(benchFmt(jsonMiB)) MiB; RSS \(benchFmt(result.base)) → \(benchFmt(result.loaded)) MiB "
                  + "(+\(benchFmt(delta)) MiB = \(benchFmt(jsonMiB > 0 ? delta / jsonMiB : 0))× the JSON; peak \(benchFmt(result.hwm)) MiB); "
                  + "parse \(benchFmt(result.parseMs)) ms, compile \(benchFmt(result.compileMs)) ms")
            if let daemonRSS, let pid {
                print("daemon pid \(pid): RSS \(benchFmt(daemonRSS)) MiB (anonymous \(benchFmt(daemonAnon ?? 0)) MiB, "
                      + "file-backed \(benchFmt(daemonFile ?? 0)) MiB, \(daemonThreads ?? 0) threads)")
            }
        }
    }
}
