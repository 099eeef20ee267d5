import Engine
import Foundation
import Testing
@testable import policyd

/// True once the Rego compiler/evaluator is merged; tests needing real decisions wait for it.
let engineAvailable: Bool = {
    guard let p = try? CompiledPolicy.compile(modules: [RegoModule(name: "t.rego", source: "package t\np := 1\n")]) else {
        return false
    }
    return (try? p.evaluate(path: ["t", "p"], input: nil, context: EvalContext())) != nil
}()

@Suite struct PolicyStoreTests {
    @Test func failureWithoutPolicyStaysEmpty() {
        let store = PolicyStore()
        #expect(store.snapshot.policy == nil)
        store.recordFailure([ReloadResult(bundle: "b", ok: false, revision: "1", error: "bad", atNs: 0)], loadError: "bad")
        #expect(store.snapshot.policy == nil)
        #expect(store.snapshot.loadError == "bad")
        #expect(store.snapshot.lastResults["b"]?.ok == false)
        #expect(!store.snapshot.degraded)
        #expect(store.rollback() == nil)
    }

    @Test func missingBundleDirIsRecordedAsFailure() {
        let store = PolicyStore()
        let out = DevelopmentBundleSource(dir: "/nonexistent/policyd-bundles", allowUnsigned: true).reload(into: store)
        #expect(!out.activated)
        #expect(store.snapshot.policy == nil)
        #expect(store.snapshot.lastResults["*"]?.ok == false)
    }

    @Test func unsignedBundlesNeedAllowUnsigned() {
        let store = PolicyStore()
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/bundles").path
        let out = DevelopmentBundleSource(dir: dir, allowUnsigned: false).reload(into: store)
        #expect(!out.activated)
        #expect(store.snapshot.loadError?.contains("allow_unsigned") == true)
    }

    @Test(.enabled(if: engineAvailable, "needs the Rego evaluator"))
    func exampleBundleLoads() throws {
        let store = PolicyStore()
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("config/bundles").path
        let out = DevelopmentBundleSource(dir: dir, allowUnsigned: true).reload(into: store)
        #expect(out.activated, "\(out.summary)")
        #expect(store.snapshot.bundles["example"]?.revision == "example-1")
        let doc = try store.snapshot.policy?.evaluate(path: ["behavry", "config"], input: nil, context: EvalContext())
        #expect(doc?["forbidden_tools"] == ["shell.exec", "process.kill"])
    }

    @Test(.enabled(if: engineAvailable, "needs the Rego evaluator"))
    func activateRejectRollbackAndConcurrentReads() throws {
        let store = PolicyStore()
        let p1 = try CompiledPolicy.compile(modules: [RegoModule(name: "a.rego", source: "package a\nallow := true\n")])
        let p2 = try CompiledPolicy.compile(modules: [RegoModule(name: "a.rego", source: "package a\nallow := false\n")])
        store.activate(policy: p1, bundles: ["a": BundleInfo(name: "a", revision: "1", activatedAtNs: 0)],
                       results: [ReloadResult(bundle: "a", ok: true, revision: "1", error: nil, atNs: 0)])
        // Readers hammer the store while a writer swaps policies: every read sees a whole snapshot.
        let done = ManagedFlag()
        let reader = Thread {
            while !done.isSet {
                let s = store.snapshot
                precondition(s.bundles["a"] != nil && s.policy != nil)
            }
        }
        reader.start()
        for i in 0..<2000 {
            let p = i % 2 == 0 ? p2 : p1
            store.activate(policy: p, bundles: ["a": BundleInfo(name: "a", revision: "\(i)", activatedAtNs: 0)], results: [])
        }
        done.set()
        #expect(store.snapshot.bundles["a"]?.revision == "1999")
        store.recordFailure([ReloadResult(bundle: "a", ok: false, revision: "bad", error: "nope", atNs: 0)], loadError: "nope")
        #expect(store.snapshot.degraded)
        #expect(store.snapshot.bundles["a"]?.revision == "1999")
        let back = try #require(store.rollback())
        #expect(back.bundles["a"]?.revision == "1998")
    }
}

final class ManagedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
