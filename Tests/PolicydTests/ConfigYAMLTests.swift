import Testing
import Yams
@testable import policyd

/// ConfigYAML types plain scalars without Yams' regex resolver; it must agree with it exactly.
@Suite struct ConfigYAMLTests {
    static let samples: [String] = [
        "", "~", "null", "Null", "NULL", "nULL", "yes", "Yes", "YES", "yEs", "no", "on", "ON", "oN", "off",
        "true", "True", "TRUE", "tRUE", "false", "y", "n", "0", "-0", "+0", "00", "07", "08", "0o7", "0o8", "0o",
        "0b", "0b101", "0b102", "-0b1", "0x", "0x1F", "0xg", "-0x_", "0_", "1_000", "_1", "1__", "12", "+12", "-",
        "+", "1:20", "1:60", "1:5", "1:", "1:2:3", "190:20:30", "1:234", "0:20", "1.5", "1.", ".5", "._", "._1",
        ".5e3", ".5e+3", ".5E-3", "1e3", "1e", "1e+", "1.0e+3", "1_0.0_1", "-1.5", "+.inf", "-.Inf", ".INF",
        ".inf", "inf", ".nan", ".NaN", "-.nan", "nan", "1:20.5", "1:20.", "-1:20.5", "1:2.3", "<<", "<", "=",
        "==", "2001-12-14", "2001-1-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
        "2001-12-14T21:59:43Z", "2001-12-14T21:59:43 Z", "2001-12-14T21:59:43 ", "2001-12-14 \t21:59:43.",
        "2001-12-14T1:59:43+05:3", "2001-12-14T21:59:43+5", "2001-12-1421:59:43", "20011-12-14", "2001-123-14",
        "2001-12-14T21:59", "0660", "\"0660\"", "socket", "run/policyd.sock", "behavry/authz", "1 2", "0x1 ",
        "é", "1٣", "١", "12:3a", "+-1", "1.2.3", "0.", "-.5", "+.5e1", "1_:20",
    ]

    @Test func plainScalarsResolveLikeYamsDefaultResolver() {
        for s in Self.samples {
            #expect(ConfigYAML.resolve(s).rawValue == Node(s).tag.rawValue, "\(s)")
        }
    }

    @Test func generatedScalarsResolveLikeYamsDefaultResolver() {
        // Every string of up to 4 characters over the alphabet the patterns care about.
        let alphabet: [Character] = ["0", "1", "7", "9", ":", ".", "_", "+", "-", "e", "x", "b", "o", "-"]
        var strings: [String] = [""]
        var frontier: [String] = [""]
        for _ in 0..<4 {
            frontier = frontier.flatMap { p in alphabet.map { p + String($0) } }
            strings += frontier
        }
        var mismatches: [String] = []
        for s in strings where ConfigYAML.resolve(s).rawValue != Node(s).tag.rawValue { mismatches.append(s) }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(20))")
    }

    @Test func quotedAndTaggedScalarsKeepTheirTags() throws {
        let root = try #require(try ConfigYAML.compose("a: \"5\"\nb: 5\nc: !!str 5\nd: yes\ne: '~'\nf:\n"))
        func tag(_ k: String) -> String? { ConfigYAML.child(root, k).map { ConfigYAML.tagName($0).rawValue } }
        #expect(tag("a") == Tag.Name.str.rawValue)
        #expect(tag("b") == Tag.Name.int.rawValue)
        #expect(tag("c") == Tag.Name.str.rawValue)
        #expect(tag("d") == Tag.Name.bool.rawValue)
        #expect(tag("e") == Tag.Name.str.rawValue)
        #expect(tag("f") == Tag.Name.null.rawValue)
        #expect(ConfigYAML.child(root, "g") == nil)
    }
}
