import CRE2

/// A compiled RE2 pattern with Go's regexp semantics on top (FindAll's empty-match rules,
/// ReplaceAllString with `$1`/`${name}` expansion, Split). Immutable and thread-safe: RE2
/// matching does not mutate the compiled program.
final class Regex: @unchecked Sendable {
    let pattern: String
    private let re: OpaquePointer
    let groupCount: Int
    /// Group names by index (index 0 unused); nil for unnamed groups.
    let groupNames: [String?]

    private init(pattern: String, re: OpaquePointer) {
        self.pattern = pattern
        self.re = re
        let n = Int(policyd_re2_num_groups(re))
        groupCount = n
        var names: [String?] = [nil]
        if n > 0 {
            for i in 1...n { names.append(policyd_re2_group_name(re, Int32(i)).map { String(cString: $0) }) }
        }
        groupNames = names
    }

    deinit { policyd_re2_free(re) }

    /// Go's `error parsing regexp: …` text for a pattern RE2 rejects.
    struct SyntaxError: Error { let message: String }

    static func compile(_ pattern: String) throws(SyntaxError) -> Regex {
        let source = try goSyntax(pattern)
        var code: Int32 = 0
        var arg: UnsafeMutablePointer<CChar>? = nil
        let compiled: OpaquePointer? = source.utf8.withContiguousStorageIfAvailable { buf in
            buf.withMemoryRebound(to: CChar.self) { policyd_re2_compile_detailed($0.baseAddress, $0.count, &code, &arg) }
        } ?? Array(source.utf8).withUnsafeBufferPointer { buf in
            buf.withMemoryRebound(to: CChar.self) { policyd_re2_compile_detailed($0.baseAddress, $0.count, &code, &arg) }
        }
        if let compiled { return Regex(pattern: pattern, re: compiled) }
        let fragment = arg.map { String(cString: $0) } ?? pattern
        if let arg { policyd_re2_free_string(arg) }
        throw SyntaxError(message: goMessage(code: Int(code), fragment: fragment, pattern: pattern))
    }

    /// Where Go's syntax differs from this RE2's: Go rejects `\C` (any byte) and accepts
    /// `(?<name>…)` as a named group (RE2 here knows only `(?P<name>…)`).
    static func goSyntax(_ pattern: String) throws(SyntaxError) -> String {
        guard pattern.utf8.contains(UInt8(ascii: "\\")) || pattern.contains("(?<") else { return pattern }
        let b = Array(pattern.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count + 4)
        var i = 0
        var inClass = false
        while i < b.count {
            let c = b[i]
            if c == UInt8(ascii: "\\"), i + 1 < b.count {
                if b[i + 1] == UInt8(ascii: "C") { throw SyntaxError(message: "error parsing regexp: invalid escape sequence: `\\C`") }
                out += [c, b[i + 1]]
                i += 2
                continue
            }
            if inClass {
                if c == UInt8(ascii: "]") { inClass = false }
            } else if c == UInt8(ascii: "[") {
                inClass = true
                out.append(c)
                i += 1
                // A `]` first in the class (after an optional `^`) is literal.
                if i < b.count && b[i] == UInt8(ascii: "^") { out.append(b[i]); i += 1 }
                if i < b.count && b[i] == UInt8(ascii: "]") { out.append(b[i]); i += 1 }
                continue
            } else if c == UInt8(ascii: "("), i + 3 < b.count, b[i + 1] == UInt8(ascii: "?"), b[i + 2] == UInt8(ascii: "<") {
                // Go reads `(?<` as a named group whatever follows (so `(?<=` is a bad name).
                let rest = b[i...]
                guard let end = rest.firstIndex(of: UInt8(ascii: ">")) else {
                    throw SyntaxError(message: "error parsing regexp: invalid named capture: `\(String(decoding: rest, as: UTF8.self))`")
                }
                let name = b[(i + 3)..<end]
                guard !name.isEmpty, name.allSatisfy({ isWordByte($0) }) else {
                    throw SyntaxError(message: "error parsing regexp: invalid named capture: `\(String(decoding: b[i...end], as: UTF8.self))`")
                }
                out += Array("(?P<".utf8)
                i += 3
                continue
            }
            out.append(c)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isWordByte(_ c: UInt8) -> Bool {
        (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 95
    }

    /// Maps RE2's error codes to Go's regexp/syntax wording.
    private static func goMessage(code: Int, fragment: String, pattern: String) -> String {
        let (text, useWhole): (String, Bool) = {
            switch code {
            case 2: return ("invalid escape sequence", false)
            case 3: return ("invalid character class", false)
            case 4: return ("invalid character class range", false)
            case 5: return ("missing closing ]", false)
            case 6: return ("missing closing )", true)
            case 7: return ("unexpected )", true)
            case 8: return ("trailing backslash at end of expression", false)
            case 9: return ("missing argument to repetition operator", false)
            case 10: return ("invalid repeat count", false)
            case 11: return ("invalid nested repetition operator", false)
            case 12: return ("invalid or unsupported Perl syntax", false)
            case 13: return ("invalid UTF-8", false)
            case 14: return ("invalid named capture", false)
            case 15: return ("expression too large", false)
            default: return ("invalid regexp", true)
            }
        }()
        return "error parsing regexp: \(text): `\(useWhole ? pattern : fragment)`"
    }

    // MARK: matching

    /// Runs `body` with the UTF-8 bytes of `s`.
    @inline(__always)
    private func withBytes<T>(_ s: String, _ body: (UnsafePointer<CChar>, Int) -> T) -> T {
        var s = s
        return s.withUTF8 { buf in
            buf.withMemoryRebound(to: CChar.self) { body($0.baseAddress ?? Regex.emptyText, $0.count) }
        }
    }

    nonisolated(unsafe) private static let emptyText: UnsafePointer<CChar> = {
        let p = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        p.pointee = 0
        return UnsafePointer(p)
    }()

    func matches(_ s: String) -> Bool {
        withBytes(s) { p, n in policyd_re2_partial_match(re, p, n) != 0 }
    }

    /// Submatch byte spans of the leftmost match at or after `start` (-1 for absent groups).
    private func find(_ p: UnsafePointer<CChar>, _ n: Int, from start: Int, spans: inout [Int64]) -> Bool {
        spans.withUnsafeMutableBufferPointer { sp in
            policyd_re2_find(re, p, n, start, 0, sp.baseAddress, Int32(sp.count)) != 0
        }
    }

    /// Go's allMatches: up to `limit` (-1: all) matches; an empty match right after a previous
    /// match is skipped; after an empty match the search moves on one rune.
    func findAll(_ s: String, limit: Int) -> [[Int]] {
        if limit == 0 { return [] }
        return withBytes(s) { p, n in
            var out: [[Int]] = []
            var spans = [Int64](repeating: -1, count: 2 * (groupCount + 1))
            var pos = 0, prevMatchEnd = -1
            while (limit < 0 || out.count < limit) && pos <= n {
                guard find(p, n, from: pos, spans: &spans) else { break }
                let m = spans.map { Int($0) }
                var accept = true
                if m[1] == pos {
                    if m[0] == prevMatchEnd { accept = false }
                    pos += pos < n ? Regex.runeWidth(p, pos, n) : 1
                } else {
                    pos = m[1]
                }
                prevMatchEnd = m[1]
                if accept { out.append(m) }
            }
            return out
        }
    }

    static func runeWidth(_ p: UnsafePointer<CChar>, _ i: Int, _ n: Int) -> Int {
        let b = UInt8(bitPattern: p[i])
        let w = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        return min(w, n - i)
    }

    /// Go's ReplaceAllString.
    func replaceAll(_ s: String, template: String) -> String {
        let src = Array(s.utf8)
        let tpl = Array(template.utf8)
        return withBytes(s) { p, n in
            var out: [UInt8] = []
            var spans = [Int64](repeating: -1, count: 2 * (groupCount + 1))
            var lastMatchEnd = 0, searchPos = 0
            while searchPos <= n {
                guard find(p, n, from: searchPos, spans: &spans) else { break }
                let a = spans.map { Int($0) }
                out += src[lastMatchEnd..<a[0]]
                if a[1] > lastMatchEnd || a[0] == 0 { expand(tpl, src, a, into: &out) }
                lastMatchEnd = a[1]
                let width = searchPos < n ? Regex.runeWidth(p, searchPos, n) : 0
                if searchPos + width > a[1] {
                    searchPos += width
                } else if searchPos + 1 > a[1] {
                    searchPos += 1
                } else {
                    searchPos = a[1]
                }
            }
            out += src[lastMatchEnd...]
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Go's Regexp.expand: `$$`, `$name`, `${name}`, `$1`.
    private func expand(_ tpl: [UInt8], _ src: [UInt8], _ m: [Int], into out: inout [UInt8]) {
        var i = 0
        func isNameByte(_ c: UInt8) -> Bool {
            (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F
        }
        while i < tpl.count {
            let c = tpl[i]
            if c != UInt8(ascii: "$") { out.append(c); i += 1; continue }
            if i + 1 < tpl.count && tpl[i + 1] == UInt8(ascii: "$") { out.append(c); i += 2; continue }
            // Extract a name.
            var j = i + 1
            var name: ArraySlice<UInt8> = []
            var ok = false
            if j < tpl.count && tpl[j] == UInt8(ascii: "{") {
                j += 1
                let start = j
                while j < tpl.count && isNameByte(tpl[j]) { j += 1 }
                if j < tpl.count && tpl[j] == UInt8(ascii: "}") && j > start {
                    name = tpl[start..<j]; j += 1; ok = true
                }
            } else {
                let start = j
                while j < tpl.count && isNameByte(tpl[j]) { j += 1 }
                if j > start { name = tpl[start..<j]; ok = true }
            }
            if !ok { out.append(c); i += 1; continue }
            i = j
            let text = String(decoding: name, as: UTF8.self)
            var group: Int? = nil
            if let num = Int(text), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                group = num
            } else if let idx = groupNames.firstIndex(where: { $0 == text }) {
                group = idx
            }
            if let g = group, 2 * g + 1 < m.count, m[2 * g] >= 0 {
                out += src[m[2 * g]..<m[2 * g + 1]]
            }
        }
    }

    /// Go's Regexp.Split(s, -1).
    func split(_ s: String) -> [String] {
        let src = Array(s.utf8)
        if !pattern.isEmpty && src.isEmpty { return [""] }
        var parts: [String] = []
        var beg = 0, end = 0
        for m in findAll(s, limit: -1) {
            end = m[0]
            if m[1] != 0 { parts.append(String(decoding: src[beg..<end], as: UTF8.self)) }
            beg = m[1]
        }
        if end != src.count { parts.append(String(decoding: src[beg...], as: UTF8.self)) }
        return parts
    }
}

/// Compiled patterns shared by all evaluations, bounded so hostile inputs cannot grow it
/// without limit (when full it starts over; policies use few distinct patterns).
enum RegexCache {
    private static let lock = Lock()
    nonisolated(unsafe) private static var table: [Value: Regex] = [:]  // Value keys compare strings by bytes
    static let capacity = 512

    static func get(_ pattern: String) throws(Regex.SyntaxError) -> Regex {
        let key = Value.string(pattern)
        if let r = lock.withLock({ table[key] }) { return r }
        let r = try Regex.compile(pattern)
        lock.withLock {
            if table.count >= capacity { table.removeAll(keepingCapacity: true) }
            table[key] = r
        }
        return r
    }

    /// The compiled pattern, or OPA's eval_builtin_error for a bad one.
    static func builtinGet(_ pattern: String) throws -> Regex {
        do { return try get(pattern) } catch { throw BuiltinError(.builtin, error.message) }
    }
}
