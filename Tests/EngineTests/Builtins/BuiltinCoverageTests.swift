import Foundation
import Testing
@testable import Engine

/// Every builtin of OPA's capabilities file must be registered (with OPA's arity), refused by
/// design, or listed in Fixtures/known-missing-builtins.txt. The name list comes from
/// scripts/gen-builtins-doc.py.
@Suite struct BuiltinCoverageTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func lines(_ file: String) -> [String] {
        guard let text = try? String(contentsOf: fixtures.appendingPathComponent(file), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    static let capabilities: [(name: String, arity: Int)] = lines("capability-builtins.txt").compactMap {
        let parts = $0.split(separator: "\t")
        guard parts.count == 2, let n = Int(parts[1]) else { return nil }
        return (String(parts[0]), n)
    }

    @Test func everyCapabilityBuiltinIsRegisteredRefusedOrKnownMissing() {
        #expect(Self.capabilities.count > 150)
        let allowed = Set(Self.lines("known-missing-builtins.txt").map { $0.trimmingCharacters(in: .whitespaces) })
        for (name, _) in Self.capabilities {
            let ok = BuiltinRegistry.byName[name] != nil || BuiltinRegistry.refusedByDesign[name] != nil || allowed.contains(name)
            #expect(ok, "builtin \(name) is neither registered, refused by design, nor in known-missing-builtins.txt")
        }
    }

    @Test func registeredArityMatchesOPA() {
        for (name, arity) in Self.capabilities {
            guard let b = BuiltinRegistry.byName[name] else { continue }
            #expect(b.arity == arity, "\(name): arity \(b.arity), OPA declares \(arity)")
        }
    }
}
