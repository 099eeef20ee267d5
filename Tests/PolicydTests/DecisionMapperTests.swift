import Engine
import Testing
@testable import policyd

@Suite struct DecisionMapperTests {
    let path = ["behavry", "authz"]

    func map(_ v: Value?, _ def: Configuration.Entrypoint.Default = .deny) -> DecisionOutcome {
        DecisionMapper.map(result: v, path: path, defaultDecision: def)
    }

    @Test func allowWhenOnlyAllowIsTrue() {
        let o = map(["allow": true, "deny": .emptySet])
        #expect(o == DecisionOutcome(verdict: .allow, reasons: [], rules: ["behavry.authz.allow"], error: nil))
    }

    @Test func denySetWinsOverAllowWithSortedReasons() {
        let o = map(["allow": true, "deny": .set(SetValue(["zeta", "alpha"]))])
        #expect(o.verdict == .deny)
        #expect(o.reasons == ["alpha", "zeta"])
        #expect(o.rules == ["behavry.authz.deny"])
        #expect(o.error == nil)
    }

    @Test func booleanDenyNamesTheRule() {
        let o = map(["deny": true, "allow": true])
        #expect(o.verdict == .deny)
        #expect(o.reasons == ["denied by behavry.authz.deny"])
    }

    @Test func denyInASubPackageCounts() {
        let o = map(["allow": true, "network": ["deny": .set(SetValue(["host not allowed"]))]])
        #expect(o.verdict == .deny)
        #expect(o.reasons == ["host not allowed"])
        #expect(o.rules == ["behavry.authz.network.deny"])
    }

    @Test func escalateWhenNoDeny() {
        let o = map(["allow": true, "deny": .emptySet, "escalate": .set(SetValue(["needs approval"]))])
        #expect(o.verdict == .escalate)
        #expect(o.reasons == ["needs approval"])
        #expect(o.rules == ["behavry.authz.escalate"])
    }

    @Test func denyBeatsEscalate() {
        let o = map(["deny": .set(SetValue(["no"])), "escalate": true])
        #expect(o.verdict == .deny)
        #expect(o.reasons == ["no"])
    }

    /// Issue 4: for a prefix entrypoint, deny, escalate *and allow* are gathered from the
    /// entrypoint's package and every package below it.
    @Test func prefixEntrypointGathersAllowFromSubPackages() {
        let o = DecisionMapper.map(result: ["main": ["allow": false], "tools": ["allow": true], "routes": ["allow": true]],
                                   path: ["agentcy"], defaultDecision: .deny)
        #expect(o == DecisionOutcome(verdict: .allow, reasons: [], rules: ["agentcy.routes.allow", "agentcy.tools.allow"], error: nil))
        // A deny or escalate anywhere still beats an allow anywhere.
        let d = DecisionMapper.map(result: ["tools": ["allow": true], "routes": ["escalate": true]],
                                   path: ["agentcy"], defaultDecision: .deny)
        #expect(d.verdict == .escalate && d.rules == ["agentcy.routes.escalate"])
        // No allow anywhere: the default.
        let n = map(["allow": false, "sub": ["allow": false]])
        #expect(n == DecisionOutcome(verdict: .deny, reasons: [DecisionMapper.noRuleReason], rules: [], error: nil))
    }

    @Test func defaultAllowEntrypoint() {
        let o = DecisionMapper.map(result: ["connectors": ["deny": .emptySet]], path: ["agentcy"], defaultDecision: .allow)
        #expect(o.verdict == .allow)
        let d = DecisionMapper.map(result: ["connectors": ["deny": .set(SetValue(["connector disabled"]))]],
                                   path: ["agentcy"], defaultDecision: .allow)
        #expect(d.verdict == .deny)
        #expect(d.rules == ["agentcy.connectors.deny"])
    }

    @Test func stringAndObjectResultsAreTakenAsIs() {
        #expect(map("escalate").verdict == .escalate)
        let o = map(["decision": "deny", "reasons": ["b", "a"]])
        #expect(o.verdict == .deny)
        #expect(o.reasons == ["a", "b"])
        // Sorted by UTF-8 bytes like set reasons (Swift's String order would call these equal).
        #expect(map(["decision": "deny", "reasons": ["\u{E9}", "e\u{301}"]]).reasons == ["e\u{301}", "\u{E9}"])
        #expect(map("maybe").error == "invalid_result")
        #expect(map(["decision": 3]).verdict == .deny)
    }

    @Test func verdictNamesMatchTheRawValues() {
        // Same lengths as the real names, case, Unicode look-alikes and prefixes are not verdicts.
        for s in ["allow", "deny", "escalate", "Allow", "DENY", "dent", "allox", "escalatE", "escalat", "allow ",
                  "", "d\u{E9}ny", "\u{FF41}llow"] {
            #expect(Verdict.named(s) == Verdict(rawValue: s), "\(s)")
        }
        #expect(map("Deny").error == "invalid_result")
        #expect(map(["decision": "allow "]).error == "invalid_result")
    }

    @Test func objectMessagesUseMsgField() {
        let o = map(["deny": .set(SetValue([["msg": "from msg"], ["code": 7]]))])
        #expect(o.reasons == ["from msg", "{\"code\":7}"])
    }

    @Test func undefinedAndOddResultsFailClosed() {
        let u = map(nil)
        #expect(u.verdict == .deny)
        #expect(u.error == "undefined")
        #expect(map(42).error == "invalid_result")
        #expect(map(42).verdict == .deny)
    }
}
