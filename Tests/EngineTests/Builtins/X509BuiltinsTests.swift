import Foundation
import XCTest
@testable import Engine

/// crypto.x509.* against OPA's full output (Fixtures/x509-expected.json, produced by the OPA
/// oracle from the inputs in Fixtures/x509-inputs.json, which come from the conformance cases).
final class X509BuiltinsTests: XCTestCase {
    private func fixture(_ name: String) throws -> Value {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
        return try JSONReader.parse(bytes: try Data(contentsOf: dir.appendingPathComponent(name)))
    }

    func testMatchesOPA() throws {
        let inputs = try fixture("x509-inputs.json"), expected = try fixture("x509-expected.json")
        func s(_ k: String) -> Value { inputs[k]! }
        let calls: [(String, String, [Value])] = [
            ("parse_certificate_request", "crypto.x509.parse_certificate_request", [s("csr")]),
            ("parse_keypair", "crypto.x509.parse_keypair", [s("cert"), s("key")]),
            ("parse_rsa_private_key", "crypto.x509.parse_rsa_private_key", [s("pem")]),
            ("parse_private_keys", "crypto.parse_private_keys", [s("pem")]),
            ("parse_and_verify_certificates", "crypto.x509.parse_and_verify_certificates", [s("chain")]),
            ("parse_and_verify_with_options", "crypto.x509.parse_and_verify_certificates_with_options",
             [s("chain"), ["DNSName": "notarealsite.opa.localhost"]]),
            ("parse_and_verify_wrong_dns", "crypto.x509.parse_and_verify_certificates_with_options",
             [s("chain"), ["DNSName": "other.localhost"]]),
            ("parse_certificates_chain", "crypto.x509.parse_certificates", [s("chain")]),
        ]
        for (key, name, args) in calls {
            let got = try BuiltinRegistry.lookup(name)!.implementation(Arguments(args), EvalContext(nowNs: 0))
            XCTAssertEqual(got.map { JSONWriter.string($0) }, expected[.string(key)].map { JSONWriter.string($0) }, key)
        }
    }

    func testInvalidInputs() throws {
        let parse = BuiltinRegistry.lookup("crypto.x509.parse_certificates")!
        XCTAssertThrowsError(try parse.implementation(Arguments(["foobar"]), EvalContext(nowNs: 0)))
        let keys = BuiltinRegistry.lookup("crypto.parse_private_keys")!
        XCTAssertEqual(try keys.implementation(Arguments([""]), EvalContext(nowNs: 0)), .null)
        XCTAssertEqual(try keys.implementation(Arguments(["nope"]), EvalContext(nowNs: 0)), .emptyArray)
    }
}
