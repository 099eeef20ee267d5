#ifndef POLICYD_CRE2_SHIM_H
#define POLICYD_CRE2_SHIM_H
// A small C API over RE2 so Swift can use Go-compatible, linear-time regexes.
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct policyd_re2 policyd_re2;

void policyd_re2_free(policyd_re2 *re);
void policyd_re2_free_string(char *s);

/// Number of capturing groups.
int policyd_re2_num_groups(const policyd_re2 *re);

/// 1 if the pattern matches anywhere in text, else 0.
int policyd_re2_partial_match(const policyd_re2 *re, const char *text, size_t len);

/// Searches text[start...] (anchored at start if `anchor_start`). On a match fills `spans` with
/// 2*(ngroups+1) byte offsets (begin,end; -1,-1 for a group that did not take part) and returns 1.
int policyd_re2_find(const policyd_re2 *re, const char *text, size_t len, size_t start,
                     int anchor_start, int64_t *spans, int nspans);

/// Compiles `pattern` (UTF-8, `len` bytes) with Go/RE2 syntax; NULL on error, reporting RE2's error code (RE2::ErrorCode) and the
/// offending fragment (malloc'ed, free with policyd_re2_free_string).
policyd_re2 *policyd_re2_compile_detailed(const char *pattern, size_t len, int *code_out, char **arg_out);

/// The name of capturing group `index` (1-based), or NULL if it is unnamed. The string lives as
/// long as the regex.
const char *policyd_re2_group_name(const policyd_re2 *re, int index);

#ifdef __cplusplus
}
#endif
#endif
