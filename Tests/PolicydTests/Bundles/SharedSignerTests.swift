import _CryptoExtras
import Crypto
import Engine
import Foundation
import Testing
@testable import policyd

/// One libcrypto signing path for the io.jwt builtins and the bundle signer, with the PSS salt
/// each needs: digest length for JWTs (what swift-crypto's PSS verifier expects), the maximum
/// for bundles (`opa build`). The engine verifies both.
@Suite struct SharedSignerTests {
    static let rsa = try! _RSA.Signing.PrivateKey(keySize: .bits2048)
    static let message = Array("header.payload".utf8)

    func digestSaltVerifiesWithSwiftCrypto(_ sig: [UInt8]) throws -> Bool {
        Self.rsa.publicKey.isValidSignature(try _RSA.Signing.RSASignature(rawRepresentation: sig), for: SHA256.hash(data: Self.message),
                                            padding: .PSS)
    }

    @Test func jwtAndBundleSignersShareThePathWithTheirOwnSalt() throws {
        let spki = Array(Self.rsa.publicKey.derRepresentation)
        // JWT builtin path: parsed RSA key (DER), default digest-length salt.
        let jwt = try JWS.sign(signingInput: Self.message, key: .rsa(der: Array(Self.rsa.derRepresentation)), alg: "PS256")
        #expect(JWS.verify(signingInput: Self.message, signature: jwt, key: .rsa(spki: spki), alg: "PS256"))
        #expect(try digestSaltVerifiesWithSwiftCrypto(jwt))
        // Bundle signer: PEM key, maximal salt; still valid PSS, but not with a digest-length salt.
        let bundle = try SigningAlgorithm.ps256.sign(message: Self.message, key: Array(Self.rsa.pemRepresentation.utf8))
        #expect(JWS.verify(signingInput: Self.message, signature: bundle, key: .rsa(spki: spki), alg: "PS256"))
        #expect(try !digestSaltVerifiesWithSwiftCrypto(bundle))
        // PKCS#1 v1.5 is deterministic: both paths give the same bytes.
        let a = try JWS.sign(signingInput: Self.message, key: .rsa(der: Array(Self.rsa.derRepresentation)), alg: "RS256")
        let b = try SigningAlgorithm.rs256.sign(message: Self.message, key: Array(Self.rsa.pemRepresentation.utf8))
        #expect(a == b)
    }

    @Test func keyErrorsAreTyped() throws {
        let ec = Array(P256.Signing.PrivateKey().pemRepresentation.utf8)
        #expect(throws: JWS.SignError.self) { try JWS.sign(signingInput: Self.message, privateKey: ec, alg: "RS256", pssSalt: .maximum) }
        do { _ = try JWS.sign(signingInput: Self.message, privateKey: ec, alg: "ES384", pssSalt: .maximum) } catch {
            #expect(error.kind == .keyType)
        }
        do { _ = try JWS.sign(signingInput: Self.message, privateKey: Array("junk".utf8), alg: "ES256", pssSalt: .maximum) } catch {
            #expect(error.kind == .keyParse)
        }
        let sig = try JWS.sign(signingInput: Self.message, privateKey: ec, alg: "ES256", pssSalt: .maximum)
        #expect(sig.count == 64)
    }
}
