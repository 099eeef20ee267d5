// Plan-owned copies of class-reference arrays, for the evaluator's hot loops.
//
// Handing a `var` array field (or an element of an array of arrays) to a loop retains and
// releases the array, since the compiler cannot prove nobody reassigns it meanwhile; the
// elements are retained again when read. A plan is immutable while it is evaluated, so the
// structures that own these lists keep a second copy in a buffer they allocate and free
// themselves: a trivial value, read with no reference counting at all. Elements are lent
// with `withBorrowed` (no retain of the element either).

enum PlanBuffer {
    static var empty: UnsafeBufferPointer<PRule> { UnsafeBufferPointer(start: nil, count: 0) }

    /// A new buffer holding `items` (retained once, released by `free`).
    static func copy<T: AnyObject>(_ items: [T]) -> UnsafeBufferPointer<T> {
        guard !items.isEmpty else { return UnsafeBufferPointer(start: nil, count: 0) }
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: items.count)
        _ = p.initialize(from: items)
        return UnsafeBufferPointer(p)
    }

    static func free<T: AnyObject>(_ b: UnsafeBufferPointer<T>) {
        guard let base = b.baseAddress else { return }
        UnsafeMutablePointer(mutating: base).deinitialize(count: b.count)
        base.deallocate()
    }
}

extension UnsafeBufferPointer where Element: AnyObject {
    /// Calls `body` with element `i` lent (not retained): the owner keeps the buffer alive for
    /// the whole call (plan buffers live as long as their plan).
    @inline(__always)
    func withBorrowed<R>(_ i: Int, _ body: (Element) throws -> R) rethrows -> R {
        try Unmanaged.passUnretained(self[i])._withUnsafeGuaranteedRef(body)
    }
}
