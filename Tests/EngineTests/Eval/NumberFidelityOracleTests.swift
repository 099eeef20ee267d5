import Testing
@testable import Engine

/// Numbers at the edges, against OPA: every case of Fixtures/fidelity-cases.txt was evaluated
/// by the real OPA as `r := json.marshal(EXPR)` (`scripts/arithmetic-cases.py --set fidelity`
/// → Fixtures/fidelity-opa.json): magnitudes beyond float64 and Float80 (`1e5000`, `1e-5000`),
/// OPA's literal bounds (`number too big`), yaml.marshal's re-reading of number text, exact
/// `numbers.range`, and the cases the randomized differential against OPA turned up.
@Suite struct NumberFidelityOracleTests {
    static let cases = OPAMarshalFixture.load("fidelity-opa.json")

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count >= 15)
    }

    @Test func matchesOPA() {
        #expect(OPAMarshalFixture.mismatches(Self.cases) == 0)
    }

    @Test func hugeJSONIntegersStayText() throws {
        // Beyond the reader's expansion bound the text is kept: exact order and printing.
        let v = try JSONReader.parse(#"[1e40000, 1e39999, 10e39999]"#)
        #expect(JSONWriter.string(v) == "[1e40000,1e39999,10e39999]")
        guard case .array(let a) = v, case .number(let x) = a[0], case .number(let y) = a[1], case .number(let z) = a[2] else {
            Issue.record("not numbers"); return
        }
        #expect(x > y)
        #expect(x == z)
        #expect(x.hashValue == z.hashValue)
    }
}
