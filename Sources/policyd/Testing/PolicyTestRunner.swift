import Engine
import Foundation

/// Anything that answers `data.<path>` for an input: the compiled engine in production, a
/// fixed document in unit tests.
public protocol PolicyEvaluating: Sendable {
    func evaluate(path: [String], input: Value?, context: EvalContext, limits: EvalLimits) throws(EngineError)
        -> Value?
}

extension CompiledPolicy: PolicyEvaluating {}

/// A decision as the daemon reports it after mapping the entrypoint document.
public struct MappedDecision: Sendable, Equatable {
    public var decision: String
    public var reasons: [String]
    public var rules: [String]
    public init(decision: String, reasons: [String] = [], rules: [String] = []) {
        self.decision = decision
        self.reasons = reasons
        self.rules = rules
    }
}

/// Maps an entrypoint's result (nil = undefined) or evaluation error to a decision. The daemon
/// supplies its own mapping, so case files are checked exactly as requests are answered.
public typealias DecisionMapping = @Sendable (_ path: String, _ result: Value?, _ error: EngineError?) -> MappedDecision

/// Runs a policy's own tests: Rego `test_*` rules (like `opa test`) and decision case files.
/// Used by `policyd test`, by bundle activation (a bundle's tests must pass before it goes
/// live) and by the daemon's `test` admin operation.
public struct PolicyTestRunner: Sendable {
    public typealias Compiler = @Sendable (_ modules: [RegoModule], _ data: Value) throws -> any PolicyEvaluating

    public var compile: Compiler
    public var mapping: DecisionMapping
    public var limits: EvalLimits
    /// Fixed clock for every evaluation (nil: wall clock), so time-dependent tests are stable.
    public var nowNs: Int64?
    /// Let http.send / net.lookup_ip_addr reach the network (`policyd test
    /// --allow-network-builtins`; pair with a `compile` that allows them). Off: tests mock them.
    public var allowNetworkBuiltins = false

    public init(mapping: @escaping DecisionMapping, limits: EvalLimits = .default, nowNs: Int64? = nil,
                compile: @escaping Compiler = PolicyTestRunner.compileWithEngine)
    {
        self.compile = compile
        self.mapping = mapping
        self.limits = limits
        self.nowNs = nowNs
    }

    @Sendable public static func compileWithEngine(_ modules: [RegoModule], _ data: Value) throws -> any PolicyEvaluating {
        try CompiledPolicy.compile(modules: modules, data: data)
    }

    /// Compiles `sources` once and runs every test and case whose name matches `filter`
    /// (a regular expression searched in `data.pkg.test_name` or the case name).
    public func run(_ sources: TestSources, filter: String? = nil) -> TestReport {
        let policy: any PolicyEvaluating
        do {
            policy = try compile(sources.modules, sources.data)
        } catch let e as EngineErrors {
            return TestReport(results: [], errors: e.errors.map { "\($0)" })
        } catch {
            return TestReport(results: [], errors: ["\(error)"])
        }
        var report = run(sources, against: policy, filter: filter)
        // Failed tests show what they evaluated with (computed only now that they failed).
        for i in report.results.indices where report.results[i].kind == .rego
            && (report.results[i].status == .fail || report.results[i].status == .error)
        {
            guard let test = sources.tests.first(where: { $0.fullName == report.results[i].name }), !test.inputs.isEmpty else { continue }
            report.results[i].testInputs = TestInputs.resolve(test, modules: sources.modules, data: sources.data, compile: compile)
        }
        return report
    }

    /// Runs the tests and cases of `sources` against a policy compiled elsewhere: bundle
    /// activation compiles every active bundle together once and gates on each bundle's tests.
    public func run(_ sources: TestSources, against policy: any PolicyEvaluating, filter: String? = nil) -> TestReport {
        let regex: NSRegularExpression?
        do {
            regex = try filter.map { try NSRegularExpression(pattern: $0) }
        } catch {
            return TestReport(results: [], errors: ["invalid --run expression \(filter ?? ""): \(error)"])
        }
        func wanted(_ name: String) -> Bool {
            guard let regex else { return true }
            return regex.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
        }
        var results: [TestResult] = []
        for t in sources.tests where wanted(t.fullName) {
            results.append(runTest(t, policy))
        }
        for c in sources.cases where wanted(c.name) {
            results.append(runCase(c, policy))
        }
        return TestReport(results: results, errors: [])
    }

    func runTest(_ t: RegoTest, _ policy: any PolicyEvaluating) -> TestResult {
        var r = TestResult(kind: .rego, name: t.fullName, file: t.file, line: t.line, status: .pass)
        if t.skip {
            r.status = .skip
            return r
        }
        let prints = PrintCollector()
        let ctx = EvalContext(nowNs: nowNs, printSink: { prints.append($0) })
        ctx.allowNetworkBuiltins = allowNetworkBuiltins
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let v = try policy.evaluate(path: t.package + [t.name], input: nil, context: ctx, limits: limits)
            // Like OPA: a test fails when undefined or false; any other value passes.
            if v == nil || v == .false {
                r.status = .fail
                r.actual = v
            }
        } catch {
            r.status = .error
            r.message = "\(error)"
        }
        r.durationNs = Int64(DispatchTime.now().uptimeNanoseconds - start)
        r.prints = prints.lines
        return r
    }

    func runCase(_ c: DecisionCase, _ policy: any PolicyEvaluating) -> TestResult {
        var r = TestResult(kind: .case, name: c.name, file: c.file, line: c.line, status: .pass)
        r.input = c.input
        r.expected = MappedDecision(decision: c.expectDecision, reasons: c.expectReasons ?? [],
                                    rules: c.expectRules ?? [])
        let prints = PrintCollector()
        let ctx = EvalContext(nowNs: nowNs, printSink: { prints.append($0) })
        ctx.allowNetworkBuiltins = allowNetworkBuiltins
        let start = DispatchTime.now().uptimeNanoseconds
        var result: Value?
        var failure: EngineError?
        do {
            result = try policy.evaluate(path: c.pathSegments, input: c.input, context: ctx, limits: limits)
        } catch {
            failure = error
        }
        let got = mapping(c.path, result, failure)
        r.durationNs = Int64(DispatchTime.now().uptimeNanoseconds - start)
        r.prints = prints.lines
        r.actual = result
        r.got = got
        if let failure { r.message = "\(failure)" }
        let reasonsOK = c.expectReasons.map { $0.sorted() == got.reasons.sorted() } ?? true
        let rulesOK = c.expectRules.map { $0.sorted() == got.rules.sorted() } ?? true
        if got.decision != c.expectDecision || !reasonsOK || !rulesOK {
            r.status = .fail
        }
        return r
    }
}

/// Collects `print` output of one evaluation (single-threaded; the class only gives the
/// closure somewhere to write).
final class PrintCollector: @unchecked Sendable {
    var lines: [String] = []
    func append(_ s: String) { lines.append(s) }
}
