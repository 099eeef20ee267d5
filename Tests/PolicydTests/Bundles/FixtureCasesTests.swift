import Engine
import Foundation
import Testing
@testable import policyd

/// Every bundle case of fixtures/opa-bundle-signing/cases.json, through the whole reader
/// (archive, limits, signature, manifest, data, roots). Where a case records an OPA quirk,
/// policyd takes the stricter side; those cases are listed in `stricterThanOPA` with the
/// verdict and reason policyd gives instead, and tested as such.
@Suite struct FixtureCasesTests {
    /// OPA quirks policyd refuses: id → the reason policyd rejects with.
    static let stricterThanOPA: [String: BundleError.Reason] = [
        // OPA accepts an unsigned bundle when keys are configured without a keyid. policyd
        // demands a signature unless allow_unsigned is on AND no key is configured.
        "unsigned-keys-but-no-keyid": .unsignedNotAllowed,
        // OPA never reads the JWS header alg; policyd requires it to equal the key's algorithm.
        "gen-es256-header-alg-lies": .badSignature,
    ]

    static let cases: [Value] = {
        (try? Fixtures.json("cases.json"))?["cases"]?.arrayValue ?? []
    }()

    @Test func allFortyOneCasesArePresent() {
        #expect(Self.cases.count == 41)
    }

    @Test(arguments: cases.map { $0["id"]!.stringValue! })
    func bundleCase(_ id: String) throws {
        let c = try #require(Self.cases.first { $0["id"]?.stringValue == id })
        let expect = try #require(c["expect"])
        let config = try Fixtures.verification(c["verification"])
        let bundlePath = Fixtures.path(c["bundle"]!.stringValue!)

        let outcome = Result { () throws(BundleError) -> LoadedBundle in
            try BundleReader.load(path: bundlePath, name: "fixture", config: config)
        }

        if let stricter = Self.stricterThanOPA[id] {
            #expect(expect["opa_quirk"] == .true || expect["result"]?.stringValue == "accept")
            guard case .failure(let error) = outcome else {
                Issue.record("\(id): policyd must refuse this OPA quirk, but accepted it")
                return
            }
            #expect(error.reason == stricter, "\(id): \(error)")
            return
        }

        switch (expect["result"]?.stringValue, outcome) {
        case ("accept", .success(let bundle)):
            if let digests = expect["verified_file_sha256"]?.objectValue {
                for (name, hex) in digests.pairs {
                    #expect(bundle.signature?.verifiedDigests[name.stringValue!] == hex.stringValue, "\(id): digest of \(name)")
                }
            }
            if let data = expect["data"] { #expect(bundle.data == data, "\(id): data") }
            if let manifest = expect["manifest"] {
                #expect(bundle.manifest.revision == manifest["revision"]?.stringValue)
                #expect(bundle.manifest.roots == manifest["roots"]?.arrayValue?.compactMap(\.stringValue))
            }
        case ("accept", .failure(let error)):
            Issue.record("\(id): expected accept, got \(error)")
        case ("reject", .success):
            Issue.record("\(id): expected reject (\(expect["reason"]?.stringValue ?? "")), but the bundle was accepted")
        case ("reject", .failure(let error)):
            #expect(error.reason.rawValue == expect["reason"]?.stringValue, "\(id): \(error)")
        default:
            Issue.record("\(id): unexpected fixture verdict")
        }
    }

    /// The quirk case again, from the other side: with allow_unsigned and no key configured the
    /// unsigned bundle is accepted; with a key configured (and no keyid) it never is.
    @Test func unsignedBundlePolicy() throws {
        let path = Fixtures.path("opa-test-literals/unsigned-keys-but-no-keyid.tar.gz")
        var open = VerificationConfig()
        open.allowUnsigned = true
        let bundle = try BundleReader.load(path: path, name: "u", config: open)
        #expect(bundle.signature == nil)

        var keyed = try #require(try Fixtures.verification(
            ["keys": ["k": ["algorithm": "HS256", "key": "secret"]]]))
        keyed.allowUnsigned = true
        #expect(throws: BundleError.self) { try BundleReader.load(path: path, name: "u", config: keyed) }
        do { _ = try BundleReader.load(path: path, name: "u", config: keyed) } catch {
            #expect(error.reason == .signaturesMissing)
        }
    }
}
