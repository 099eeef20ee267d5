/// The lexer of Go's text/template (delimiters `{{` `}}`), producing the items the parser reads:
/// byte positions and lines as Go counts them, trim markers, comments, and Go's lexical errors
/// (`bad number syntax: "1a"`, `unrecognized character in action: U+0001`, …). The whole input
/// is lexed up front; lexing stops at the first error item, as Go's parser would.
extension GoTemplate {
    enum ItemType: Equatable {
        case error, bool, char, charConstant, assign, declare, eof, field, identifier
        case leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen, space, string, text, variable
        // keywords (Go orders them after itemKeyword)
        case block, breakKw, continueKw, dot, define, elseKw, end, ifKw, nilKw, range, template, with

        var isKeyword: Bool {
            switch self {
            case .block, .breakKw, .continueKw, .dot, .define, .elseKw, .end, .ifKw, .nilKw, .range, .template, .with: return true
            default: return false
            }
        }
    }

    struct Item {
        var type: ItemType
        var pos: Int
        var val: String
        var line: Int

        /// Go's item.String(), as parse errors quote tokens.
        var description: String {
            switch type {
            case .eof: return "EOF"
            case .error: return val
            default:
                if type.isKeyword { return "<\(val)>" }
                if val.utf8.count > 10 {
                    return GoQuote.quote(String(String.UnicodeScalarView(val.unicodeScalars.prefix(10)))) + "..."
                }
                return GoQuote.quote(val)
            }
        }
    }

    static let keywords: [String: ItemType] = [
        ".": .dot, "block": .block, "break": .breakKw, "continue": .continueKw, "define": .define,
        "else": .elseKw, "end": .end, "if": .ifKw, "nil": .nilKw, "range": .range, "template": .template, "with": .with,
    ]

    struct Lexer {
        let input: [UInt8]
        var items: [Item] = []
        var pos = 0, start = 0
        var parenDepth = 0

        init(_ text: String) {
            input = Array(text.utf8)
            lexAll()
        }

        private func line(at p: Int) -> Int { 1 + input[..<p].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } }

        private mutating func emit(_ t: ItemType) {
            items.append(Item(type: t, pos: start, val: String(decoding: input[start..<pos], as: UTF8.self), line: line(at: start)))
            start = pos
        }

        private mutating func fail(_ message: String) {
            items.append(Item(type: .error, pos: start, val: message, line: line(at: start)))
        }

        private func byte(_ p: Int) -> UInt8? { p < input.count ? input[p] : nil }
        private func hasPrefix(_ s: String, at p: Int) -> Bool {
            let b = Array(s.utf8)
            return p + b.count <= input.count && Array(input[p..<(p + b.count)]) == b
        }
        static func isSpace(_ b: UInt8?) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

        /// The rune at p and its length (U+FFFD, 1 for a bad byte, as Go decodes).
        private func rune(at p: Int) -> (Unicode.Scalar, Int)? {
            guard p < input.count else { return nil }
            var it = input[p...].makeIterator()
            var dec = UTF8()
            if case .scalarValue(let s) = dec.decode(&it) { return (s, String(s).utf8.count) }
            return ("\u{FFFD}", 1)
        }

        /// Go's `_`, unicode.IsLetter or unicode.IsDigit.
        static func isAlphaNumeric(_ s: Unicode.Scalar) -> Bool {
            if s == "_" { return true }
            switch s.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber: return true
            default: return false
            }
        }

        /// `-` then a space: a trim marker after `{{`.
        private func leftTrimMarker(at p: Int) -> Bool { byte(p) == UInt8(ascii: "-") && Lexer.isSpace(byte(p + 1)) }
        /// A space then `-}}`.
        private func rightTrimDelim(at p: Int) -> Bool {
            Lexer.isSpace(byte(p)) && byte(p + 1) == UInt8(ascii: "-") && hasPrefix("}}", at: p + 2)
        }

        private mutating func lexAll() {
            while true {
                // Text up to the next action.
                var x = pos
                while x < input.count && !hasPrefix("{{", at: x) { x += 1 }
                if x >= input.count {
                    pos = input.count
                    if pos > start { emit(.text) }
                    emit(.eof)
                    return
                }
                if x > pos {
                    var end = x
                    if leftTrimMarker(at: x + 2) { while end > start && Lexer.isSpace(input[end - 1]) { end -= 1 } }
                    pos = end
                    if pos > start { emit(.text) }
                    start = x; pos = x
                }
                // Left delimiter, trim marker, comment.
                pos += 2
                let trim = leftTrimMarker(at: pos)
                let after = pos + (trim ? 2 : 0)
                if hasPrefix("/*", at: after) {
                    pos = after; start = pos
                    guard lexComment() else { return }
                    continue
                }
                emit(.leftDelim)
                pos = after; start = pos
                parenDepth = 0
                guard lexInsideAction() else { return }
            }
        }

        private mutating func lexComment() -> Bool {
            var i = pos + 2
            while i < input.count && !hasPrefix("*/", at: i) { i += 1 }
            guard i < input.count else { fail("unclosed comment"); return false }
            pos = i + 2
            if rightTrimDelim(at: pos) {
                pos += 4
                while Lexer.isSpace(byte(pos)) { pos += 1 }
            } else if hasPrefix("}}", at: pos) {
                pos += 2
            } else {
                fail("comment ends before closing delimiter"); return false
            }
            start = pos
            return true
        }

        private func atTerminator() -> Bool {
            guard let b = byte(pos) else { return true }
            if Lexer.isSpace(b) { return true }
            switch b {
            case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: "|"), UInt8(ascii: ":"), UInt8(ascii: ")"), UInt8(ascii: "("): return true
            default: return hasPrefix("}}", at: pos)
            }
        }

        private mutating func badCharacter() -> Bool {
            let (r, _) = rune(at: pos)!
            fail("bad character \(GoTemplate.sharpU(r))")
            return false
        }

        /// Lexes one action; false after an error item.
        private mutating func lexInsideAction() -> Bool {
            while true {
                if rightTrimDelim(at: pos) || hasPrefix("}}", at: pos) {
                    guard parenDepth == 0 else { fail("unclosed left paren"); return false }
                    let trim = rightTrimDelim(at: pos)
                    if trim { pos += 2; start = pos }
                    pos += 2
                    emit(.rightDelim)
                    if trim { while Lexer.isSpace(byte(pos)) { pos += 1 }; start = pos }
                    return true
                }
                guard let (r, n) = rune(at: pos) else { fail("unclosed action"); return false }
                switch r {
                case " ", "\t", "\r", "\n":
                    var spaces = 0
                    while Lexer.isSpace(byte(pos)) { pos += 1; spaces += 1 }
                    // A space before `-}}` belongs to the delimiter.
                    if rightTrimDelim(at: pos - 1) {
                        pos -= 1
                        if spaces == 1 { continue }
                    }
                    emit(.space)
                case "=": pos += 1; emit(.assign)
                case ":":
                    pos += 1
                    guard byte(pos) == UInt8(ascii: "=") else { fail("expected :="); return false }
                    pos += 1; emit(.declare)
                case "|": pos += 1; emit(.pipe)
                case "\"":
                    pos += 1
                    while true {
                        guard let b = byte(pos), b != 0x0A else { fail("unterminated quoted string"); return false }
                        pos += 1
                        if b == UInt8(ascii: "\\") {
                            guard let e = byte(pos), e != 0x0A else { fail("unterminated quoted string"); return false }
                            pos += 1
                        } else if b == UInt8(ascii: "\"") { break }
                    }
                    emit(.string)
                case "`":
                    pos += 1
                    while true {
                        guard let b = byte(pos) else { fail("unterminated raw quoted string"); return false }
                        pos += 1
                        if b == UInt8(ascii: "`") { break }
                    }
                    emit(.rawString)
                case "$", ".":
                    pos += 1
                    if r == ".", let d = byte(pos), d >= 0x30 && d <= 0x39 {
                        pos -= 1
                        guard lexNumber() else { return false }
                        continue
                    }
                    if atTerminator() { emit(r == "$" ? .variable : .dot); continue }
                    while let (c, m) = rune(at: pos), Lexer.isAlphaNumeric(c) { pos += m }
                    guard atTerminator() else { return badCharacter() }
                    emit(r == "$" ? .variable : .field)
                case "'":
                    pos += 1
                    while true {
                        guard let b = byte(pos), b != 0x0A else { fail("unterminated character constant"); return false }
                        pos += 1
                        if b == UInt8(ascii: "\\") {
                            guard let e = byte(pos), e != 0x0A else { fail("unterminated character constant"); return false }
                            pos += 1
                        } else if b == UInt8(ascii: "'") { break }
                    }
                    emit(.charConstant)
                case "+", "-", "0"..."9":
                    guard lexNumber() else { return false }
                case "(": pos += 1; emit(.leftParen); parenDepth += 1
                case ")":
                    pos += 1; parenDepth -= 1
                    if parenDepth < 0 { fail("unexpected right paren"); return false }
                    emit(.rightParen)
                default:
                    if Lexer.isAlphaNumeric(r) {
                        while let (c, m) = rune(at: pos), Lexer.isAlphaNumeric(c) { pos += m }
                        guard atTerminator() else { return badCharacter() }
                        let word = String(decoding: input[start..<pos], as: UTF8.self)
                        if let k = GoTemplate.keywords[word], k != .dot { emit(k) }
                        else if word == "true" || word == "false" { emit(.bool) }
                        else { emit(.identifier) }
                    } else if r.value < 0x80 && r.value >= 0x20 && r.value != 0x7F {
                        pos += n; emit(.char)
                    } else {
                        fail("unrecognized character in action: \(GoTemplate.sharpU(r))"); return false
                    }
                }
            }
        }

        private mutating func scanNumber() -> Bool {
            func accept(_ set: String) -> Bool {
                if let b = byte(pos), set.utf8.contains(b) { pos += 1; return true }
                return false
            }
            func acceptRun(_ set: String) { while accept(set) {} }
            _ = accept("+-")
            var digits = "0123456789_"
            if accept("0") {
                if accept("xX") { digits = "0123456789abcdefABCDEF_" }
                else if accept("oO") { digits = "01234567_" }
                else if accept("bB") { digits = "01_" }
            }
            acceptRun(digits)
            if accept(".") { acceptRun(digits) }
            if digits.count == 11 && accept("eE") { _ = accept("+-"); acceptRun("0123456789_") }
            if digits.count == 23 && accept("pP") { _ = accept("+-"); acceptRun("0123456789_") }
            _ = accept("i")
            if let (c, m) = rune(at: pos), Lexer.isAlphaNumeric(c) { pos += m; return false }
            return true
        }

        private mutating func lexNumber() -> Bool {
            guard scanNumber() else {
                fail("bad number syntax: " + GoQuote.quote(String(decoding: input[start..<pos], as: UTF8.self)))
                return false
            }
            if let s = byte(pos), s == UInt8(ascii: "+") || s == UInt8(ascii: "-") {
                // A complex constant (1+2i).
                guard scanNumber(), input[pos - 1] == UInt8(ascii: "i") else {
                    fail("bad number syntax: " + GoQuote.quote(String(decoding: input[start..<pos], as: UTF8.self)))
                    return false
                }
            }
            emit(.number)
            return true
        }
    }

    /// Go's %#U: `U+007D '}'` (the character only when printable).
    static func sharpU(_ r: Unicode.Scalar) -> String {
        let hex = String(r.value, radix: 16, uppercase: true)
        let u = "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        return GoQuote.isPrint(r) ? "\(u) '\(Character(r))'" : u
    }
}
