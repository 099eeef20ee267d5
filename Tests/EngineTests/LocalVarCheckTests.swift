import Testing
@testable import Engine

/// OPA's local-variable, shadowing and default/with parse errors (messages recorded from OPA
/// with /work/shared/oracles/opa_eval.py).
@Suite struct LocalVarCheckTests {
    func messages(_ source: String) throws -> [String] {
        let m = try Parser.parseModule(name: "test-0.rego", source: source)
        return StaticChecks.run([m]).filter { $0.code == .compileError }.map(\.message)
    }

    func parseError(_ source: String) -> String? {
        do { _ = try Parser.parseModule(name: "test-0.rego", source: source); return nil } catch {
            return error.errors.first?.message
        }
    }

    @Test func redeclarations() throws {
        #expect(try messages("package p\na if { x := 1; x := 2 }") == ["var x assigned above"])
        #expect(try messages("package p\na if { some x; x := 1 }") == ["var x declared above"])
        #expect(try messages("package p\nf(x) := y if { x := 1; y := 2 }") == ["arg x redeclared"])
        #expect(try messages("package p\na if { x = 1; x := 2 }") == ["var x referenced above"])
        #expect(try messages("package p\na := 1 if { x := 1; x := 2 } else := 2") == ["var x assigned above"])
        #expect(try messages("package p\na if { input := 1 }") == ["variables must not shadow input (use a different variable name)"])
        #expect(try messages("package p\na if { 1 := 1 }") == ["cannot assign to number"])
        #expect(try messages("package p\na if { input.x := 1 }") == ["cannot assign to ref"])
        // Nested bodies are scopes of their own; `_` is never a declaration.
        #expect(try messages("package p\na if { x := 1; y := [x | x := 2] }").isEmpty)
        #expect(try messages("package p\na if { _ := 1; _ := 2 }").isEmpty)
    }

    @Test func unusedDeclarations() throws {
        #expect(try messages("package p\na if { some x, y; x = 1 }") == ["declared var y unused"])
        #expect(try messages("package p\na if { some x; y := [1 | x := 1] }") == ["declared var x unused"])
        #expect(try messages("package p\na if every k, v in {\"a\": 1} { v == 1 }") == ["declared var k unused"])
        #expect(try messages("package p\na if every x in input.nope { false }") == ["declared var x unused"])
        #expect(try messages("package p\na if { some x in [1] }").isEmpty)
        #expect(try messages("package p\na if { some x; x = 1; y := $\"{x}\" }").isEmpty)
    }

    @Test func shadowedRootsAndImports() throws {
        #expect(try messages("package p\ninput := 1") == ["rules must not shadow input (use a different rule name)"])
        #expect(try messages("package p\ndata := 1") == ["rules must not shadow data (use a different rule name)"])
        #expect(try messages("package p\nimport input.foo\nimport data.foo\na := 1") == ["import must not shadow import input.foo"])
        #expect(try messages("package p\nimport data.x as y\nimport input.z as y\na := 1") == ["import must not shadow import data.x as y"])
    }

    @Test func defaultAndWithInHead() {
        #expect(parseError("package p\ndefault a := [x]") == "illegal default rule (value cannot contain var)")
        #expect(parseError("package p\ndefault a := input.x") == "illegal default rule (value cannot contain ref)")
        #expect(parseError("package p\ndefault a := count([1])") == "illegal default rule (value cannot contain call)")
        #expect(parseError("package p\ndefault a := {\"k\": [1, null]}") == nil)
        #expect(parseError("package p\na := input.x with input.x as 1") == "expressions using with keyword cannot be used for rule head")
        // `default a` alone means true; a multi-value default has no value.
        #expect(parseError("package p\ndefault a") == nil)
        #expect(parseError("package p\ndefault s contains 1") == "illegal default rule (must have a value)")
        #expect(parseError("package p\ndefault a := 0, 1 in [1]") == "illegal default rule (value cannot contain call)")
        // `k, v in xs` is a value in every head position.
        #expect(parseError("package p\na := 2, 1 in [1, 2]\ns contains 0, 1 in [1]\nf(x) := 0, x in [1]\nb := 1 if false\nelse := 0, 1 in [1]") == nil)
    }
}
