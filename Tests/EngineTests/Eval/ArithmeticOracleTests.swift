import Foundation
import Testing
@testable import Engine


/// Arithmetic and number text against OPA: every case of Fixtures/arithmetic-cases.txt was
/// evaluated by the real OPA as `r := json.marshal(EXPR)` (scripts/arithmetic-cases.py →
/// Fixtures/arithmetic-opa.json), so the expected strings are OPA's exact number text.
@Suite struct ArithmeticOracleTests {
    static let cases = OPAMarshalFixture.load("arithmetic-opa.json")

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count > 150)
    }

    @Test func matchesOPA() {
        #expect(OPAMarshalFixture.mismatches(Self.cases) == 0)
    }

    @Test func equalNumbersHashAlikeAcrossCases() throws {
        // A result (.wide) equal to a short literal (.float), a big literal double (1e+21) equal
        // to an exact integer: equal, same hash, one set element.
        let half = try NumberMath.div(.int(1), .int(2))
        let third = try NumberMath.div(.int(1), .int(3))
        let pairs: [(Number, Number)] = [
            (half, Number.parse("0.5")!),
            (third, Number.parse("0.33333333333333333334")!),
            (Number.parse("1e21")!, Number.parse("1" + String(repeating: "0", count: 21))!),
            (Number.parse("1.5e3")!, .int(1500)),
        ]
        for (a, b) in pairs {
            #expect(a == b, "\(a) == \(b)")
            #expect(a.hashValue == b.hashValue, "hash \(a) \(b)")
            #expect(SetValue([.number(a), .number(b)]).count == 1)
        }
        #expect(third < Number.parse("0.33333333333333333335")!)
        #expect(Number.parse("0.1")! != Number.parse("0.10000000000000000001")!)
        #expect(third.description == "0.33333333333333333334")
    }

    @Test func valueLayoutDidNotGrow() {
        // The wide case is boxed: a Value stays three words.
        #expect(MemoryLayout<Value>.size <= 24)
        #expect(MemoryLayout<Number>.size <= 9)
    }
}
