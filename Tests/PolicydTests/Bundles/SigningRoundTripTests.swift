import Crypto
import _CryptoExtras
import Foundation
import Testing
@testable import policyd

/// Bundles built and signed by policyd verify under OPA's rules, for every algorithm; the
/// fixture keys sign the same way the fixture bundles were signed; tampering is caught.
@Suite struct SigningRoundTripTests {
    struct KeyPair { var privatePEM: [UInt8]; var publicPEM: [UInt8] }

    static func keyPair(_ alg: SigningAlgorithm) throws -> KeyPair {
        let priv: String
        switch alg {
        case .rs256, .rs384, .rs512, .ps256, .ps384, .ps512:
            priv = try String(contentsOfFile: Fixtures.path("keys/rs256-private.pem"), encoding: .utf8)
        case .es256: priv = P256.Signing.PrivateKey().pemRepresentation
        case .es384: priv = P384.Signing.PrivateKey().pemRepresentation
        case .es512: priv = P521.Signing.PrivateKey().pemRepresentation
        case .edDSA:
            // PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): fixed prefix + 32 bytes.
            let seed = Curve25519.Signing.PrivateKey().rawRepresentation
            let der = [UInt8]([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]) + seed
            priv = "-----BEGIN PRIVATE KEY-----\n\(Data(der).base64EncodedString())\n-----END PRIVATE KEY-----\n"
        case .hs256, .hs384, .hs512:
            return KeyPair(privatePEM: Array("s3cret".utf8), publicPEM: Array("s3cret".utf8))
        }
        let p = Array(priv.utf8)
        return KeyPair(privatePEM: p, publicPEM: try SigningAlgorithm.publicPEM(fromPrivate: p))
    }

    static func sampleDirectory() throws -> String {
        let dir = NSTemporaryDirectory() + "pd-build-\(UUID().uuidString)"
        let fm = FileManager.default
        try fm.createDirectory(atPath: dir + "/authz/roles", withIntermediateDirectories: true)
        try Data("package authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.user in data.authz.roles.admins\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/authz/policy.rego"))
        try Data(#"{"admins": ["alice"], "n": 1.50}"#.utf8).write(to: URL(fileURLWithPath: dir + "/authz/roles/data.json"))
        try Data(#"{"roots": ["authz"], "revision": "src"}"#.utf8).write(to: URL(fileURLWithPath: dir + "/.manifest"))
        return dir
    }

    static func config(_ alg: SigningAlgorithm, _ key: [UInt8], keyID: String = "k1", scope: String? = nil) -> VerificationConfig {
        var c = VerificationConfig()
        c.keys = [keyID: VerificationKey(algorithm: alg, material: key, scope: nil)]
        c.scope = scope
        return c
    }

    @Test(arguments: SigningAlgorithm.allCases)
    func buildSignVerify(_ alg: SigningAlgorithm) throws {
        let dir = try Self.sampleDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let keys = try Self.keyPair(alg)
        let tarball = try BundleBuilder.build(directory: dir, revision: "rev-7",
                                              signing: .init(algorithm: alg, key: keys.privatePEM, keyID: "k1", claims: nil))
        let files = try BundleArchive.readTarball(bytes: tarball, limits: .default)
        #expect(Set(files.map(\.name)) == ["authz/policy.rego", "data.json", ".manifest", ".signatures.json"])
        let bundle = try BundleReader.load(files: files, name: "authz", config: Self.config(alg, keys.publicPEM))
        #expect(bundle.revision == "rev-7")
        #expect(bundle.roots == ["authz"])
        #expect(bundle.signature?.keyID == "k1")
        #expect(bundle.signature?.verifiedDigests.count == 3)
        #expect(bundle.data["authz"]?["roles"]?["admins"] == ["alice"])

        // Any changed byte in a module is a digest mismatch.
        var tampered = files
        let i = tampered.firstIndex { $0.name == "authz/policy.rego" }!
        tampered[i].bytes += Array("\nallow if true\n".utf8)
        do {
            _ = try BundleReader.load(files: tampered, name: "authz", config: Self.config(alg, keys.publicPEM))
            Issue.record("tampered bundle accepted")
        } catch { #expect(error.reason == .digestMismatch) }
    }

    @Test func psSignaturesUseTheMaximumSaltAndStillVerify() throws {
        let keys = try Self.keyPair(.ps256)
        let message = Array("header.payload".utf8)
        let sig = try SigningAlgorithm.ps256.sign(message: message, key: keys.privatePEM)
        #expect(try SigningAlgorithm.ps256.verify(message: message, signature: sig, key: keys.publicPEM))
        // swift-crypto's PSS demands salt = hash length: it must refuse our (Go-style) signature,
        // which proves the salt is not 32 bytes, while OPA's auto-detecting verifier accepts it.
        let rsa = try _RSA.Signing.PublicKey(pemRepresentation: String(decoding: keys.publicPEM, as: UTF8.self))
        #expect(!rsa.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: sig), for: message, padding: .PSS))
    }

    @Test func wrongKeyWrongScopeAndUnknownKeyID() throws {
        let dir = try Self.sampleDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let claims = try CanonicalJSON.parse(Array(#"{"scope":"write","iss":"ci","iat":1700000000}"#.utf8))
        let keys = try Self.keyPair(.es256)
        let other = try Self.keyPair(.es256)
        let tarball = try BundleBuilder.build(directory: dir, revision: nil,
                                              signing: .init(algorithm: .es256, key: keys.privatePEM, keyID: nil, claims: claims))
        let files = try BundleArchive.readTarball(bytes: tarball, limits: .default)
        func reason(_ c: VerificationConfig) -> BundleError.Reason? {
            do { _ = try BundleReader.load(files: files, name: "b", config: c); return nil } catch { return error.reason }
        }
        var pinned = Self.config(.es256, keys.publicPEM, scope: "write")
        pinned.keyID = "k1"  // no kid in the token (claims file): the configured keyid picks the key
        #expect(reason(pinned) == nil)
        var wrongKey = Self.config(.es256, other.publicPEM, scope: "write")
        wrongKey.keyID = "k1"
        #expect(reason(wrongKey) == .badSignature)
        var wrongScope = pinned
        wrongScope.scope = "read"
        #expect(reason(wrongScope) == .scopeMismatch)
        #expect(reason(Self.config(.es256, keys.publicPEM, scope: "write")) == .noKeyID)
    }

    @Test func fixtureKeySignsLikeTheFixtures() throws {
        // Re-sign the fixture's generated ES256 bundle content with its own private key.
        let files = try BundleArchive.read(path: Fixtures.path("generated/bundles/es256-valid.tar.gz"))
        let priv = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Fixtures.path("generated/keys/es256-private.pem"))))
        let claims = try CanonicalJSON.parse(Array(#"{"scope":"write"}"#.utf8))
        let resigned = try BundleBuilder.archive(files: files, signing: .init(algorithm: .es256, key: priv, keyID: "es256-key", claims: claims))
        let config = try #require(try Fixtures.verification(
            ["keys": ["es256-key": ["algorithm": "ES256", "key_file": "generated/keys/es256-public.pem"]], "scope": "write"]))
        var pinned = config
        pinned.keyID = "es256-key"
        let bundle = try BundleReader.load(files: BundleArchive.readTarball(bytes: resigned, limits: .default), name: "x", config: pinned)
        #expect(bundle.signature?.algorithm == .es256)
    }
}
