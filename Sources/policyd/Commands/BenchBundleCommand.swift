import ArgumentParser
import Engine
import Foundation

/// `policyd bench bundle`: generate a large signed bundle and time its activation.
struct BenchBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Time read + verify + compile + tests + activate of a generated 1,000-module / 10 MB bundle.")

    @Option(help: "Modules in the generated bundle.")
    var modules: Int = 1000

    @Option(name: .customLong("data-mb"), help: "Megabytes of data.json.")
    var dataMB: Double = 10

    @Option(help: "Write the bundle here (default: a temp file, removed afterwards).")
    var output: String?

    @Option(help: "Activations to time (the best and the last are reported).")
    var repeats: Int = 3

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let path = output ?? NSTemporaryDirectory() + "policyd-bench-bundle-\(getpid()).tar.gz"
        defer { if output == nil { unlink(path) } }
        let size = try BundleActivationBench.generate(path: path, modules: modules, dataBytes: Int(dataMB * 1_000_000))
        let store = PolicyStore()
        let timings = try EngineBench.onBigStack {
            try (0..<max(1, repeats)).map { _ in try BundleActivationBench.activate(path: path, store: store) }
        }
        let best = timings.min { $0.totalMs < $1.totalMs }!
        if json {
            let o: [String: Value] = [
                "modules": .number(.int(modules)), "data_mb": .number(Number(dataMB)), "archive_bytes": .number(.int(size)),
                "read_verify_ms": .number(Number(best.readVerifyMs)), "compile_ms": .number(Number(best.compileMs)),
                "tests_ms": .number(Number(best.testsMs)), "activate_ms": .number(Number(best.activateMs)),
                "total_ms": .number(Number(best.totalMs)), "tests": .number(.int(best.tests)),
                "tests_failed": .number(.int(best.testsFailed)),
            ]
            print(JSONWriter.string(.object(ObjectValue(o))))
        } else {
            print("bundle: \(modules) modules, \(benchFmt(dataMB)) MB data, archive \(size / 1024) KiB, signed HS256; best of \(timings.count):")
            print("  read+verify \(benchFmt(best.readVerifyMs)) ms, compile \(benchFmt(best.compileMs)) ms, "
                  + "tests \(benchFmt(best.testsMs)) ms (\(best.tests) tests, \(best.testsFailed) not passing), "
                  + "activate \(benchFmt(best.activateMs)) ms; total \(benchFmt(best.totalMs)) ms")
        }
        if best.testsFailed > 0 {
            FileHandle.standardError.write(Data("bundle bench: \(best.testsFailed) generated tests did not pass\n".utf8))
            throw ExitCode(1)
        }
    }
}
