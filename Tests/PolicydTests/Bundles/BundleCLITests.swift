import Foundation
import Testing
@testable import policyd

/// `policyd bundle build/sign/verify/inspect` through the binary, with OPA's flag names.
@Suite struct BundleCLITests {
    static var binaryExists: Bool { PolicyClientIntegrationTests.binaryExists }

    @discardableResult
    static func run(_ args: [String]) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: PolicyClientIntegrationTests.binary)
        p.arguments = args
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    @Test(.enabled(if: binaryExists, "needs swift build"))
    func buildVerifyInspectAndTamper() throws {
        let dir = try SigningRoundTripTests.sampleDirectory()
        let work = try BundleTestKit.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: dir); try? FileManager.default.removeItem(atPath: work) }
        try Data(BundleTestKit.privatePEM).write(to: URL(fileURLWithPath: work + "/priv.pem"))
        try Data(BundleTestKit.publicPEM).write(to: URL(fileURLWithPath: work + "/pub.pem"))
        let out = work + "/authz.tar.gz"

        let build = try Self.run(["bundle", "build", dir, "-o", out, "--revision", "v7", "--signing-key", work + "/priv.pem",
                                  "--signing-alg", "ES256", "--keyid", "ci"])
        #expect(build.code == 0, "\(build.err)")
        let verify = try Self.run(["bundle", "verify", out, "--verification-key", work + "/pub.pem", "--verification-key-id", "ci",
                                   "--signing-alg", "ES256"])
        #expect(verify.code == 0, "\(verify.err)")
        #expect(verify.out.contains("valid") && verify.out.contains("revision: v7") && verify.out.contains("ES256, key id ci"))

        // A config file works the same (keys + bundles.signing, OPA shapes).
        try """
            keys:
              ci: {algorithm: ES256, key_file: pub.pem}
            bundles:
              signing: {keyid: ci}
            """.write(toFile: work + "/cfg.yaml", atomically: true, encoding: .utf8)
        #expect(try Self.run(["bundle", "verify", out, "--config", work + "/cfg.yaml"]).code == 0)

        let inspect = try Self.run(["bundle", "inspect", out])
        #expect(inspect.code == 0)
        #expect(inspect.out.contains("authz/policy.rego") && inspect.out.contains(#""kid":"ci""#))

        // Wrong scope, wrong algorithm, tampered content: non-zero with the reason.
        let scoped = try Self.run(["bundle", "verify", out, "--verification-key", work + "/pub.pem", "--verification-key-id", "ci",
                                   "--signing-alg", "ES256", "--scope", "prod"])
        #expect(scoped.code != 0 && scoped.err.contains("scope_mismatch"), "\(scoped.err)")
        let wrongAlg = try Self.run(["bundle", "verify", out, "--verification-key", work + "/pub.pem", "--verification-key-id", "ci",
                                     "--signing-alg", "RS256"])
        #expect(wrongAlg.code != 0 && wrongAlg.err.contains("bad_key"), "\(wrongAlg.err)")
        let bad = try BundleTestKit.tampered([UInt8](try Data(contentsOf: URL(fileURLWithPath: out)))) { fs in
            fs.map { $0.name == "data.json" ? BundleFile(name: $0.name, bytes: Array(#"{"x":1}"#.utf8)) : $0 }
        }
        try Data(bad).write(to: URL(fileURLWithPath: work + "/bad.tar.gz"))
        let tampered = try Self.run(["bundle", "verify", work + "/bad.tar.gz", "--verification-key", work + "/pub.pem",
                                     "--verification-key-id", "ci", "--signing-alg", "ES256"])
        #expect(tampered.code != 0 && tampered.err.contains("digest_mismatch"), "\(tampered.err)")
    }

    @Test(.enabled(if: binaryExists, "needs swift build"))
    func signInPlaceAndOPABuiltBundles() throws {
        let work = try BundleTestKit.tempDir("cli")
        defer { try? FileManager.default.removeItem(atPath: work) }
        // Real `opa build --signing-alg HS256 --signing-key secret` output, default key id.
        let opa = Fixtures.path("opa/opa-build-hs256.tar.gz")
        #expect(try Self.run(["bundle", "verify", opa, "--verification-key", "secret", "--signing-alg", "HS256"]).code == 0)
        #expect(try Self.run(["bundle", "verify", opa, "--verification-key", "wrong", "--signing-alg", "HS256"]).code != 0)

        // Unsigned build, refused until signed; `bundle sign` re-signs the tarball in place.
        let dir = try SigningRoundTripTests.sampleDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let out = work + "/b.tar.gz"
        #expect(try Self.run(["bundle", "build", dir, "-o", out]).code == 0)
        let unsigned = try Self.run(["bundle", "verify", out, "--verification-key", "s3", "--signing-alg", "HS256"])
        #expect(unsigned.code != 0 && unsigned.err.contains("signatures_missing"), "\(unsigned.err)")
        #expect(try Self.run(["bundle", "verify", out, "--allow-unsigned"]).code == 0)
        #expect(try Self.run(["bundle", "sign", out, "--signing-key", "s3", "--signing-alg", "HS256"]).code == 0)
        #expect(try Self.run(["bundle", "verify", out, "--verification-key", "s3", "--signing-alg", "HS256"]).code == 0)

        // A directory gets a .signatures.json and then verifies as a directory bundle.
        #expect(try Self.run(["bundle", "sign", dir, "--signing-key", "s3", "--signing-alg", "HS256"]).code == 0)
        #expect(FileManager.default.fileExists(atPath: dir + "/.signatures.json"))
        #expect(try Self.run(["bundle", "verify", dir, "--verification-key", "s3", "--signing-alg", "HS256"]).code == 0)
    }
}
