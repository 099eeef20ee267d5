import Testing
@testable import Engine

/// to_number of texts Go's ParseFloat accepts but JSON does not. OPA keeps the text as the
/// number: it computes by value (`to_number("00012") + 1` is 13 in OPA) but cannot be printed,
/// so oracle-cases.json cannot record these; found by scripts/builtin-fuzz.py.
@Suite struct ToNumberGoFloatTests {
    func toNumber(_ s: String) throws -> Value? {
        try BuiltinRegistry.lookup("to_number")!.implementation(Arguments([.string(s)]), EvalContext())
    }

    @Test func goFloatTextsGiveTheirValue() throws {
        #expect(try toNumber("00012") == .int(12))
        #expect(try toNumber("1_000") == .int(1000))
        #expect(try toNumber("+1") == .int(1))
        #expect(try toNumber(".5") == .number(Number(0.5)))
        #expect(try toNumber("5.") == .int(5))
        #expect(try toNumber("-007.50e1") == .number(Number(-75.0)))
    }

    @Test func misplacedUnderscoresAndHexStayErrors() {
        #expect(throws: BuiltinError.self) { try toNumber("1__0") }
        #expect(throws: BuiltinError.self) { try toNumber("_1") }
        #expect(throws: BuiltinError.self) { try toNumber("0x10") }
    }
}
