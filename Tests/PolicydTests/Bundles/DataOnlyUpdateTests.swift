import Engine
import Foundation
import Testing
@testable import policyd

/// A data-only update keeps the parsed and checked modules (CheckedModulesCache) but is still
/// compiled against its data and tested in full; any module change is parsed and checked again.
@Suite(.serialized) struct DataOnlyUpdateTests {
    static let module = BundleTestKit.module("r", extra: "test_admin_is_alice if data.authz.admin == \"alice\"\n")

    static func bundle(revision: String, admin: String, module: String = module) -> [BundleFile] {
        BundleTestKit.files(revision: revision, module: module).map { f in
            f.name.hasSuffix("data.json") ? BundleFile(name: f.name, bytes: Array(#"{"admin": "\#(admin)"}"#.utf8)) : f
        }
    }

    @Test func dataOnlyUpdatesReuseTheCheckedModulesButAreCompiledAndTestedAgain() throws {
        let drop = try BundleTestKit.tempDir("drop"), state = try BundleTestKit.tempDir("state")
        defer {
            try? FileManager.default.removeItem(atPath: drop)
            try? FileManager.default.removeItem(atPath: state)
        }
        let source = SignedBundleSource(settings: .init(dropDirectory: drop, stateDirectory: state,
                                                        bundle: BundleTestKit.settings(limits: BundleTestKit.testLimits)))
        let store = PolicyStore()
        func put(_ files: [BundleFile]) throws -> ReloadOutcome {
            try BundleTestKit.drop(try BundleTestKit.signed(files), name: "authz", into: drop)
            return source.reload(into: store)
        }
        func allows(_ user: String) throws -> Value? {
            try store.snapshot.policy?.evaluate(path: ["authz", "allow"], input: ["user": .string(user)], context: EvalContext())
        }
        #expect(try put(Self.bundle(revision: "r1", admin: "alice")).activated)
        let modules = try #require(source.active["authz"]?.bundle.modules.map {
            RegoModule(name: PolicyAssembler.moduleName("authz", $0.name), source: $0.source, regoVersion: $0.regoVersion)
        })
        #expect(source.checks.lookup(modules, options: CompileOptions()) != nil)
        #expect(try allows("alice") == .true)

        // Same modules, new data: compiled against it (the data's admin decides)...
        let patched = try BundleTestKit.signed(Self.bundle(revision: "r2", admin: "alice").map { f in
            f.name.hasSuffix("data.json") ? BundleFile(name: f.name, bytes: Array(#"{"admin": "alice", "extra": 1}"#.utf8)) : f
        })
        try BundleTestKit.drop(patched, name: "authz", into: drop)
        #expect(source.reload(into: store).activated)
        #expect(store.snapshot.bundles["authz"]?.revision == "r2")
        // ...and its tests run against it: data that fails a bundle test is refused.
        let failing = try put(Self.bundle(revision: "r3", admin: "bob"))
        #expect(!failing.activated)
        #expect(failing.results.first?.error?.contains("test_admin_is_alice") == true, "\(failing.results.first?.error ?? "")")
        #expect(store.snapshot.bundles["authz"]?.revision == "r2")

        // A changed module is checked again: an undefined function is refused.
        let broken = try put(Self.bundle(revision: "r4", admin: "alice", module: Self.module + "q if nosuch(1)\n"))
        #expect(!broken.activated)
        #expect(broken.results.first?.error?.contains("compile") == true, "\(broken.results.first?.error ?? "")")
        #expect(store.snapshot.bundles["authz"]?.revision == "r2")
        #expect(try allows("alice") == .true)
    }
}
