extension Value {
    /// Go's name for this value's JSON kind, as encoding/json prints it in an
    /// UnmarshalTypeError (`json: cannot unmarshal <kind> into …`); a set was an array in JSON.
    var goJSONKind: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .number: return "number"
        case .string: return "string"
        case .array, .set: return "array"
        case .object: return "object"
        }
    }
}
