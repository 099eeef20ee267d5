import Engine
import Foundation
import Testing
@testable import policyd

/// The activation pipeline in-process: drops → verify → compile → tests → swap, rejections
/// that keep the previous revision serving, history, restart, rollback, roots overlap, smoke.
@Suite(.serialized) struct BundlePipelineTests {
    struct Rig {
        let drop: String
        let state: String
        let store = PolicyStore()
        var source: SignedBundleSource

        init() throws {
            drop = try BundleTestKit.tempDir("drop")
            state = try BundleTestKit.tempDir("state")
            source = SignedBundleSource(settings: .init(dropDirectory: drop, stateDirectory: state,
                                                        bundle: BundleTestKit.settings(limits: BundleTestKit.testLimits), history: 10))
        }

        @discardableResult
        func put(_ bytes: [UInt8], name: String = "authz") throws -> ReloadOutcome {
            try BundleTestKit.drop(bytes, name: name, into: drop)
            return source.reload(into: store)
        }

        var revision: String? { store.snapshot.bundles["authz"]?.revision }

        /// What the served policy itself says (its deny set carries the revision).
        func servedDeny() throws -> Value? {
            try store.snapshot.policy?.evaluate(path: ["authz", "deny"], input: nil, context: EvalContext())
        }

        func cleanup() {
            try? FileManager.default.removeItem(atPath: drop)
            try? FileManager.default.removeItem(atPath: state)
        }

        func rejectedFiles() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: state + "/rejected")) ?? [] }
    }

    @Test func validDropActivatesAndEveryBadDropIsRefusedWhileR1KeepsServing() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        let out = try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        #expect(out.activated, "\(out.summary)")
        #expect(rig.revision == "r1")
        #expect(try rig.servedDeny() == .set(SetValue(["r1"])))

        for (i, bad) in try BundleTestKit.badDrops(revision: "r2").enumerated() {
            let out = try rig.put(bad.bytes)
            #expect(!out.activated, "\(bad.label) activated")
            let result = try #require(out.results.first, "\(bad.label): no result")
            #expect(!result.ok)
            #expect(result.error?.contains(bad.reason) == true, "\(bad.label): \(result.error ?? "")")
            #expect(rig.revision == "r1", "\(bad.label) replaced r1")
            #expect(try rig.servedDeny() == .set(SetValue(["r1"])))
            #expect(rig.store.snapshot.lastResults["authz"]?.ok == false)
            #expect(rig.rejectedFiles().count == i + 1, "\(bad.label) not moved aside")
            #expect(!FileManager.default.fileExists(atPath: rig.drop + "/authz.tar.gz"))
        }
        // Errors name the stage and, for compile errors, file:line.
        let compile = try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r3", module: "package authz\n\nallow if {\n")))
        #expect(compile.results.first?.error?.hasPrefix("compile: compile_error: authz/authz/policy.rego:") == true,
                "\(compile.results.first?.error ?? "")")
        let r4 = try BundleTestKit.signed(BundleTestKit.files(revision: "r4"))
        let started = DispatchTime.now().uptimeNanoseconds
        let good = try rig.put(r4)
        let elapsedUs = (DispatchTime.now().uptimeNanoseconds - started) / 1000
        print("activation (read, verify ES256, compile, test, swap, history) took \(elapsedUs) µs")
        #expect(good.activated && rig.revision == "r4")
        #expect(rig.store.snapshot.lastResults["authz"]?.ok == true)
    }

    @Test func unchangedDropsAreNotReprocessedAndBurstsApplyInOrder() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        let again = rig.source.reload(into: rig.store)
        #expect(!again.activated && again.results.isEmpty)
        // Two names dropped together: both activate; then a burst for one name, last one wins.
        try BundleTestKit.drop(try BundleTestKit.signed(BundleTestKit.files(revision: "o1", roots: ["other"])), name: "other", into: rig.drop)
        _ = rig.source.reload(into: rig.store)
        #expect(rig.store.snapshot.bundles["other"]?.revision == "o1")
        try BundleTestKit.drop(try BundleTestKit.signed(BundleTestKit.files(revision: "r2")), name: "authz", into: rig.drop)
        let out = rig.source.reload(into: rig.store)
        #expect(out.activated && rig.revision == "r2")
        #expect(rig.store.snapshot.bundles.count == 2)
    }

    @Test func overlappingRootsRefuseTheNewcomer() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        let out = try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "x1", roots: ["authz/sub"])), name: "intruder")
        #expect(!out.activated)
        #expect(out.results.first?.error?.contains("roots_overlap") == true, "\(out.results.first?.error ?? "")")
        #expect(rig.store.snapshot.bundles["intruder"] == nil && rig.revision == "r1")
    }

    @Test func smokeCasesGateActivation() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        let pass = #"{"policyd":{"smoke":[{"path":"authz/allow","input":{"user":"alice"},"expect":true}]}}"#
        #expect(try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "s1", metadata: pass))).activated)
        let fail = #"{"policyd":{"smoke":[{"path":"authz/allow","input":{"user":"bob"},"expect":true}]}}"#
        let out = try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "s2", metadata: fail)))
        #expect(!out.activated && out.results.first?.error?.contains("smoke_failed") == true)
        #expect(rig.revision == "s1")
        // The manifest (and its metadata) is visible to policies at data.system.bundles.
        let manifest = try rig.store.snapshot.policy?.evaluate(path: ["system", "bundles", "authz", "manifest", "revision"],
                                                               input: nil, context: EvalContext())
        #expect(manifest == "s1")
    }

    @Test func restartServesLastGoodAndRollbackReactivatesAnEarlierRevision() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r2")))
        #expect(rig.revision == "r2")
        // A bad drop is waiting when the daemon restarts: r2 is restored from the state dir.
        try BundleTestKit.drop(try BundleTestKit.badDrops(revision: "r3")[0].bytes, name: "authz", into: rig.drop)
        let restarted = SignedBundleSource(settings: rig.source.settings)
        let store2 = PolicyStore()
        let out = restarted.reload(into: store2)
        #expect(store2.snapshot.bundles["authz"]?.revision == "r2", "\(out.summary)")
        #expect(out.results.contains { !$0.ok && $0.error?.contains("digest_mismatch") == true })

        switch restarted.rollback(name: "authz", revision: "r1", store: store2) {
        case .success: break
        case .failure(let e): Issue.record("rollback failed: \(e)")
        }
        #expect(store2.snapshot.bundles["authz"]?.revision == "r1")
        let served = try store2.snapshot.policy?.evaluate(path: ["authz", "deny"], input: nil, context: EvalContext())
        #expect(served == .set(SetValue(["r1"])))
        #expect(restarted.history.entries("authz").map(\.revision) == ["r1", "r2", "r1"])
        if case .success = restarted.rollback(name: "authz", revision: "nope", store: store2) { Issue.record("unknown revision rolled back") }

        // A second restart keeps the rolled-back revision (the newer drop is not re-applied).
        let again = SignedBundleSource(settings: rig.source.settings)
        let store3 = PolicyStore()
        _ = again.reload(into: store3)
        #expect(store3.snapshot.bundles["authz"]?.revision == "r1")
    }

    @Test func plainRollbackKeepsTheSourceInStepWithTheStore() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r2")))
        #expect(rig.source.rollbackToPrevious(store: rig.store) != nil)
        #expect(rig.revision == "r1" && rig.source.active["authz"]?.bundle.revision == "r1")
        // A drop of another bundle now builds on r1 (what is served), not on r2.
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "o1", roots: ["other"])), name: "other")
        #expect(rig.revision == "r1" && rig.store.snapshot.bundles["other"]?.revision == "o1")
        #expect(try rig.servedDeny() == .set(SetValue(["r1"])))
        // And a restart keeps r1.
        let store2 = PolicyStore()
        _ = SignedBundleSource(settings: rig.source.settings).reload(into: store2)
        #expect(store2.snapshot.bundles["authz"]?.revision == "r1")
    }

    @Test func historyKeepsTheLastNActivations() throws {
        var rig = try Rig()
        defer { rig.cleanup() }
        rig.source = SignedBundleSource(settings: .init(dropDirectory: rig.drop, stateDirectory: rig.state,
                                                        bundle: BundleTestKit.settings(), history: 2))
        for r in ["r1", "r2", "r3"] { try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: r))) }
        #expect(rig.source.history.entries("authz").map(\.revision) == ["r2", "r3"])
        let tarballs = try FileManager.default.contentsOfDirectory(atPath: rig.state + "/bundles/authz").filter { $0.hasSuffix(".tar.gz") }
        #expect(tarballs.count == 2)
    }
}
