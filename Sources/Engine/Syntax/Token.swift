/// Lexical tokens of Rego. Keywords are not separate kinds: whether `if`, `in`, `contains`,
/// `every`, … are keywords depends on the Rego version and the module's `future.keywords`
/// imports, so the lexer yields identifiers and the parser decides.
public enum TokenKind: Sendable, Hashable {
    case ident
    /// A double-quoted string (text holds the decoded value).
    case string
    /// A backtick raw string (text holds the content).
    case rawString
    /// A number literal (text holds the source spelling).
    case number
    /// `$"…"` / `` $`…` ``: text holds the raw content between the quotes; the parser splits it
    /// into literal and `{…}` parts.
    case templateString
    case rawTemplateString
    case dot, comma, semicolon, colon
    case assign          // :=
    case unify           // =
    case equal           // ==
    case notEqual        // !=
    case lt, lte, gt, gte
    case plus, minus, star, slash, percent
    case amp, pipe
    case lparen, rparen, lbrack, rbrack, lbrace, rbrace
    /// Text the scanner could not read; `text` holds the scanner's complaint ("" when it has
    /// none and only the parser reports the token, as `illegal token`).
    case illegal
    /// A string whose `\u` escape does not decode; `text` holds OPA's complaint.
    case badString
    case eof
}

public struct Token: Sendable {
    public var kind: TokenKind
    /// Identifier name, decoded string value, number spelling, or raw template content.
    public var text: String
    public var location: SourceLocation
    /// UTF-8 byte offset of the token start in the source.
    public var offset: Int
    /// Byte offset just past the token.
    public var end: Int
    /// True if at least one newline separates this token from the previous one (Rego ends an
    /// expression at a newline).
    public var newlineBefore: Bool

    public init(kind: TokenKind, text: String, location: SourceLocation, offset: Int, end: Int, newlineBefore: Bool) {
        self.kind = kind
        self.text = text
        self.location = location
        self.offset = offset
        self.end = end
        self.newlineBefore = newlineBefore
    }

    public func isIdent(_ name: String) -> Bool { kind == .ident && text == name }
}

extension TokenKind {
    /// How the token looks in source, for error messages.
    var spelling: String {
        switch self {
        case .ident: return "identifier"
        case .string, .rawString: return "string"
        case .number: return "number"
        case .templateString, .rawTemplateString: return "template string"
        case .dot: return "."
        case .comma: return ","
        case .semicolon: return ";"
        case .colon: return ":"
        case .assign: return ":="
        case .unify: return "="
        case .equal: return "=="
        case .notEqual: return "!="
        case .lt: return "<"
        case .lte: return "<="
        case .gt: return ">"
        case .gte: return ">="
        case .plus: return "+"
        case .minus: return "-"
        case .star: return "*"
        case .slash: return "/"
        case .percent: return "%"
        case .amp: return "&"
        case .pipe: return "|"
        case .lparen: return "("
        case .rparen: return ")"
        case .lbrack: return "["
        case .rbrack: return "]"
        case .lbrace: return "{"
        case .rbrace: return "}"
        case .eof: return "EOF"
        case .illegal: return "illegal"
        case .badString: return "string"
        }
    }
}
