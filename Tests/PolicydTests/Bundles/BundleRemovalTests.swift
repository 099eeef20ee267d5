import Engine
import Foundation
import Testing
@testable import policyd

/// Deleting a drop deactivates its bundle (in-process pipeline): recorded in status, remembered
/// across a restart, except for the last bundle and for drops policyd itself moved aside.
@Suite(.serialized) struct BundleRemovalTests {
    typealias Rig = BundlePipelineTests.Rig

    static func twoBundles(_ rig: Rig) throws {
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "o1", roots: ["other"])), name: "other")
        #expect(rig.store.snapshot.bundles.keys.sorted() == ["authz", "other"])
    }

    @Test func deletedDropIsDeactivatedAndStaysGoneAfterRestart() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try Self.twoBundles(rig)
        try FileManager.default.removeItem(atPath: rig.drop + "/other.tar.gz")
        let out = rig.source.reload(into: rig.store)
        #expect(out.activated, "\(out.summary)")
        #expect(out.summary == "removed other@o1")
        let snap = rig.store.snapshot
        #expect(snap.bundles.keys.sorted() == ["authz"])
        #expect(snap.lastResults["other"]?.removal == .deactivated)
        #expect(snap.lastResults["other"]?.error?.hasPrefix("removed: drop deleted") == true)
        #expect(!snap.degraded)
        #expect(try snap.policy?.evaluate(path: ["other", "deny"], input: nil, context: EvalContext()) == nil)
        #expect(try rig.servedDeny() == .set(SetValue(["r1"])))
        // Nothing more happens on the next rescan; a restart does not bring it back.
        #expect(rig.source.reload(into: rig.store).results.isEmpty)
        let store2 = PolicyStore()
        _ = SignedBundleSource(settings: rig.source.settings).reload(into: store2)
        #expect(store2.snapshot.bundles.keys.sorted() == ["authz"])
        // Dropping it again (same bytes) activates it again.
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "o1", roots: ["other"])), name: "other")
        #expect(rig.store.snapshot.bundles["other"]?.revision == "o1")
    }

    @Test func theLastBundleKeepsServingWithAWarningRecordedOnce() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1")))
        try FileManager.default.removeItem(atPath: rig.drop + "/authz.tar.gz")
        let out = rig.source.reload(into: rig.store)
        #expect(!out.activated && out.summary == "kept authz@r1")
        #expect(rig.revision == "r1" && rig.store.snapshot.lastResults["authz"]?.removal == .kept)
        #expect(try rig.servedDeny() == .set(SetValue(["r1"])))
        #expect(rig.source.reload(into: rig.store).results.isEmpty)
    }

    @Test func deletingTheDropOfABundleOthersDependOnKeepsIt() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "o1", roots: ["other"])), name: "other")
        // authz's test reads data.other: it fails once `other` is gone.
        let module = BundleTestKit.module("r1", extra: "test_other_present if data.other.admin == \"alice\"\n")
        try rig.put(try BundleTestKit.signed(BundleTestKit.files(revision: "r1", module: module)))
        #expect(rig.revision == "r1")
        try FileManager.default.removeItem(atPath: rig.drop + "/other.tar.gz")
        let out = rig.source.reload(into: rig.store)
        #expect(!out.activated)
        #expect(rig.store.snapshot.lastResults["other"]?.removal == .kept)
        #expect(rig.store.snapshot.lastResults["other"]?.error?.contains("test_other_present") == true,
                "\(rig.store.snapshot.lastResults["other"]?.error ?? "")")
        #expect(rig.store.snapshot.bundles.keys.sorted() == ["authz", "other"])
    }

    @Test func aRefusedDropMovedAsideIsNotARemovalEvenAfterRestart() throws {
        let rig = try Rig()
        defer { rig.cleanup() }
        try Self.twoBundles(rig)
        let bad = try BundleTestKit.signed(BundleTestKit.files(revision: "o2", roots: ["other"]), claims: #"{"scope":"dev"}"#)
        let out = try rig.put(bad, name: "other")
        #expect(out.results.first?.ok == false)
        #expect(!FileManager.default.fileExists(atPath: rig.drop + "/other.tar.gz"))
        #expect(rig.store.snapshot.bundles["other"]?.revision == "o1")
        let store2 = PolicyStore()
        _ = SignedBundleSource(settings: rig.source.settings).reload(into: store2)
        #expect(store2.snapshot.bundles["other"]?.revision == "o1")
    }
}
