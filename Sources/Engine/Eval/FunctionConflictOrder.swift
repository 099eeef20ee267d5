// When a user function's first clause yields a value, OPA goes on with the caller's
// continuation (the rest of the calling body, the rule's value) before it evaluates the other
// clauses, so an error there wins over the function's conflict (`r := [f(0),
// to_number("x")]` with two disagreeing clauses of f: to_number's error; `x := f(0); x == 5`:
// the conflict; settled with OPA 1.20.2). policyd evaluates every clause at the call, so an
// error raised after the call's first value (a conflict, or another clause's error) is kept
// in `deferredErrors` and raised when the calling body's continuation has run; an error from
// the continuation replaces it. Rule sets and the evaluation's entry raise what is left.

extension Evaluator {
    /// An error the continuation threw: it wins over the deferred ones, except a stop (early
    /// exit), which OPA does not let through a function's evaluation.
    func settleDeferred(since pending: Int, thrown: any Error) throws -> Never {
        if deferredErrors.count > pending {
            let first = deferredErrors[pending]
            deferredErrors.removeSubrange(pending...)
            if Evaluator.isStop(thrown) { throw first }
        }
        throw thrown
    }

    /// Raises the first error deferred since `pending`.
    func raiseDeferred(since pending: Int) throws {
        guard deferredErrors.count > pending else { return }
        let first = deferredErrors[pending]
        deferredErrors.removeSubrange(pending...)
        throw first
    }

    /// Runs `clauses` (the evaluation of a function's clauses); an error after `produced()`
    /// reports a value is deferred and the value returned.
    func deferringAfterFirstValue(_ produced: () -> Bool, _ clauses: () throws -> Void) throws {
        do { try clauses() } catch where !Evaluator.isStop(error) && produced() {
            deferredErrors.append(error)
        }
    }
}
