import XCTest
@testable import Engine

final class CryptoBuiltinsTests: XCTestCase {
    // Expected values from OPA (oracle).
    static let rows: [OracleTable.Row] = [
        ("crypto.md5", "[\"lorem ipsum\"]", "\"80a751fde577028640c419000e33eba6\""),
        ("crypto.sha1", "[\"lorem ipsum\"]", "\"bfb7759a67daeb65410490b4d98bb9da7d1ea2ce\""),
        ("crypto.sha256", "[\"lorem ipsum\"]", "\"5e2bf57d3f40c4b6df69daf1936cb766f832374b4fc0259a7cbff06e2f70f269\""),
        ("crypto.sha256", "[\"héllo wörld ✓\"]", "\"c2a59c71097b678dc5af2eb1f98ddc575b63948b0fa6740071a945673aaada4d\""),
        ("crypto.hmac.md5", "[\"foo\", \"bar\"]", "\"31b6db9e5eb4addb42f1a6ca07367adc\""),
        ("crypto.hmac.sha1", "[\"foo\", \"bar\"]", "\"85d155c55ed286a300bd1cf124de08d87e914f3a\""),
        ("crypto.hmac.sha256", "[\"foo\", \"bar\"]", "\"147933218aaabc0b8b10a2b3a5c34684c8d94341bcf10a4736dc7270f7741851\""),
        ("crypto.hmac.sha512", "[\"foo\", \"bar\"]", "\"24257d7210582a65c731ec55159c8184cc24c02489453e58587f71f44c23a2d61b4b72154a89d17b2d49448a8452ea066f4fc56a2bcead45c088572ffccdb3d8\""),
        ("crypto.hmac.sha256", "[\"\", \"\"]", "\"b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad\""),
        ("crypto.hmac.sha512", "[\"message\", \"a key longer than one hundred and twenty eight bytes ............................................................................................\"]", "\"9a221a4c9be44cbd662f73dc31e4090b6e9f4ca0d6365269a4715b1b02d51b5d0d0dbd400f6e5a82ad5cf508373a8cb86084b232f0d71a6a4ff326a2a1f7f0bb\""),
        ("crypto.hmac.equal", "[\"abc\", \"abc\"]", "true"),
        ("crypto.hmac.equal", "[\"abc\", \"abd\"]", "false"),
        ("crypto.hmac.equal", "[\"abc\", \"ab\"]", "false"),
    ]

    func testAgainstOracle() { OracleTable.check(Self.rows) }
}
