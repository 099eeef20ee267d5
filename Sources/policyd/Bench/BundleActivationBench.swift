import Engine
import Foundation

/// A large bundle (default 1,000 modules, 10 MB of data, one Rego test per module), signed
/// with HS256, and the time each activation stage takes through the bundle code: archive read +
/// signature verification + manifest/roots/data checks (BundleReader), compile, the bundle's
/// tests, and the atomic swap (PolicyStore.activate).
enum BundleActivationBench {
    static let keyID = "bench"
    static let secret = Array("policyd-bench-hmac-secret".utf8)

    /// Module `i`: a package with a few rules over input and data, and one test.
    static func module(_ i: Int) -> String {
        """
        package gen.p\(i)

        import rego.v1

        limit := \(i % 97 + 3)

        tool_allowed if input.tool.name in data.gen.tools.t\(i % 50)

        over_limit if count(input.args) > limit

        deny contains msg if {
        \tnot tool_allowed
        \tmsg := sprintf("tool %s is not allowed in p\(i)", [input.tool.name])
        }

        deny contains "too many arguments" if over_limit

        allow if {
        \ttool_allowed
        \tnot over_limit
        \tdata.gen.records[input.record].owner == input.agent.id
        }

        test_p\(i)_allows if {
        \tallow with input as {"tool": {"name": "tool-\(i % 50)-0"}, "args": [], "record": "r-\(String(format: "%06d", i))", "agent": {"id": "agent-\(i % 100)"}}
        }

        """
    }

    /// ~`bytes` of JSON data: tool lists and records.
    static func data(bytes: Int) -> [UInt8] {
        var out = Array("{\"gen\":{\"tools\":{".utf8)
        for t in 0..<50 {
            if t > 0 { out.append(UInt8(ascii: ",")) }
            out += Array("\"t\(t)\":[".utf8)
            out += Array((0..<20).map { "\"tool-\(t)-\($0)\"" }.joined(separator: ",").utf8)
            out.append(UInt8(ascii: "]"))
        }
        out += Array("},\"records\":{".utf8)
        var r = 0
        while out.count < bytes - 200 {
            if r > 0 { out.append(UInt8(ascii: ",")) }
            let id = String(format: "r-%06d", r)
            out += Array("\"\(id)\":{\"owner\":\"agent-\(r % 100)\",\"size\":\(r * 37 % 100_000),\"tags\":[\"a\(r % 7)\",\"b\(r % 11)\"],\"note\":\"record \(id) of the generated benchmark bundle\"}".utf8)
            r += 1
        }
        out += Array("}}}".utf8)
        return out
    }

    /// Writes the signed bundle to `path`; returns its size.
    static func generate(path: String, modules: Int, dataBytes: Int) throws -> Int {
        var files: [BundleFile] = (0..<modules).map { BundleFile(name: "gen/p\($0)/policy.rego", bytes: Array(module($0).utf8)) }
        files.append(BundleFile(name: "data.json", bytes: data(bytes: dataBytes)))
        files.append(BundleFile(name: ".manifest", bytes: Array("{\"revision\":\"bench-1\",\"roots\":[\"gen\"]}".utf8)))
        let signing = BundleBuilder.SigningOptions(algorithm: .hs256, key: secret, keyID: keyID, claims: nil)
        let archive = try BundleBuilder.archive(files: files, signing: signing)
        guard FileManager.default.createFile(atPath: path, contents: Data(archive)) else {
            throw BenchCaseError.bad("cannot write \(path)")
        }
        return archive.count
    }

    struct Timing {
        var readVerifyMs = 0.0, compileMs = 0.0, testsMs = 0.0, activateMs = 0.0
        var tests = 0, testsFailed = 0
        var totalMs: Double { readVerifyMs + compileMs + testsMs + activateMs }
    }

    /// Loads, verifies, compiles, tests and activates the bundle at `path`.
    static func activate(path: String, store: PolicyStore) throws -> Timing {
        var t = Timing()
        var config = VerificationConfig()
        config.keys[keyID] = VerificationKey(algorithm: .hs256, material: secret, scope: nil)
        let t0 = benchNowNs()
        let bundle = try BundleReader.load(path: path, name: "bench", config: config)
        let t1 = benchNowNs()
        // As PolicyAssembler does: each module parsed once, for the compiler and test discovery.
        let policy: CompiledPolicy
        let parsed: [Module]
        do {
            parsed = try CompiledPolicy.parse(bundle.modules)
            policy = try CompiledPolicy.compile(checked: CompiledPolicy.check(parsed), data: bundle.data, queryTypes: false)
        } catch {
            throw BenchCaseError.bad("compile: \(error.errors.prefix(3).map(\.description).joined(separator: "; "))")
        }
        let t2 = benchNowNs()
        let runner = PolicyTestRunner(mapping: { _, _, _ in MappedDecision(decision: "deny") })
        for m in parsed {
            for test in RegoTest.discover(in: m) {
                t.tests += 1
                if runner.runTest(test, policy).status != .pass { t.testsFailed += 1 }
            }
        }
        let t3 = benchNowNs()
        let now = EvalContext.wallClockNs()
        store.activate(policy: policy, bundles: ["bench": BundleInfo(name: "bench", revision: bundle.revision, activatedAtNs: now)],
                       results: [ReloadResult(bundle: "bench", ok: true, revision: bundle.revision, error: nil, atNs: now)])
        let t4 = benchNowNs()
        t.readVerifyMs = Double(t1 - t0) / 1e6
        t.compileMs = Double(t2 - t1) / 1e6
        t.testsMs = Double(t3 - t2) / 1e6
        t.activateMs = Double(t4 - t3) / 1e6
        return t
    }
}
