import Engine
import Foundation
import Testing
@testable import policyd

/// fixtures/opa-bundle-signing/jwt-cases.json: token-level verification (signature count,
/// compact form, key id precedence, scope, algorithms, key loading).
@Suite struct JWTCasesTests {
    static let cases: [Value] = { (try? Fixtures.json("jwt-cases.json"))?["cases"]?.arrayValue ?? [] }()

    @Test func allNineteenCasesArePresent() { #expect(Self.cases.count == 19) }

    @Test(arguments: cases.map { $0["id"]!.stringValue! })
    func jwtCase(_ id: String) throws {
        let c = try #require(Self.cases.first { $0["id"]?.stringValue == id })
        let tokens = c["signatures"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let expect = c["expect"]?.stringValue
        // The same route a bundle takes: .signatures.json → exactly one token → verification.
        let sigFile = CanonicalJSON.canonicalBytes(.object([("signatures", .array(tokens.map { .string($0) }))]))
        let outcome = Result { () throws(BundleError) -> SignatureClaims in
            let token = try BundleSignatureVerifier.parseSignaturesFile(sigFile)
            guard let config = try Self.config(c["verification"]) else {
                throw BundleError(.signature, .noVerificationKey, "verification key not provided")
            }
            return try BundleSignatureVerifier.verifyToken(token, config: config).0
        }
        switch (expect, outcome) {
        case ("accept", .success(let claims)), ("signature-valid", .success(let claims)):
            if let n = c["files_in_payload"]?.numberValue?.exactInt { #expect(claims.files.count == n) }
        case ("reject", .failure):
            break
        case (_, .failure(let error)):
            Issue.record("\(id): expected \(expect ?? "?"), got \(error)")
        case (_, .success):
            Issue.record("\(id): expected reject, but the token verified")
        }
    }

    /// Key loading failures surface as rejections (a corrupt PEM, an unknown algorithm).
    static func config(_ v: Value?) throws(BundleError) -> VerificationConfig? {
        do { return try Fixtures.verification(v) } catch let e as BundleError { throw e } catch {
            throw BundleError(.signature, .badKey, "\(error)")
        }
    }

    @Test func specificReasons() throws {
        func reason(_ id: String) throws -> BundleError.Reason? {
            let c = try #require(Self.cases.first { $0["id"]?.stringValue == id })
            let tokens = c["signatures"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let sigFile = CanonicalJSON.canonicalBytes(.object([("signatures", .array(tokens.map { .string($0) }))]))
            do {
                let token = try BundleSignatureVerifier.parseSignaturesFile(sigFile)
                guard let config = try Self.config(c["verification"]) else { return .noVerificationKey }
                _ = try BundleSignatureVerifier.verifyToken(token, config: config)
                return nil
            } catch { return error.reason }
        }
        #expect(try reason("no-signatures") == .signatureCount)
        #expect(try reason("multiple-signatures") == .signatureCount)
        #expect(try reason("header-bad-base64") == .badToken)
        #expect(try reason("header-bad-json") == .badToken)
        #expect(try reason("hs256-scope-mismatch") == .scopeMismatch)
        #expect(try reason("no-key-id-anywhere") == .noKeyID)
        #expect(try reason("kid-not-configured") == .unknownKey)
        #expect(try reason("unsupported-key-algorithm") == .badKey)
        #expect(try reason("hs256-wrong-secret") == .badSignature)
        #expect(try reason("rs256-other-key") == .badSignature)
        #expect(try reason("rs256-corrupt-pem") == .badKey)
    }
}
