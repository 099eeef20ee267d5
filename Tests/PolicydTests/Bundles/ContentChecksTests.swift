import Engine
import Foundation
import Testing
@testable import policyd

/// Manifest, roots, data placement and merging, module versions, globs, canonical JSON edges.
@Suite struct ContentChecksTests {
    static func files(_ pairs: [(String, String)]) -> [BundleFile] {
        pairs.map { BundleFile(name: $0.0, bytes: Array($0.1.utf8)) }
    }

    static var open: VerificationConfig {
        var c = VerificationConfig()
        c.allowUnsigned = true
        return c
    }

    static func reason(_ pairs: [(String, String)]) -> BundleError.Reason? {
        do { _ = try BundleReader.load(files: files(pairs), name: "t", config: open); return nil } catch { return error.reason }
    }

    @Test func dataLandsAtItsDirectoryAndMerges() throws {
        let b = try BundleReader.load(files: Self.files([
            ("data.json", #"{"top": true}"#),
            ("a/data.json", #"{"x": 1}"#),
            ("a/b/data.json", #"{"y": 2}"#),
            ("c/data.yml", "k: v\nn: 3\n"),
        ]), name: "t", config: Self.open)
        #expect(b.data == ["top": true, "a": ["x": 1, "b": ["y": 2]], "c": ["k": "v", "n": 3]])
    }

    @Test func conflictingDataAndNonObjectRootAreRefused() {
        #expect(Self.reason([("a/data.json", #"{"b": 1}"#), ("a/b/data.json", "2")]) == .badData)
        #expect(Self.reason([("data.json", "[1]")]) == .badData)
        #expect(Self.reason([("data.json", "{")]) == .badData)
    }

    @Test func rootsGovernDataAndPackages() {
        let manifest = (".manifest", #"{"roots": ["authz", "shared/lists"]}"#)
        #expect(Self.reason([manifest, ("authz/data.json", "{}"), ("shared/lists/data.json", #"{"a":[1]}"#),
                             ("authz/p.rego", "package authz.rules\n")]) == nil)
        #expect(Self.reason([manifest, ("other/data.json", #"{"a":1}"#)]) == .rootsViolation)
        #expect(Self.reason([manifest, ("shared/data.json", #"{"x":1}"#)]) == .rootsViolation)
        #expect(Self.reason([manifest, ("p.rego", "# c\npackage authzx\n")]) == .rootsViolation)
        #expect(Self.reason([manifest, ("p.rego", "package shared[\"lists\"].x\n")]) == nil)
        #expect(Self.reason([(".manifest", #"{"roots": ["a", "a/b"]}"#)]) == .rootsViolation)
        #expect(Self.reason([(".manifest", #"{"roots": []}"#)]) == .badManifest)
    }

    @Test func rootsContainmentIsBySegment() {
        #expect(BundleRoots.contains(root: "a/b", path: ["a", "b", "c"]))
        #expect(!BundleRoots.contains(root: "a/b", path: ["a", "bc"]))
        #expect(BundleRoots.contains(root: "", path: ["x"]))
        #expect(BundleRoots.overlap("a", "a/b") && !BundleRoots.overlap("a/b", "a/c"))
        #expect(BundleRoots.conflicts(roots: ["x/y"], with: [("one", ["x"]), ("two", ["z"])]) == ["one"])
    }

    @Test func manifestFieldsAndRegoVersions() throws {
        let b = try BundleReader.load(files: Self.files([
            (".manifest", #"{"revision": "r9", "roots": ["/p/"], "rego_version": 0, "file_rego_versions": {"/p/v1/*.rego": 1}, "metadata": {"k": "v"}, "unknown": 1}"#),
            ("p/old.rego", "package p\n"),
            ("p/v1/new.rego", "package p.v1\n"),
        ]), name: "t", config: Self.open)
        #expect(b.revision == "r9")
        #expect(b.roots == ["p"])
        #expect(b.manifest.metadata == ["k": "v"])
        #expect(b.modules.first { $0.name == "p/old.rego" }?.regoVersion == .v0)
        #expect(b.modules.first { $0.name == "p/v1/new.rego" }?.regoVersion == .v1)
        #expect(Self.reason([(".manifest", #"{"rego_version": 2}"#)]) == .badManifest)
        #expect(Self.reason([(".manifest", #"{"revision": 5}"#)]) == .badManifest)
    }

    @Test func ambiguousAndUnsupportedFilesAreRefused() {
        #expect(Self.reason([("x/.manifest", "{}")]) == .unsafePath)
        #expect(Self.reason([("x/.signatures.json", "{}")]) == .unsafePath)
        #expect(Self.reason([("mysignatures.json", "{}")]) == .unsafePath)
        #expect(Self.reason([("patch.json", #"{"data":[]}"#)]) == .unsupportedFeature)
        #expect(Self.reason([("p.rego", "no package here")]) == .compileError)
    }

    @Test func signaturesFileRules() {
        func reason(_ json: String) -> BundleError.Reason? {
            do { _ = try BundleSignatureVerifier.parseSignaturesFile(Array(json.utf8)); return nil } catch { return error.reason }
        }
        // `{}` counts as signed-with-nothing, never as unsigned.
        #expect(reason("{}") == .signatureCount)
        #expect(reason(#"{"signatures": ["a.b.c"], "plugin": "custom"}"#) == .badToken)
        #expect(reason(#"{"signatures": ["a.b.c"], "plugin": "_default"}"#) == nil)
        #expect(reason(#"{"signatures": ["a.b.c"]}"#) == nil)
    }

    @Test func compactJWSShape() {
        func reason(_ t: String) -> BundleError.Reason? { do { _ = try CompactJWS(t); return nil } catch { return error.reason } }
        #expect(reason("e30.e30") == .badToken)
        #expect(reason("e30.e30.AA.x") == .badToken)  // OPA ignores a 4th part; we refuse it
        #expect(reason("e30=.e30.AA") == .badToken)   // padding is not RawURLEncoding
        #expect(reason("e30.e30.AA") == nil)
        #expect(Base64URL.decode(Base64URL.encode(Array(0..<255))) == Array(0..<255))
    }

    @Test func globDialects() {
        let fp = { (p: String, s: String) in PathGlob(p, dialect: .filepath).matches(s) }
        #expect(fp(".*", ".manifest"))
        #expect(fp("authz/*.rego", "authz/p.rego") && !fp("authz/*.rego", "authz/x/p.rego"))
        #expect(fp("a/[b-d]?/x", "a/cz/x") && !fp("a/[^b-d]?/x", "a/cz/x"))
        let gw = { (p: String, s: String) in PathGlob(p, dialect: .gobwas).matches(s) }
        #expect(gw("/p/**.rego", "/p/a/b/c.rego") && !gw("/p/*.rego", "/p/a/c.rego"))
        #expect(gw("/{a,b}/*.rego", "/b/x.rego") && !gw("/{a,b}/*.rego", "/c/x.rego"))
        #expect(gw("/[!x]*.rego", "/y.rego") && !gw("/[!x]*.rego", "/x.rego"))
    }

    @Test func bundleNamesInTheWatchedDirectory() {
        #expect(BundleNaming.name(forEntry: "authz.tar.gz", isDirectory: false) == "authz")
        #expect(BundleNaming.name(forEntry: "authz", isDirectory: true) == "authz")
        #expect(BundleNaming.name(forEntry: ".authz.tar.gz", isDirectory: false) == nil)
        #expect(BundleNaming.name(forEntry: "authz.tar.gz.tmp", isDirectory: false) == nil)
        #expect(BundleNaming.name(forEntry: "notes.txt", isDirectory: false) == nil)
        #expect(BundleNaming.name(forPath: "/x/drop/authz.tar.gz") == "authz")
    }
}
